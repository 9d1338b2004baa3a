package dev.imgsim.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.imgsim.ImageSimilarity;

/** Run in a child JVM by {@link CrashTest}: indexes a folder, committing often, until killed. */
public final class CrashChild {
    private CrashChild() {}

    public static void main(String[] args) throws IOException {
        Path index = Paths.get(args[0]);
        List<Path> files;
        try (Stream<Path> s = Files.list(Paths.get(args[1]))) {
            files = s.sorted().collect(Collectors.toList());
        }
        IndexOptions options = IndexOptions.builder().commitEvery(5).ingestThreads(1).build();
        try (ImageSimilarity sim = ImageSimilarity.create(); ImageIndex idx = ImageIndex.open(index, sim, options)) {
            System.out.println("open");
            System.out.flush();
            idx.addAll(files, (done, total, failed, nanos) -> {
                try {
                    Thread.sleep(5); // slow enough for the parent to kill it mid-way
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        System.out.println("finished");
    }
}
