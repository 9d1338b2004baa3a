package dev.imgsim.cli;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Assume;
import org.junit.Test;

/**
 * The duplicates report opened in a real headless browser (Debian's chromium): every thumbnail
 * loads. Skipped where chromium is missing, except in CI (CI=true), whose script installs it.
 */
public class HtmlReportBrowserTest {
    @org.junit.Rule
    public org.junit.rules.TemporaryFolder tmp = new org.junit.rules.TemporaryFolder();

    static final Path CHROMIUM = Paths.get("/usr/bin/chromium");

    @Test
    public void everyThumbnailLoadsInHeadlessChromium() throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            assertTrue("CI must install chromium for this test (apt-get install chromium)", !"true".equals(System.getenv("CI")));
            Assume.assumeTrue("no " + CHROMIUM, false);
        }
        Path idx = tmp.getRoot().toPath().resolve("idx-html");
        Path report = tmp.getRoot().toPath().resolve("report/dupes.html");
        Path photos = CliTest.makePhotos(tmp.newFolder("photos").toPath());
        CliTest.imgsim("index", photos.toString(), "--index", idx.toString());
        CliTest.Run r = CliTest.imgsim("dupes", "--index", idx.toString(), "--threshold", "0.85", "--html", report.toString());
        assertEquals(r.toString(), 0, r.code);
        String html = new String(Files.readAllBytes(report), StandardCharsets.UTF_8);
        int thumbnails = count(html, "<img ");
        assertTrue(html, thumbnails >= 2);
        assertTrue("self-contained: no external resources", !html.contains("http://") && !html.contains("https://"));
        // the page as shipped, plus a probe that records how many images decoded once loaded
        Path probe = report.resolveSibling("probe.html");
        Files.write(probe, html.replace("</body>", "<script>window.addEventListener('load', () => {"
                + " const i = [...document.images];"
                + " document.body.setAttribute('data-loaded', i.filter(x => x.complete && x.naturalWidth > 0).length + '/' + i.length);"
                + "});</script></body>").getBytes(StandardCharsets.UTF_8));
        String dom = chromium("--virtual-time-budget=5000", "--dump-dom", probe.toUri().toString());
        Matcher m = Pattern.compile("data-loaded=\"(\\d+)/(\\d+)\"").matcher(dom);
        assertTrue(dom, m.find());
        assertEquals(thumbnails, Integer.parseInt(m.group(2)));
        assertEquals("thumbnails that loaded", m.group(2), m.group(1));
        // and a screenshot for people to look at
        Path png = report.resolveSibling("dupes.png");
        chromium("--screenshot=" + png, "--window-size=1000,700", report.toUri().toString());
        assertTrue(Files.size(png) > 10_000);
    }

    static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    static String chromium(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + Files.createTempDirectory("imgsim-chromium")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue("chromium timed out", p.waitFor(60, TimeUnit.SECONDS));
        return new String(out, StandardCharsets.UTF_8);
    }
}
