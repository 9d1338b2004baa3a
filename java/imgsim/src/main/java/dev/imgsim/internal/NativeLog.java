package dev.imgsim.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The Java end of the Rust core's logging ({@code src/jni/logging.rs} is the other side): log
 * records of the native code, ONNX Runtime's included, go to {@link System.Logger}s named
 * {@code dev.imgsim.native.<Rust target>} ({@code ::} becomes {@code .}), e.g.
 * {@code dev.imgsim.native.imgsim.pool} or {@code dev.imgsim.native.onnxruntime}. Not a public
 * API: {@code dev.imgsim.NativeLogging} is.
 */
public final class NativeLog {
    /** The parent of every native logger; its level decides what the native side sends. */
    public static final String ROOT = "dev.imgsim.native";

    private static final ConcurrentMap<String, Logger> LOGGERS = new ConcurrentHashMap<>();
    private static final Level[] LEVELS = {null, Level.ERROR, Level.WARNING, Level.INFO, Level.DEBUG, Level.TRACE};

    private NativeLog() {
    }

    private static native void install(int level);

    private static native void setMaxLevel(int level);

    /** Emits one record of each level and one from a native thread, target {@code imgsim::logtest}. */
    static native void emitTestRecords(String text);

    /** Called once, right after the native library is loaded. */
    static void install() {
        install(level());
    }

    /** Reads the level of {@link #ROOT} again and tells the native side. */
    public static void refresh() {
        setMaxLevel(level());
    }

    /** For tests: see {@link #emitTestRecords(String)}. */
    public static void emitTest(String text) {
        emitTestRecords(text);
    }

    /** The finest level {@link #ROOT} lets through, as Rust's {@code log} numbers it (0 = off, 5 = trace). */
    static int level() {
        Logger root = System.getLogger(ROOT);
        for (int i = LEVELS.length - 1; i >= 1; i--) {
            if (root.isLoggable(LEVELS[i])) {
                return i;
            }
        }
        return 0;
    }

    /** Called by the native code for each record that passed the level filter. */
    static void log(int level, String target, String message) {
        Level l = LEVELS[Math.max(1, Math.min(LEVELS.length - 1, level))];
        Logger logger = LOGGERS.computeIfAbsent(target, t -> System.getLogger(ROOT + "." + t.replace("::", ".")));
        if (logger.isLoggable(l)) {
            logger.log(l, message);
        }
    }
}
