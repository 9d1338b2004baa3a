package dev.imgsim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.imgsim.ImageSimilarity;
import dev.imgsim.index.ImageIndex;
import dev.imgsim.index.IndexOptions;
import dev.imgsim.index.IndexReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgsim index DIR --index IDX}: embeds every file under DIR into the index. */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = {"Adds the images under DIR (recursively; hidden files and folders left out; files not named"
            + " like an image (.jpg, .jpeg, .jfif, .png, .bmp, .gif, .webp, .tif, .tiff, .jxl, .heic, .heif, .hif, .avif, or camera RAW:"
            + " .dng, .cr2, .nef, .nrw, .arw, .srf, .sr2, .pef, .srw, .orf, .rw2, .raf, .3fr, .erf, .kdc, .mos, .mef, .iiq, .rwl)"
            + " listed as ignored unless --all-files) to the index IDX,"
            + " creating it if needed. Files already indexed with the same size and modification time are skipped,"
            + " so an interrupted run can simply be repeated. Files that are not images are reported and the rest go on."})
final class IndexCommand extends ModelCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "Folder of images.")
    Path dir;

    @Option(names = "--index", required = true, paramLabel = "IDX", description = "Index directory (created if missing).")
    Path index;

    @Option(names = "--all-files", description = "Try every file, whatever its name (the decoder reads the content).")
    boolean allFiles;

    @Option(names = "--threads", paramLabel = "N", description = "Decode and embedding threads (default: one per core).")
    Integer threads;

    @Option(names = "--int8-vectors", description = "Store a new index's HNSW graph with int8-quantised vectors.")
    boolean int8Vectors;

    @Option(names = "--no-copies", description = "Store no copy features: about twice as fast to index, for \"more like this\""
            + " search only; the images are then never copies (search --copies, dupes). A later index without it analyses them again.")
    boolean noCopies;

    @Option(names = "--progress", paramLabel = "MODE", description = "bar, lines or none (default: bar on a terminal, else lines).")
    ProgressBar.Mode progress;

    @Option(names = "--json", description = "Print the result as JSON: counts and the failed files with reasons.")
    boolean json;

    @Option(names = "--optimize", description = "Then merge the index into one segment: faster searches and dupes on a large"
            + " index that will not change for a while (a minute or two per 100,000 images).")
    boolean optimize;

    @Override
    public Integer call() throws Exception {
        Files2.Listing listing = Files2.walk(dir, allFiles);
        IndexOptions.Builder o = IndexOptions.builder();
        if (threads != null) {
            o.ingestThreads(threads);
        }
        if (int8Vectors) {
            o.encoding(IndexOptions.Encoding.INT8);
        }
        o.copyFeatures(!noCopies);
        PrintWriter out = out();
        ProgressBar bar = new ProgressBar(new java.io.PrintStream(System.err, true), progress != null ? progress : ProgressBar.auto());
        IndexReport r;
        long size;
        try (ImageSimilarity sim = model.open(); ImageIndex idx = ImageIndex.open(index, sim, o.build())) {
            try {
                r = idx.addAll(listing.files, bar);
            } finally {
                bar.finish();
            }
            if (optimize) {
                idx.optimize();
            }
            size = idx.size();
        }
        List<String[]> failed = new ArrayList<>();
        for (Map.Entry<Path, String> e : listing.unreadable.entrySet()) {
            failed.add(new String[] {e.getKey().toString(), e.getValue()});
        }
        for (IndexReport.Failure f : r.failures()) {
            failed.add(new String[] {f.file().toString(), f.reason()});
        }
        if (json) {
            Json j = new Json().open('{');
            j.field("index", Json.string(index.toString())).raw(", ");
            j.field("files", Integer.toString(r.total())).raw(", ");
            j.field("added", Integer.toString(r.added())).raw(", ");
            j.field("unchanged", Integer.toString(r.skipped())).raw(", ");
            j.field("failed_count", Integer.toString(failed.size())).raw(", ");
            j.field("ignored", Json.strings(listing.ignored.stream().map(Path::toString).collect(java.util.stream.Collectors.toList())))
                    .raw(", ");
            j.field("indexed", Long.toString(size)).raw(", ");
            j.field("optimized", Boolean.toString(optimize)).raw(", ");
            j.field("seconds", Json.number(r.elapsed().toNanos() / 1e9)).raw(", ");
            j.field("images_per_second", Json.number(r.imagesPerSecond())).raw(", ");
            j.raw("\"failed\": [");
            for (int i = 0; i < failed.size(); i++) {
                j.raw(i == 0 ? "" : ", ").open('{').field("file", Json.string(failed.get(i)[0])).raw(", ")
                        .field("reason", Json.string(failed.get(i)[1])).close('}');
            }
            out.println(j.raw("]").close('}'));
        } else {
            out.printf(Locale.ROOT, "%s: %d files, %d added, %d unchanged (skipped), %d failed in %.1f s (%.1f images/s); the index holds %d images%s%n",
                    index, r.total(), r.added(), r.skipped(), failed.size(), r.elapsed().toNanos() / 1e9, r.imagesPerSecond(), size,
                    optimize ? ", merged into one segment" : "");
            if (!listing.ignored.isEmpty()) {
                out.printf(Locale.ROOT, "ignored (not named like an image; --all-files tries them): %d file%s%n",
                        listing.ignored.size(), listing.ignored.size() == 1 ? "" : "s");
                for (Path p : listing.ignored) {
                    out.println("  " + p);
                }
            }
            if (!failed.isEmpty()) {
                out.println("failed:");
                for (String[] f : failed) {
                    out.println("  " + f[0] + ": " + f[1]);
                }
            }
        }
        out.flush();
        return failed.isEmpty() ? 0 : Main.SOME_FAILED;
    }
}
