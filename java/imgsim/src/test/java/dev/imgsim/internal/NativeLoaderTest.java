package dev.imgsim.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Arrays;
import java.util.Map;

import org.junit.Test;

/** The platform naming scheme shared with the build, and the message on an unsupported platform. */
public class NativeLoaderTest {
    @Test
    public void theJarCarriesTheBuildsPlatformTable() {
        Map<String, String[]> table = NativeLoader.platforms();
        assertEquals(Arrays.asList("linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-aarch64"),
                Arrays.asList(table.keySet().toArray()));
        assertEquals("linux-x64", NativeLoader.ortFolder("linux-x86_64"));
        assertEquals("linux-aarch64", NativeLoader.ortFolder("linux-aarch64"));
        assertEquals("win-x64", NativeLoader.ortFolder("windows-x86_64"));
        assertEquals("osx-aarch64", NativeLoader.ortFolder("macos-aarch64"));
        assertEquals("imgsim.dll", table.get("windows-x86_64")[0]);
        assertEquals("libimgsim.dylib", table.get("macos-aarch64")[0]);
        assertTrue("this machine's library is in the jar: " + NativeLoader.available(),
                NativeLoader.available().contains(NativeLoader.platform()));
    }

    @Test
    public void platformNamesFollowOsNameAndArch() {
        String os = System.getProperty("os.name");
        String arch = System.getProperty("os.arch");
        try {
            String[][] cases = {{"Linux", "amd64", "linux-x86_64"}, {"Linux", "aarch64", "linux-aarch64"},
                {"Windows 11", "amd64", "windows-x86_64"}, {"Mac OS X", "aarch64", "macos-aarch64"},
                {"FreeBSD", "riscv64", "freebsd-riscv64"}};
            for (String[] c : cases) {
                System.setProperty("os.name", c[0]);
                System.setProperty("os.arch", c[1]);
                assertEquals(c[2], NativeLoader.platform());
            }
            String msg = NativeLoader.unsupported("freebsd-riscv64", "native/freebsd-riscv64/libimgsim.so");
            assertTrue(msg, msg.contains("freebsd-riscv64") && msg.contains("FreeBSD") && msg.contains("riscv64"));
            assertTrue("lists the supported platforms: " + msg,
                    msg.contains("linux-x86_64, linux-aarch64, windows-x86_64, macos-aarch64"));
            assertTrue("says how to supply a library: " + msg, msg.contains("-Dimgsim.library.path="));
        } finally {
            System.setProperty("os.name", os);
            System.setProperty("os.arch", arch);
        }
    }
}
