package dev.imgsim.bench;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.imageio.ImageIO;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.imgsim.ImageSimilarity;

/**
 * imgsim against ONNX Runtime's Java API (conversion written as a competent user would), DJL with
 * its standard image transforms, and the floor (ORT inference alone on a tensor prepared in
 * advance), in one process, on the same model and images. Medians of many timed calls.
 */
public final class Bench {
    static final Path MODEL = Paths.get("models/image-similarity.onnx");
    static final int SIZE = 224;
    static final float MEAN = 0.5f;
    static final float STD = 0.5f;

    final int warmup;
    final int iters;
    final PrintStream out = System.out;
    final Map<String, Object> results = new LinkedHashMap<>();
    final List<String[]> rows = new ArrayList<>();

    final boolean quick;

    Bench(boolean quick) {
        this.quick = quick;
        warmup = quick ? 5 : 20;
        iters = quick ? 15 : 60;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("--loop")) {
            loop(args[1], args[2], Double.parseDouble(args[3]));
            return;
        }
        boolean quick = Arrays.asList(args).contains("--quick");
        new Bench(quick).run();
    }

    // ---------------------------------------------------------------- contenders

    interface Embedder {
        float[] embedImage(BufferedImage img) throws Exception;

        float[] embedFile(Path file) throws Exception;
    }

    /** ORT Java as a competent user writes it: Graphics2D bilinear resize, bulk getRGB, direct FloatBuffer. */
    static final class OrtJava implements Embedder, AutoCloseable {
        final OrtEnvironment env = OrtEnvironment.getEnvironment();
        final OrtSession session;
        final ThreadLocal<FloatBuffer> buffers = ThreadLocal.withInitial(
                () -> ByteBuffer.allocateDirect(3 * SIZE * SIZE * 4).order(ByteOrder.nativeOrder()).asFloatBuffer());

        OrtJava(int threads) throws Exception {
            this(threads, true);
        }

        /** @param spin ONNX Runtime's {@code session.intra_op.allow_spinning} (its default: on) */
        OrtJava(int threads, boolean spin) throws Exception {
            OrtSession.SessionOptions o = new OrtSession.SessionOptions();
            if (threads > 0) {
                o.setIntraOpNumThreads(threads);
            }
            if (!spin) {
                o.addConfigEntry("session.intra_op.allow_spinning", "0");
            }
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(MODEL.toString(), o);
        }

        @Override
        public float[] embedImage(BufferedImage img) throws Exception {
            int[] argb = resized(img).getRGB(0, 0, SIZE, SIZE, null, 0, SIZE);
            FloatBuffer fb = buffers.get();
            fill(argb, fb);
            return run(fb);
        }

        float[] run(FloatBuffer fb) throws Exception {
            fb.rewind();
            try (OnnxTensor t = OnnxTensor.createTensor(env, fb, new long[] {1, 3, SIZE, SIZE});
                    OrtSession.Result r = session.run(Map.of("input", t))) {
                return ((float[][]) r.get(0).getValue())[0];
            }
        }

        @Override
        public float[] embedFile(Path file) throws Exception {
            return embedImage(ImageIO.read(file.toFile()));
        }

        @Override
        public void close() throws ai.onnxruntime.OrtException {
            session.close();
        }
    }

    /**
     * DJL with its OnnxRuntime engine. DJL's standard image transforms (Resize, ToTensor,
     * Normalize) need NDArray operations that the OnnxRuntime engine lacks; DJL then wants the
     * PyTorch or MXNet engine, whose native libraries it downloads at run time (impossible here).
     * So the translator converts the image itself, the way the ORT Java contender does, and hands
     * DJL a float buffer: this measures DJL's own overhead on top of ONNX Runtime.
     */
    static final class Djl implements Embedder, AutoCloseable {
        final ZooModel<BufferedImage, float[]> model;
        final ThreadLocal<Predictor<BufferedImage, float[]>> predictors;

        Djl() throws Exception {
            NoBatchifyTranslator<BufferedImage, float[]> tr = new NoBatchifyTranslator<BufferedImage, float[]>() {
                @Override
                public NDList processInput(TranslatorContext ctx, BufferedImage img) {
                    return new NDList(ctx.getNDManager().create(toTensor(img), new Shape(1, 3, SIZE, SIZE)));
                }

                @Override
                public float[] processOutput(TranslatorContext ctx, NDList list) {
                    return list.get(0).toFloatArray();
                }
            };
            model = Criteria.builder().setTypes(BufferedImage.class, float[].class).optModelPath(MODEL.toAbsolutePath())
                    .optEngine("OnnxRuntime").optTranslator(tr).build().loadModel();
            predictors = ThreadLocal.withInitial(model::newPredictor);
        }

        @Override
        public float[] embedImage(BufferedImage img) throws Exception {
            return predictors.get().predict(img);
        }

        @Override
        public float[] embedFile(Path file) throws Exception {
            return embedImage(ImageIO.read(file.toFile()));
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /** Graphics2D bilinear resize (when needed), bulk getRGB, normalised planar floats. */
    static FloatBuffer toTensor(BufferedImage img) {
        int[] argb = resized(img).getRGB(0, 0, SIZE, SIZE, null, 0, SIZE);
        FloatBuffer fb = ByteBuffer.allocateDirect(3 * SIZE * SIZE * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        fill(argb, fb);
        return fb;
    }

    /** Graphics2D bilinear scaling to the model's size, as a user of ORT Java would write it. */
    static BufferedImage resized(BufferedImage img) {
        if (img.getWidth() == SIZE && img.getHeight() == SIZE) {
            return img;
        }
        BufferedImage src = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = src.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, SIZE, SIZE, null);
        g.dispose();
        return src;
    }

    static void fill(int[] argb, FloatBuffer fb) {
        int n = SIZE * SIZE;
        float scale = 1f / (255f * STD);
        float bias = -MEAN / STD;
        for (int i = 0; i < n; i++) {
            int p = argb[i];
            fb.put(i, ((p >> 16) & 0xFF) * scale + bias);
            fb.put(n + i, ((p >> 8) & 0xFF) * scale + bias);
            fb.put(2 * n + i, (p & 0xFF) * scale + bias);
        }
        fb.rewind();
    }

    static final class Imgsim implements Embedder {
        final ImageSimilarity sim;

        Imgsim(ImageSimilarity sim) {
            this.sim = sim;
        }

        @Override
        public float[] embedImage(BufferedImage img) {
            return sim.embed(img);
        }

        @Override
        public float[] embedFile(Path file) {
            return sim.embed(file);
        }
    }

    // ---------------------------------------------------------------- measuring

    interface Call {
        void run() throws Exception;
    }

    /** Median, min and max in milliseconds of {@code iters} timed calls after {@code warmup}. */
    double[] time(Call c, int warm, int n) throws Exception {
        for (int i = 0; i < warm; i++) {
            c.run();
        }
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            c.run();
            t[i] = (System.nanoTime() - s) / 1e6;
        }
        double[] sorted = t.clone();
        Arrays.sort(sorted);
        return new double[] {Stats.median(t), sorted[0], sorted[n - 1]};
    }

    void record(String workload, String who, double[] ms, double vsOrt, double vsFloor) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("median_ms", ms[0]);
        r.put("min_ms", ms[1]);
        r.put("max_ms", ms[2]);
        r.put("x_ort_java_best", vsOrt);
        r.put("x_floor", vsFloor);
        results.put(workload + " / " + who, r);
        rows.add(new String[] {workload, who, f(ms[0]), f(ms[1]) + "-" + f(ms[2]), Double.isNaN(vsOrt) ? "" : f2(vsOrt),
            Double.isNaN(vsFloor) ? "" : f2(vsFloor)});
        out.printf(Locale.ROOT, "%-34s %-26s median %8.2f ms  (min %.2f max %.2f)%n", workload, who, ms[0], ms[1], ms[2]);
    }

    static String f(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
    }

    static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    // ---------------------------------------------------------------- workloads

    static BufferedImage photo(int w, int h, int type) throws IOException {
        BufferedImage src = ImageIO.read(Paths.get("samples/chelsea.jpg").toFile());
        BufferedImage out = new BufferedImage(w, h, type);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.drawImage(src, 0, 0, w, h, null);
        g.dispose();
        // fine detail so JPEG and resize costs look like a real photo's, not a blurred upscale's
        Random rnd = new Random(1);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = out.getRGB(x, y);
                int d = rnd.nextInt(17) - 8;
                int r = clamp(((p >> 16) & 0xFF) + d);
                int gg = clamp(((p >> 8) & 0xFF) + d);
                int b = clamp((p & 0xFF) + d);
                out.setRGB(x, y, r << 16 | gg << 8 | b);
            }
        }
        return out;
    }

    static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    void run() throws Exception {
        out.println("imgsim benchmark: model " + MODEL + ", Java " + System.getProperty("java.version") + ", "
                + Runtime.getRuntime().availableProcessors() + " cores, " + cpuName());
        results.put("machine", cpuName() + ", " + Runtime.getRuntime().availableProcessors() + " cores");

        // first embedding after create(): cold (first in this JVM: loads native libraries) and warm
        BufferedImage w1 = photo(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        long t0 = System.nanoTime();
        ImageSimilarity cold = ImageSimilarity.create();
        cold.embed(w1);
        double coldMs = (System.nanoTime() - t0) / 1e6;
        cold.close();
        double[] warmFirst = time(() -> {
            try (ImageSimilarity s = ImageSimilarity.create()) {
                s.embed(w1);
            }
        }, 1, 5);
        out.printf(Locale.ROOT, "create() -> first embedding: cold %.0f ms, warm median %.0f ms%n", coldMs, warmFirst[0]);
        results.put("first_embedding_cold_ms", coldMs);
        results.put("first_embedding_warm_ms", warmFirst[0]);

        long rss0 = rssKb();
        List<ImageSimilarity> many = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ImageSimilarity s = ImageSimilarity.create();
            s.embed(w1);
            many.add(s);
        }
        long perInstanceKb = (rssKb() - rss0) / 4;
        many.forEach(ImageSimilarity::close);
        out.printf(Locale.ROOT, "RSS per instance (1 session, after one embedding): %.1f MB%n", perInstanceKb / 1024.0);
        results.put("rss_per_instance_mb", perInstanceKb / 1024.0);
        Path jar = Files.list(Paths.get("java/imgsim/build/libs")).filter(p -> p.toString().matches(".*imgsim-[0-9.]+\\.jar"))
                .findFirst().orElse(null);
        if (jar != null) {
            results.put("jar_mb", Files.size(jar) / 1e6);
            out.printf(Locale.ROOT, "jar %s: %.1f MB%n", jar.getFileName(), Files.size(jar) / 1e6);
        }

        ImageSimilarity sim = ImageSimilarity.create();
        Imgsim imgsim = new Imgsim(sim);
        // DJL first: it insists on creating the process's OrtEnvironment itself
        Djl djl = null;
        try {
            djl = new Djl();
            djl.embedImage(w1);
        } catch (Throwable e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            out.println("DJL unavailable: " + e + " caused by " + root);
            results.put("djl_error", e + " caused by " + root);
            djl = null;
        }

        OrtJava ort1 = new OrtJava(1);
        OrtJava ortDefault = new OrtJava(0);
        // the floor: ORT inference alone on a prepared tensor, both thread settings
        FloatBuffer prepared = ByteBuffer.allocateDirect(3 * SIZE * SIZE * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < 3 * SIZE * SIZE; i++) {
            prepared.put(i, (float) Math.sin(i));
        }
        double[] floor1 = time(() -> ort1.run(prepared), warmup, iters);
        double[] floorD = time(() -> ortDefault.run(prepared), warmup, iters);
        double floor = Math.min(floor1[0], floorD[0]);
        record("floor (ORT run on a ready tensor)", "1 thread", floor1, Double.NaN, floor1[0] / floor);
        record("floor (ORT run on a ready tensor)", "default threads", floorD, Double.NaN, floorD[0] / floor);
        results.put("floor_ms", floor);

        Path jpeg = Paths.get("build/bench/w3-12mp.jpg");
        if (!Files.exists(jpeg)) {
            Files.createDirectories(jpeg.getParent());
            ImageIO.write(photo(4000, 3000, BufferedImage.TYPE_INT_RGB), "jpg", jpeg.toFile());
        }
        Map<String, BufferedImage> inMemory = new LinkedHashMap<>();
        inMemory.put("W1 224x224 INT_RGB", w1);
        inMemory.put("W2 1920x1080 3BYTE_BGR", photo(1920, 1080, BufferedImage.TYPE_3BYTE_BGR));
        for (Map.Entry<String, BufferedImage> w : inMemory.entrySet()) {
            BufferedImage img = w.getValue();
            double[] o1 = time(() -> ort1.embedImage(img), warmup, iters);
            double[] oD = time(() -> ortDefault.embedImage(img), warmup, iters);
            double ortBest = Math.min(o1[0], oD[0]);
            double[] im = time(() -> imgsim.embedImage(img), warmup, iters);
            record(w.getKey(), "imgsim (defaults)", im, im[0] / ortBest, im[0] / floor);
            record(w.getKey(), "ORT Java, 1 thread", o1, o1[0] / ortBest, o1[0] / floor);
            record(w.getKey(), "ORT Java, default threads", oD, oD[0] / ortBest, oD[0] / floor);
            if (djl != null) {
                Djl d = djl;
                double[] dj = time(() -> d.embedImage(img), warmup, iters);
                record(w.getKey(), "DJL (OnnxRuntime engine)", dj, dj[0] / ortBest, dj[0] / floor);
            }
        }
        {
            String w = "W3 12 MP JPEG file";
            int wi = Math.max(2, warmup / 4);
            int n = Math.max(5, iters / 4);
            double[] o1 = time(() -> ort1.embedFile(jpeg), wi, n);
            double[] oD = time(() -> ortDefault.embedFile(jpeg), wi, n);
            double ortBest = Math.min(o1[0], oD[0]);
            double[] im = time(() -> imgsim.embedFile(jpeg), wi, n);
            record(w, "imgsim embed(Path)", im, im[0] / ortBest, im[0] / floor);
            record(w, "ORT Java + ImageIO, 1 thread", o1, o1[0] / ortBest, o1[0] / floor);
            record(w, "ORT Java + ImageIO, default", oD, oD[0] / ortBest, oD[0] / floor);
            if (djl != null) {
                Djl d = djl;
                double[] dj = time(() -> d.embedFile(jpeg), wi, n);
                record(w, "DJL + ImageIO", dj, dj[0] / ortBest, dj[0] / floor);
            }
        }

        // W4: throughput over 64 images (224x224 INT_RGB) on one instance, 1 and 2 caller threads
        List<BufferedImage> batch = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            batch.add(photo(SIZE, SIZE, BufferedImage.TYPE_INT_RGB));
        }
        double floorTput = 1000.0 / floor1[0];
        results.put("floor_1thread_images_per_s", floorTput);
        Map<String, Embedder> contenders = new LinkedHashMap<>();
        contenders.put("imgsim (defaults)", imgsim);
        ImageSimilarity sim1 = ImageSimilarity.builder().intraOpThreads(1).build();
        contenders.put("imgsim, intraOpThreads(1)", new Imgsim(sim1));
        contenders.put("ORT Java, 1 thread", ort1);
        contenders.put("ORT Java, default threads", ortDefault);
        if (djl != null) {
            contenders.put("DJL (OnnxRuntime engine)", djl);
        }
        out.printf(Locale.ROOT, "W4 floor, 1 thread, 1 caller: %.1f images/s%n", floorTput);
        for (int callers : new int[] {1, 2}) {
            for (Map.Entry<String, Embedder> c : contenders.entrySet()) {
                double ips = throughput(c.getValue(), batch, callers);
                String key = "W4 64 images, " + callers + " caller" + (callers > 1 ? "s" : "") + " / " + c.getKey();
                results.put(key + " images_per_s", ips);
                rows.add(new String[] {"W4 64 images, " + callers + " caller(s)", c.getKey(), f(ips) + " img/s", "",
                    "", f2(ips / floorTput) + "x floor(1t)"});
                out.printf(Locale.ROOT, "%-34s %-26s %8.1f images/s (%.2fx the 1-thread floor)%n",
                        "W4 64 images, " + callers + " caller(s)", c.getKey(), ips, ips / floorTput);
            }
        }

        sim.close();
        sim1.close();
        ort1.close();
        ortDefault.close();
        if (djl != null) {
            djl.close();
        }
        printTable();
        // the thread policy in both patterns: sequential and interleaved (docs/PERFORMANCE.md)
        new ThreadsBench(quick, results).run();
        Path json = Paths.get("build/bench/results.json");
        Files.createDirectories(json.getParent());
        Files.write(json, toJson(results).getBytes(StandardCharsets.UTF_8));
        out.println("wrote " + json);
    }

    /**
     * One workload and one contender in a loop, for profilers (docs/PERFORMANCE.md, "Profiles"):
     * {@code --loop W2|W4 imgsim|ort1|ortd SECONDS}. W2 loops one caller on the 1920x1080
     * 3BYTE_BGR image; W4 runs two callers over the 64 images. Prints images/s at the end.
     */
    static void loop(String workload, String who, double seconds) throws Exception {
        Embedder e;
        AutoCloseable closer;
        switch (who) {
            case "imgsim": {
                ImageSimilarity s = ImageSimilarity.create();
                e = new Imgsim(s);
                closer = s;
                break;
            }
            case "ort1":
            case "ortd": {
                OrtJava o = new OrtJava(who.equals("ort1") ? 1 : 0);
                e = o;
                closer = o;
                break;
            }
            default:
                throw new IllegalArgumentException("contender: imgsim, ort1 or ortd, not " + who);
        }
        List<BufferedImage> imgs = new ArrayList<>();
        int callers;
        if (workload.equals("W2")) {
            imgs.add(photo(1920, 1080, BufferedImage.TYPE_3BYTE_BGR));
            callers = 1;
        } else if (workload.equals("W4")) {
            for (int i = 0; i < 64; i++) {
                imgs.add(photo(SIZE, SIZE, BufferedImage.TYPE_INT_RGB));
            }
            callers = 2;
        } else {
            throw new IllegalArgumentException("workload: W2 or W4, not " + workload);
        }
        long end = System.nanoTime() + (long) (seconds * 1e9);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        List<Future<Integer>> fs = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int c = 0; c < callers; c++) {
            int start = c;
            fs.add(pool.submit(() -> {
                int n = 0;
                for (int i = start; System.nanoTime() < end; i = (i + callers) % imgs.size()) {
                    e.embedImage(imgs.get(i));
                    n++;
                }
                return n;
            }));
        }
        int total = 0;
        for (Future<Integer> f : fs) {
            total += f.get();
        }
        pool.shutdown();
        closer.close();
        System.out.printf(Locale.ROOT, "%s %s: %d images in %.1f s = %.1f images/s%n", workload, who, total,
                (System.nanoTime() - t0) / 1e9, total / ((System.nanoTime() - t0) / 1e9));
    }

    double throughput(Embedder e, List<BufferedImage> imgs, int callers) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            double[] rates = new double[3];
            for (int round = 0; round < 4; round++) { // round 0 warms up; median of the other three
                long s = System.nanoTime();
                List<Future<?>> fs = new ArrayList<>();
                for (int c = 0; c < callers; c++) {
                    int start = c;
                    fs.add(pool.submit(() -> {
                        for (int i = start; i < imgs.size(); i += callers) {
                            e.embedImage(imgs.get(i));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                if (round > 0) {
                    rates[round - 1] = imgs.size() / ((System.nanoTime() - s) / 1e9);
                }
            }
            Arrays.sort(rates);
            return rates[1];
        } finally {
            pool.shutdown();
        }
    }

    void printTable() {
        out.println();
        out.println("| workload | contender | median ms | min-max ms | x ORT Java best | x floor |");
        out.println("|---|---|---|---|---|---|");
        for (String[] r : rows) {
            out.println("| " + String.join(" | ", r) + " |");
        }
    }

    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    static String cpuName() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return ManagementFactory.getOperatingSystemMXBean().getArch();
    }

    static String toJson(Object o) {
        if (o instanceof Map) {
            StringBuilder sb = new StringBuilder("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
                sb.append(i++ == 0 ? "" : ",\n").append("  \"").append(e.getKey()).append("\": ").append(toJson(e.getValue()));
            }
            return sb.append("\n}").toString();
        }
        if (o instanceof Number) {
            return String.format(Locale.ROOT, "%.4f", ((Number) o).doubleValue());
        }
        if (o instanceof Boolean) {
            return o.toString();
        }
        if (o instanceof Object[]) {
            o = Arrays.asList((Object[]) o);
        }
        if (o instanceof Iterable) {
            StringBuilder sb = new StringBuilder("[");
            int i = 0;
            for (Object x : (Iterable<?>) o) {
                sb.append(i++ == 0 ? "" : ", ").append(toJson(x));
            }
            return sb.append("]").toString();
        }
        return "\"" + String.valueOf(o).replace("\\", "\\\\").replace("\"", "'") + "\"";
    }
}
