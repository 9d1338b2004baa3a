package dev.imgsim;

import dev.imgsim.internal.NativeLoader;
import dev.imgsim.internal.NativeLog;

/**
 * Where the native side's diagnostics go: log records of imgsim's Rust core and of ONNX Runtime
 * are sent to the JVM's own logging, {@link System.Logger} (JDK 9+, no dependency): by default
 * {@code java.util.logging}; applications on SLF4J or Log4j route {@code System.Logger} to their
 * backend as usual (e.g. {@code org.apache.logging.log4j:log4j-jpl}, or
 * {@code org.slf4j:slf4j-jdk-platform-logging}). Nothing is written to stderr.
 *
 * <p>Logger names: {@code dev.imgsim.native.<Rust module>}, e.g. {@code dev.imgsim.native.imgsim.model}
 * (model loading, sessions), {@code dev.imgsim.native.imgsim.pool} (the thread policy's choices),
 * {@code dev.imgsim.native.imgsim.runtime} (loading ONNX Runtime) and
 * {@code dev.imgsim.native.onnxruntime} (ONNX Runtime's own messages). The Java side logs under
 * {@code dev.imgsim}. Levels map as ERROR, WARN, INFO, DEBUG, TRACE = {@code System.Logger.Level}
 * ERROR, WARNING, INFO, DEBUG, TRACE (JUL: SEVERE, WARNING, INFO, FINE, FINER).
 *
 * <p><b>Cost:</b> the native side sends only records at or above the level of the logger
 * {@code dev.imgsim.native}, read when the native library loads; a record below it costs one
 * atomic comparison and is never formatted. Change the level in your logging configuration
 * before the first imgsim call, or call {@link #refresh()} after changing it at run time.
 * ONNX Runtime's own verbosity is fixed per model session when the session is created.
 *
 * <p>Debug logs in a service, with {@code java.util.logging} ({@code logging.properties}):
 * <pre>
 * dev.imgsim.native.level = FINE
 * java.util.logging.ConsoleHandler.level = FINE
 * </pre>
 * With Logback/Log4j behind a {@code System.Logger} bridge: set the logger {@code dev.imgsim.native}
 * to DEBUG there.
 */
public final class NativeLogging {
    private NativeLogging() {
    }

    /**
     * Reads the level of the logger {@code dev.imgsim.native} again and applies it to the
     * native side (loading the native library if it is not loaded yet).
     */
    public static void refresh() {
        NativeLoader.ensureRuntime();
        NativeLog.refresh();
    }
}
