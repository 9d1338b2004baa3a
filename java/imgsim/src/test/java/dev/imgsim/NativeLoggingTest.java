package dev.imgsim;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import dev.imgsim.internal.NativeLog;

/** Native log records arrive in the JVM's logging (System.Logger, JUL by default), filtered by level. */
public class NativeLoggingTest {
    private final Logger root = Logger.getLogger(NativeLog.ROOT);
    private final List<LogRecord> records = Collections.synchronizedList(new ArrayList<>());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            records.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Level before;

    @Before
    public void install() {
        before = root.getLevel();
        capture.setLevel(Level.ALL);
        root.addHandler(capture);
        root.setUseParentHandlers(false);
    }

    @After
    public void restore() {
        root.removeHandler(capture);
        root.setUseParentHandlers(true);
        root.setLevel(before);
        NativeLogging.refresh();
    }

    private List<String> emitted(String tag) {
        records.clear();
        NativeLog.emitTest(tag);
        return records.stream().map(r -> r.getLevel() + " " + r.getLoggerName() + " " + r.getMessage())
                .collect(Collectors.toList());
    }

    @Test
    public void recordsArriveUnderModuleLoggersWithLevelFiltering() {
        root.setLevel(Level.FINE);
        NativeLogging.refresh();
        String name = "dev.imgsim.native.imgsim.logtest";
        List<String> got = emitted("a");
        assertEquals(String.valueOf(got), 5, got.size());
        assertTrue(got.contains("SEVERE " + name + " error a"));
        assertTrue(got.contains("WARNING " + name + " warn a"));
        assertTrue(got.contains("INFO " + name + " info a"));
        assertTrue(got.contains("FINE " + name + " debug a"));
        assertTrue("a record from a thread the JVM did not start: " + got,
                got.contains("INFO " + name + " info from a native thread a"));

        root.setLevel(Level.WARNING);
        NativeLogging.refresh();
        got = emitted("b");
        assertEquals(String.valueOf(got), 2, got.size());
        assertTrue(got.contains("SEVERE " + name + " error b"));

        root.setLevel(Level.OFF);
        NativeLogging.refresh();
        assertEquals(Collections.emptyList(), emitted("c"));
    }

    @Test
    public void theCoreLogsModelLoadingAtDebug() {
        root.setLevel(Level.FINE);
        NativeLogging.refresh();
        records.clear();
        try (ImageSimilarity sim = ImageSimilarity.create()) {
            assertTrue(sim.embeddingSize() > 0);
        }
        List<LogRecord> model = new ArrayList<>(records);
        assertTrue("model loading logged under dev.imgsim.native.imgsim.model: " + model.stream()
                .map(LogRecord::getLoggerName).collect(Collectors.toList()),
                model.stream().anyMatch(r -> r.getLoggerName().equals("dev.imgsim.native.imgsim.model")
                        && r.getLevel() == Level.FINE && r.getMessage().contains("batchable")));
    }
}
