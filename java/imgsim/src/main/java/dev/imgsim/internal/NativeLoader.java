package dev.imgsim.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

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
    private static final Logger LOG = Logger.getLogger("dev.imgsim");
    public static final String LIBRARY_PROPERTY = "imgsim.library.path";
    public static final String ORT_PROPERTY = "imgsim.onnxruntime.path";
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

    static void load() {
        String override = System.getProperty(LIBRARY_PROPERTY);
        if (override != null && !override.isEmpty()) {
            Path p = Paths.get(override).toAbsolutePath();
            if (!Files.isRegularFile(p)) {
                throw new ImageSimilarityException("the system property " + LIBRARY_PROPERTY + " points at " + p
                        + ", which is not a file; point it at libimgsim.so or remove it to use the one in the jar");
            }
            LOG.log(Level.FINE, "loading imgsim from {0} ({1})", new Object[] {p, LIBRARY_PROPERTY});
            System.load(p.toString());
            return;
        }
        String resource = "native/" + platform() + "/" + System.mapLibraryName("imgsim");
        Path copied = extract(resource, System.mapLibraryName("imgsim"));
        if (copied != null) {
            try {
                LOG.log(Level.FINE, "loading imgsim from classpath resource {0} via {1}", new Object[] {resource, copied});
                System.load(copied.toString());
                return;
            } finally {
                deleteQuietly(copied);
            }
        }
        try {
            LOG.log(Level.FINE, "loading imgsim with System.loadLibrary (no resource {0})", resource);
            System.loadLibrary("imgsim");
        } catch (UnsatisfiedLinkError e) {
            throw new ImageSimilarityException("cannot load the imgsim native library: the jar has no " + resource
                    + " (this platform, " + platform() + ", may not be supported yet) and java.library.path has none; "
                    + "set -D" + LIBRARY_PROPERTY + "=/path/to/libimgsim.so", e);
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
                LOG.log(Level.FINE, "loading ONNX Runtime from {0} ({1})", new Object[] {prop, ORT_PROPERTY});
                ortVersion = Native.initRuntime(Paths.get(prop).toAbsolutePath().toString());
            } else if (env != null && !env.isEmpty()) {
                LOG.log(Level.FINE, "loading ONNX Runtime from {0} (ORT_DYLIB_PATH)", env);
                ortVersion = Native.initRuntime(Paths.get(env).toAbsolutePath().toString());
            } else {
                String os = platform().replace("x86_64", "x64");
                String resource = "ai/onnxruntime/native/" + os + "/" + System.mapLibraryName("onnxruntime");
                Path copied = extract(resource, System.mapLibraryName("onnxruntime"));
                if (copied == null) {
                    throw new ImageSimilarityException("cannot find ONNX Runtime: no " + resource + " on the classpath. "
                            + "Add the Maven dependency com.microsoft.onnxruntime:onnxruntime (or onnxruntime_gpu), or set -D"
                            + ORT_PROPERTY + "=/absolute/path/to/libonnxruntime.so");
                }
                try {
                    LOG.log(Level.FINE, "loading ONNX Runtime from classpath resource {0} via {1}",
                            new Object[] {resource, copied});
                    ortVersion = Native.initRuntime(copied.toString());
                } finally {
                    deleteQuietly(copied);
                }
            }
            LOG.log(Level.FINE, "ONNX Runtime {0} loaded", ortVersion);
            return ortVersion;
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
