package dev.imgsim.cli;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.awt.Image;
import java.awt.image.BufferedImage;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.imageio.ImageIO;

import org.junit.Assume;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The review page driven in a real headless Chromium through the DevTools protocol, as a person
 * would use it: mouse clicks on its controls, the export button, then the exported file applied by
 * the CLI, which must do what the page showed.
 */
public class ReviewPageBrowserTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private static final Path SAMPLES = Paths.get(System.getProperty("imgsim.root", ".")).toAbsolutePath().resolve("samples");

    /** A minimal DevTools-protocol client over the JDK's WebSocket. */
    static final class DevTools implements AutoCloseable {
        private final Process chromium;
        private final WebSocket ws;
        private final AtomicInteger ids = new AtomicInteger();
        private final Map<Integer, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();

        DevTools(Path page) throws Exception {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            List<String> cmd = new ArrayList<>(List.of(HtmlReportBrowserTest.CHROMIUM.toString(), "--headless", "--no-sandbox",
                    "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--window-size=1100,900", "--remote-debugging-address=127.0.0.1",
                    "--remote-debugging-port=" + port, "--user-data-dir=" + Files.createTempDirectory("imgsim-chromium"),
                    page.toUri().toString()));
            chromium = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            HttpClient http = HttpClient.newHttpClient();
            String wsUrl = null;
            for (int i = 0; i < 300 && wsUrl == null; i++) {
                try {
                    String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    for (JsonElement e : JsonParser.parseString(list).getAsJsonArray()) {
                        JsonObject t = e.getAsJsonObject();
                        if ("page".equals(t.get("type").getAsString()) && t.get("url").getAsString().startsWith("file:")) {
                            wsUrl = t.get("webSocketDebuggerUrl").getAsString();
                        }
                    }
                } catch (java.io.IOException notYet) {
                    // chromium is starting
                }
                if (wsUrl == null) {
                    Thread.sleep(100);
                }
            }
            assertTrue("chromium's DevTools endpoint answered", wsUrl != null);
            ws = http.newWebSocketBuilder().buildAsync(URI.create(wsUrl), new WebSocket.Listener() {
                private final StringBuilder part = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                    part.append(data);
                    if (last) {
                        JsonObject msg = JsonParser.parseString(part.toString()).getAsJsonObject();
                        part.setLength(0);
                        if (msg.has("id")) {
                            CompletableFuture<JsonObject> f = pending.remove(msg.get("id").getAsInt());
                            if (f != null) {
                                f.complete(msg);
                            }
                        }
                    }
                    socket.request(1);
                    return null;
                }
            }).get(30, TimeUnit.SECONDS);
        }

        JsonObject call(String method, JsonObject params) throws Exception {
            int id = ids.incrementAndGet();
            JsonObject msg = new JsonObject();
            msg.addProperty("id", id);
            msg.addProperty("method", method);
            msg.add("params", params);
            CompletableFuture<JsonObject> f = new CompletableFuture<>();
            pending.put(id, f);
            ws.sendText(msg.toString(), true).get(30, TimeUnit.SECONDS);
            JsonObject r = f.get(60, TimeUnit.SECONDS);
            assertFalse(method + ": " + r, r.has("error"));
            return r.getAsJsonObject("result");
        }

        /** Evaluates JavaScript in the page and returns its JSON-able value. */
        JsonElement eval(String js) throws Exception {
            JsonObject p = new JsonObject();
            p.addProperty("expression", js);
            p.addProperty("returnByValue", true);
            JsonObject r = call("Runtime.evaluate", p);
            assertFalse(js + ": " + r, r.has("exceptionDetails"));
            return r.getAsJsonObject("result").get("value");
        }

        /** A real mouse click (pressed, released) at the centre of the element the selector finds. */
        void click(String selector) throws Exception {
            JsonObject box = eval("(() => { const e = document.querySelector(" + JsonParser.parseString("\"" + selector.replace("\"",
                    "\\\"") + "\"") + "); e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
                    + " return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()").getAsJsonObject();
            for (String type : new String[] {"mousePressed", "mouseReleased"}) {
                JsonObject p = new JsonObject();
                p.addProperty("type", type);
                p.addProperty("x", box.get("x").getAsDouble());
                p.addProperty("y", box.get("y").getAsDouble());
                p.addProperty("button", "left");
                p.addProperty("clickCount", 1);
                call("Input.dispatchMouseEvent", p);
            }
        }

        @Override
        public void close() {
            ws.abort();
            chromium.destroyForcibly();
        }
    }

    @Test
    public void everyControlWorksAndTheExportedChoicesAreWhatTheCliApplies() throws Exception {
        if (!Files.isExecutable(HtmlReportBrowserTest.CHROMIUM)) {
            assertTrue("CI must install chromium for this test", !"true".equals(System.getenv("CI")));
            Assume.assumeTrue("no chromium", false);
        }
        Path lib = tmp.newFolder("lib").toPath();
        for (String name : new String[] {"astronaut", "coffee", "rocket"}) {
            Files.copy(SAMPLES.resolve(name + ".jpg"), lib.resolve(name + ".jpg"));
            BufferedImage img = ImageIO.read(SAMPLES.resolve(name + ".jpg").toFile());
            BufferedImage half = new BufferedImage(img.getWidth() / 2, img.getHeight() / 2, BufferedImage.TYPE_INT_RGB);
            half.createGraphics().drawImage(img.getScaledInstance(half.getWidth(), half.getHeight(), Image.SCALE_AREA_AVERAGING),
                    0, 0, null);
            ImageIO.write(half, "png", lib.resolve(name + "-half.png").toFile());
        }
        Path idx = tmp.getRoot().toPath().resolve("idx");
        assertEquals(0, CliTest.imgsim("index", lib.toString(), "--index", idx.toString()).code);
        Path page = tmp.getRoot().toPath().resolve("review/dupes.html");
        CliTest.Run r = CliTest.imgsim("dupes", "--index", idx.toString(), "--html", page.toString());
        assertEquals(r.toString(), 0, r.code);
        String html = Files.readString(page);
        assertFalse("self-contained", html.contains("http://") || html.contains("https://"));

        Path exported = tmp.getRoot().toPath().resolve("imgsim-decisions.jsonl");
        TreeSet<String> shownRemoved = new TreeSet<>();
        try (DevTools browser = new DevTools(page)) {
            // loaded and drawn: on a busy machine the DevTools target can answer while the page's
            // document is still the empty one chromium starts with
            String drawn = "document.readyState === 'complete' && document.querySelectorAll('section[data-group]').length > 0";
            for (int i = 0; i < 400 && !browser.eval(drawn).getAsBoolean(); i++) {
                Thread.sleep(50);
            }
            assertEquals("three groups", 3, browser.eval("document.querySelectorAll('section[data-group]').length").getAsInt());
            // the keeper of each group is the full-size photo, pre-selected keep; its copy pre-selected remove
            for (String name : new String[] {"astronaut", "coffee", "rocket"}) {
                String fig = "figure[data-path='" + lib.resolve(name + ".jpg") + "']";
                assertTrue(name + " is marked keeper", browser.eval("document.querySelector(\"" + fig + "\").classList"
                        + ".contains('keeper')").getAsBoolean());
                assertTrue(browser.eval("document.querySelector(\"" + fig + " input[value=keep]\").checked").getAsBoolean());
            }
            String astronautCopy = "figure[data-path='" + lib.resolve("astronaut-half.png") + "']";
            String rocketCopy = "figure[data-path='" + lib.resolve("rocket-half.png") + "']";
            String coffeeCopy = "figure[data-path='" + lib.resolve("coffee-half.png") + "']";
            // clicks: keep the astronaut copy after all, mark the rocket copy "not a duplicate", leave coffee's
            browser.click(astronautCopy + " input[value=keep]");
            assertTrue("the keep radio took the click", browser.eval("document.querySelector(\"" + astronautCopy
                    + " input[value=keep]\").checked").getAsBoolean());
            browser.click(rocketCopy + " input.notdup");
            assertTrue("the checkbox took the click", browser.eval("document.querySelector(\"" + rocketCopy
                    + " input.notdup\").checked").getAsBoolean());
            assertTrue("coffee's copy stays remove", browser.eval("document.querySelector(\"" + coffeeCopy
                    + " input[value=remove]\").checked").getAsBoolean());
            assertTrue("a removed file is dimmed", browser.eval("document.querySelector(\"" + coffeeCopy
                    + "\").classList.contains('removed')").getAsBoolean());
            browser.click("#export");
            assertEquals("1 file(s) marked remove", browser.eval("document.getElementById('summary').textContent").getAsString());
            assertFalse(browser.eval("document.getElementById('download').hidden").getAsBoolean());
            for (JsonElement e : browser.eval("[...document.querySelectorAll('figure')].filter(f => f.querySelector("
                    + "'input[value=remove]:checked') && !f.querySelector('input.notdup').checked).map(f => f.dataset.path)")
                    .getAsJsonArray()) {
                shownRemoved.add(e.getAsString());
            }
            Files.writeString(exported, browser.eval("document.getElementById('decisions').value").getAsString());
            JsonObject shot = browser.call("Page.captureScreenshot", new JsonObject());
            Path png = page.resolveSibling("review.png");
            Files.write(png, Base64.getDecoder().decode(shot.get("data").getAsString()));
            assertTrue(Files.size(png) > 10_000);
            Path keepShot = Paths.get(System.getProperty("imgsim.root", ".")).resolve("build/review-page.png");
            Files.createDirectories(keepShot.getParent());
            Files.copy(png, keepShot, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        // "what the page showed" is one file: the rocket copy is not a duplicate, the astronaut copy kept
        assertEquals(new TreeSet<>(List.of(lib.resolve("coffee-half.png").toString())), shownRemoved);

        Path out = tmp.newFolder("removed").toPath();
        CliTest.Run applied = CliTest.imgsim("dupes", "--index", idx.toString(), "--decisions", exported.toString(),
                "--action", "move", "--to", out.toString(), "--apply", "--json");
        assertEquals(applied.toString(), 0, applied.code);
        TreeSet<String> moved = new TreeSet<>();
        for (JsonElement g : JsonParser.parseString(applied.out).getAsJsonArray()) {
            JsonArray actions = g.getAsJsonObject().getAsJsonArray("actions");
            for (JsonElement a : actions) {
                if ("applied".equals(a.getAsJsonObject().get("status").getAsString())) {
                    moved.add(a.getAsJsonObject().get("file").getAsString());
                }
            }
        }
        assertEquals("the CLI did what the page showed", shownRemoved, moved);
        assertFalse(Files.exists(lib.resolve("coffee-half.png")));
        assertTrue(Files.exists(lib.resolve("astronaut-half.png")) && Files.exists(lib.resolve("rocket-half.png")));
        // the page's "not a duplicate" is remembered: the rocket pair no longer forms a group
        JsonArray after = JsonParser.parseString(CliTest.imgsim("dupes", "--index", idx.toString(), "--json").out).getAsJsonArray();
        for (JsonElement g : after) {
            assertFalse(g.toString(), g.toString().contains("rocket"));
        }
    }
}
