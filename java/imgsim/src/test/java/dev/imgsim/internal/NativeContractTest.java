package dev.imgsim.internal;

import static org.junit.Assert.assertEquals;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.Test;

/**
 * The Java and Rust sides of the JNI boundary agree: every {@code native} method of the classes
 * that have them matches an entry point the library declares (src/jni/contract.rs,
 * {@code natives!}), by name and JNI descriptor, and the other way round; and the raster
 * descriptor's slots and formats are the same numbers on both sides.
 */
public class NativeContractTest {
    private static final Class<?>[] CLASSES = {Native.class, TextNative.class, RerankNative.class, NativeLog.class};

    static String descriptor(Class<?> c) {
        if (c == void.class) {
            return "V";
        }
        if (c.isPrimitive()) {
            return Map.of(int.class, "I", long.class, "J", float.class, "F", double.class, "D", boolean.class, "Z",
                    byte.class, "B", short.class, "S", char.class, "C").get(c);
        }
        return c.isArray() ? c.getName().replace('.', '/') : "L" + c.getName().replace('.', '/') + ";";
    }

    @Test
    public void everyJavaNativeMethodHasTheLibrarysEntryPointWithTheSameDescriptor() {
        TreeSet<String> java = new TreeSet<>();
        for (Class<?> c : CLASSES) {
            for (Method m : c.getDeclaredMethods()) {
                if (Modifier.isNative(m.getModifiers())) {
                    StringBuilder d = new StringBuilder(c.getSimpleName()).append('.').append(m.getName()).append('(');
                    for (Class<?> p : m.getParameterTypes()) {
                        d.append(descriptor(p));
                    }
                    java.add(d.append(')').append(descriptor(m.getReturnType())).toString());
                }
            }
        }
        TreeSet<String> rust = new TreeSet<>();
        for (String line : Native.contract()) {
            if (!line.startsWith("raster.") && !line.startsWith("verify.")) {
                rust.add(line);
            }
        }
        TreeSet<String> onlyJava = new TreeSet<>(java);
        onlyJava.removeAll(rust);
        TreeSet<String> onlyRust = new TreeSet<>(rust);
        onlyRust.removeAll(java);
        assertEquals("declared in Java, not exported by the library as such", new TreeSet<>(), onlyJava);
        assertEquals("exported by the library, not declared in Java as such", new TreeSet<>(), onlyRust);
        assertEquals(java.size(), Arrays.stream(Native.contract()).filter(l -> !l.startsWith("raster.") && !l.startsWith("verify.")).count());
    }

    @Test
    public void theRasterDescriptorsSlotsAndFormatsAreTheSameNumbersOnBothSides() throws IllegalAccessException {
        Map<String, Integer> java = new TreeMap<>();
        for (Field f : RasterAdapter.class.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (Modifier.isStatic(mod) && Modifier.isFinal(mod) && f.getType() == int.class
                    && (f.getName().startsWith("SLOT_") || f.getName().startsWith("FORMAT_") || f.getName().equals("DESCRIPTOR_LENGTH"))) {
                java.put(f.getName(), f.getInt(null));
            }
        }
        Map<String, Integer> rust = new TreeMap<>();
        for (String line : Native.contract()) {
            if (line.startsWith("raster.")) {
                String[] kv = line.substring("raster.".length()).split("=");
                rust.put(kv[0], Integer.parseInt(kv[1]));
            }
        }
        assertEquals(rust, java);
    }

    @Test
    public void theCopyVerificationsFlagsAndVerdictLengthAreTheSameNumbersOnBothSides() throws IllegalAccessException {
        Map<String, Integer> java = new TreeMap<>();
        for (Field f : Native.class.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (Modifier.isStatic(mod) && Modifier.isFinal(mod) && f.getType() == int.class
                    && (f.getName().startsWith("VERIFY_") || f.getName().equals("VERDICT_LENGTH"))) {
                java.put(f.getName(), f.getInt(null));
            }
        }
        Map<String, Integer> rust = new TreeMap<>();
        for (String line : Native.contract()) {
            if (line.startsWith("verify.")) {
                String[] kv = line.substring("verify.".length()).split("=");
                rust.put(kv[0], Integer.parseInt(kv[1]));
            }
        }
        assertEquals(6, rust.size());
        assertEquals(rust, java);
    }
}
