package dev.imgsim.bench;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

import dev.imgsim.ImageSimilarity;
import dev.imgsim.internal.Native;

/**
 * Leak soak (docs/RELIABILITY.md; not part of CI):
 * {@code gradle soak -PbenchArgs="--embeds 100000 --cycles 1000 --leaked 1000 [--model default|tiny]"}.
 * Prints RSS at checkpoints of (1) many embeds on one instance, (2) create/close cycles, (3)
 * instances left to the Cleaner, and the native live-model count at the end.
 */
public final class Soak {
    private Soak() {}

    public static void main(String[] args) throws Exception {
        int embeds = 100_000;
        int cycles = 1000;
        int leaked = 1000;
        String model = "default";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--embeds": embeds = Integer.parseInt(args[i + 1]); break;
                case "--cycles": cycles = Integer.parseInt(args[i + 1]); break;
                case "--leaked": leaked = Integer.parseInt(args[i + 1]); break;
                case "--model": model = args[i + 1]; break;
                default: throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path tiny = Paths.get("java/imgsim/src/test/resources/models/tiny.onnx");
        boolean useTiny = model.equals("tiny");
        BufferedImage[] imgs = {Bench.photo(640, 480, BufferedImage.TYPE_3BYTE_BGR),
            Bench.photo(224, 224, BufferedImage.TYPE_INT_RGB), Bench.photo(300, 200, BufferedImage.TYPE_INT_ARGB)};
        System.out.printf(Locale.ROOT, "soak: model %s, %d embeds, %d create/close cycles, %d leaked instances%n",
                model, embeds, cycles, leaked);
        long t0 = System.nanoTime();
        try (ImageSimilarity s = open(useTiny, tiny)) {
            long rssStart = Bench.rssKb();
            long rss10 = 0;
            for (int i = 1; i <= embeds; i++) {
                s.embed(imgs[i % imgs.length]);
                if (i == embeds / 10) {
                    rss10 = Bench.rssKb();
                }
                if (i % (embeds / 10) == 0) {
                    System.out.printf(Locale.ROOT, "  embeds %7d  RSS %7.1f MB%n", i, Bench.rssKb() / 1024.0);
                }
            }
            long rssEnd = Bench.rssKb();
            System.out.printf(Locale.ROOT, "embeds: RSS start %.1f MB, at 10%% %.1f MB, end %.1f MB: growth %.2f %% from 10%% to 100%%%n",
                    rssStart / 1024.0, rss10 / 1024.0, rssEnd / 1024.0, 100.0 * (rssEnd - rss10) / rss10);
        }
        long before = Bench.rssKb();
        for (int i = 1; i <= cycles; i++) {
            try (ImageSimilarity s = open(useTiny, tiny)) {
                s.embed(imgs[1]);
            }
            if (i % Math.max(1, cycles / 5) == 0) {
                System.gc();
                System.out.printf(Locale.ROOT, "  cycles %5d  RSS %7.1f MB%n", i, Bench.rssKb() / 1024.0);
            }
        }
        System.out.printf(Locale.ROOT, "create/close: RSS before %.1f MB, after %.1f MB, live native models %d%n",
                before / 1024.0, Bench.rssKb() / 1024.0, Native.liveModels());
        long liveBefore = Native.liveModels();
        for (int i = 0; i < leaked; i++) {
            open(useTiny, tiny).embed(imgs[1]); // never closed: the Cleaner's job
            if (i % 50 == 0) {
                System.gc();
            }
        }
        for (int i = 0; i < 50 && Native.liveModels() > liveBefore; i++) {
            System.gc();
            Thread.sleep(100);
        }
        System.out.printf(Locale.ROOT, "leaked to the Cleaner: %d created, live native models now %d (before %d), RSS %.1f MB%n",
                leaked, Native.liveModels(), liveBefore, Bench.rssKb() / 1024.0);
        System.out.printf(Locale.ROOT, "done in %.0f s%n", (System.nanoTime() - t0) / 1e9);
    }

    private static ImageSimilarity open(boolean tiny, Path tinyModel) {
        return tiny ? ImageSimilarity.builder().model(tinyModel).build() : ImageSimilarity.create();
    }
}
