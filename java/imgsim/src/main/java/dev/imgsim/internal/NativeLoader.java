package dev.imgsim.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

import dev.imgsim.ImageSimilarityException;

/**
 * Finds and loads {@code libimgsim.so} and the ONNX Runtime library it runs on.
 *
 * <p>imgsim: the system property {@code imgsim.library.path} (a file), else the classpath
 * resource {@code native/<os>-<arch>/libimgsim.so} copied into a fresh temporary directory
 * (so two class loaders or two JVMs never share a file) and deleted right after loading, else
 * {@code System.loadLibrary("imgsim")}.
 *
 * <p>ONNX Runtime: the system property {@code imgsim.onnxruntime.path}, else the environment
 * variable {@code ORT_DYLIB_PATH}, else the library inside the {@code com.microsoft.onnxruntime}
 * jar on the classpath (copied out the same way).
 */
public final class NativeLoader {
    private static final Logger LOG = System.getLogger("dev.imgsim");
    public static final String LIBRARY_PROPERTY = "imgsim.library.path";
    public static final String ORT_PROPERTY = "imgsim.onnxruntime.path";
    static final String PLATFORMS = "native/platforms.properties";
    private static final Object LOCK = new Object();
    private static volatile String ortVersion;

    private NativeLoader() {}

    /** {@code linux-x86_64}, {@code linux-aarch64}, ... */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.contains("linux") ? "linux" : os.contains("mac") ? "macos" : os.contains("win") ? "windows" : os;
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
        return o + "-" + a;
    }

    /**
     * The platform table the build writes into the jar ({@code native/platforms.properties}:
     * {@code <os>-<arch>=<library file>,<ONNX Runtime folder>}), in the build's order; the same
     * table as Gradle's {@code nativeTargets}, so the naming scheme is defined once.
     */
    static Map<String, String[]> platforms() {
        Map<String, String[]> table = new LinkedHashMap<>();
        ClassLoader cl = NativeLoader.class.getClassLoader();
        try (InputStream in = cl == null ? ClassLoader.getSystemResourceAsStream(PLATFORMS)
                : cl.getResourceAsStream(PLATFORMS)) {
            if (in != null) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    int eq = line.indexOf('=');
                    if (!line.startsWith("#") && eq > 0) {
                        table.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim().split(","));
                    }
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot read " + PLATFORMS + ": " + e);
        }
        return table;
    }

    /** The folder of ONNX Runtime's jar for a platform: {@code linux-x64}, {@code osx-aarch64}, {@code win-x64}, ... */
    static String ortFolder(String platform) {
        String[] entry = platforms().get(platform);
        if (entry != null && entry.length > 1) {
            return entry[1];
        }
        String[] p = platform.split("-", 2);
        String os = p[0].equals("macos") ? "osx" : p[0].equals("windows") ? "win" : p[0];
        String arch = p.length > 1 && p[1].equals("x86_64") ? "x64" : p.length > 1 ? p[1] : "";
        return os + "-" + arch;
    }

    /** The platforms whose imgsim library this class loader can see, for error messages. */
    static String available() {
        StringBuilder sb = new StringBuilder();
        ClassLoader cl = NativeLoader.class.getClassLoader();
        for (Map.Entry<String, String[]> p : platforms().entrySet()) {
            String resource = "native/" + p.getKey() + "/" + p.getValue()[0];
            if ((cl == null ? ClassLoader.getSystemResource(resource) : cl.getResource(resource)) != null) {
                sb.append(sb.length() == 0 ? "" : ", ").append(p.getKey());
            }
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }

    /** What to do on a platform without a library in the jar. */
    static String unsupported(String platform, String resource) {
        return "imgsim has no native library for this platform, " + platform + " (os.name "
                + System.getProperty("os.name") + ", os.arch " + System.getProperty("os.arch") + "): the jar has no "
                + resource + " and java.library.path has none. imgsim is built for " + String.join(", ", platforms().keySet())
                + "; the imgsim jar on this classpath holds: " + available() + ". To supply a library, build the Rust"
                + " core for this platform (cargo build --release --lib) and start the JVM with -D" + LIBRARY_PROPERTY
                + "=/path/to/" + System.mapLibraryName("imgsim");
    }

    static void load() {
        String override = System.getProperty(LIBRARY_PROPERTY);
        if (override != null && !override.isEmpty()) {
            Path p = Paths.get(override).toAbsolutePath();
            if (!Files.isRegularFile(p)) {
                throw new ImageSimilarityException("the system property " + LIBRARY_PROPERTY + " points at " + p
                        + ", which is not a file; point it at libimgsim.so or remove it to use the one in the jar");
            }
            LOG.log(Level.DEBUG, "loading imgsim from {0} ({1})", p, LIBRARY_PROPERTY);
            System.load(p.toString());
            return;
        }
        String[] entry = platforms().get(platform());
        String resource = "native/" + platform() + "/" + (entry != null ? entry[0] : System.mapLibraryName("imgsim"));
        Path copied = extract(resource, System.mapLibraryName("imgsim"));
        if (copied != null) {
            try {
                LOG.log(Level.DEBUG, "loading imgsim from classpath resource {0} via {1}", resource, copied);
                System.load(copied.toString());
                return;
            } finally {
                deleteQuietly(copied);
            }
        }
        try {
            LOG.log(Level.DEBUG, "loading imgsim with System.loadLibrary (no resource {0})", resource);
            System.loadLibrary("imgsim");
        } catch (UnsatisfiedLinkError e) {
            throw new ImageSimilarityException(unsupported(platform(), resource), e);
        }
    }

    /** Loads ONNX Runtime once per process; returns its version. */
    public static String ensureRuntime() {
        String v = ortVersion;
        if (v != null) {
            return v;
        }
        synchronized (LOCK) {
            if (ortVersion != null) {
                return ortVersion;
            }
            Native.ensureLoaded();
            String prop = System.getProperty(ORT_PROPERTY);
            String env = System.getenv("ORT_DYLIB_PATH");
            if (prop != null && !prop.isEmpty()) {
                LOG.log(Level.DEBUG, "loading ONNX Runtime from {0} ({1})", prop, ORT_PROPERTY);
                ortVersion = Native.initRuntime(Paths.get(prop).toAbsolutePath().toString());
            } else if (env != null && !env.isEmpty()) {
                LOG.log(Level.DEBUG, "loading ONNX Runtime from {0} (ORT_DYLIB_PATH)", env);
                ortVersion = Native.initRuntime(Paths.get(env).toAbsolutePath().toString());
            } else {
                String folder = "ai/onnxruntime/native/" + ortFolder(platform()) + "/";
                String resource = folder + System.mapLibraryName("onnxruntime");
                Path copied = extract(resource, System.mapLibraryName("onnxruntime"));
                if (copied == null) {
                    throw new ImageSimilarityException("cannot find ONNX Runtime: no " + resource + " on the classpath. "
                            + "Add the Maven dependency com.microsoft.onnxruntime:onnxruntime (or onnxruntime_gpu), or set -D"
                            + ORT_PROPERTY + "=/absolute/path/to/libonnxruntime.so");
                }
                // the provider libraries (CUDA in onnxruntime_gpu's jar) must sit beside it: ONNX
                // Runtime loads them from its own folder when a session asks for the provider
                for (String provider : new String[] {"onnxruntime_providers_shared", "onnxruntime_providers_cuda"}) {
                    copyBeside(folder + System.mapLibraryName(provider), copied.getParent());
                }
                try {
                    LOG.log(Level.DEBUG, "loading ONNX Runtime from classpath resource {0} via {1}",
                            resource, copied);
                    ortVersion = Native.initRuntime(copied.toString());
                } finally {
                    deleteQuietly(copied);
                }
            }
            LOG.log(Level.DEBUG, "ONNX Runtime {0} loaded", ortVersion);
            return ortVersion;
        }
    }

    /** Copies a classpath resource, if there is one, into {@code dir}; it stays until the JVM exits. */
    private static void copyBeside(String resource, Path dir) {
        ClassLoader cl = NativeLoader.class.getClassLoader();
        try (InputStream in = cl == null ? ClassLoader.getSystemResourceAsStream(resource) : cl.getResourceAsStream(resource)) {
            if (in == null) {
                return;
            }
            Path file = dir.resolve(resource.substring(resource.lastIndexOf('/') + 1));
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            dir.toFile().deleteOnExit(); // deleted after the files registered later
            file.toFile().deleteOnExit();
            LOG.log(Level.DEBUG, "copied {0} beside ONNX Runtime", resource);
        } catch (IOException e) {
            throw new ImageSimilarityException("cannot copy " + resource + " to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Copies a classpath resource into a new temporary directory; null if there is no such resource. */
    private static Path extract(String resource, String fileName) {
        ClassLoader cl = NativeLoader.class.getClassLoader();
        try (InputStream in = cl == null ? ClassLoader.getSystemResourceAsStream(resource) : cl.getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            Path dir = Files.createTempDirectory("imgsim-");
            Path file = dir.resolve(fileName);
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new ImageSimilarityException("cannot copy " + resource + " to a temporary directory ("
                    + System.getProperty("java.io.tmpdir") + "): " + e.getMessage(), e);
        }
    }

    /** Once loaded, the file is no longer needed on Linux and macOS; on Windows it stays locked. */
    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(file.getParent());
        } catch (IOException e) {
            file.toFile().deleteOnExit();
            file.getParent().toFile().deleteOnExit();
        }
    }
}
