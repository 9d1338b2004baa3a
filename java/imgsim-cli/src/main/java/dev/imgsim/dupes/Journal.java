package dev.imgsim.dupes;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;

/**
 * The record of an applied plan, written so that a crash at any moment (kill -9, power loss)
 * leaves enough to undo: JSON lines, each forced to disk before the next step of the file system
 * runs. For each step a {@code begin} line (action, file, kept file, target, size, SHA-256) is
 * written before anything is touched and a {@code done} line after; {@code failed} and
 * {@code undone} lines record the rest.
 *
 * <pre>
 * {"op":"run","time":"...","action":"move","keep":"largest","index":"/idx"}
 * {"op":"begin","seq":1,"action":"move","file":"/p/a.jpg","keeper":"/p/b.jpg","target":"/dupes/p/a.jpg","size":123,"sha256":"..."}
 * {"op":"done","seq":1}
 * </pre>
 */
public final class Journal implements Closeable {
    private static final Gson GSON = new Gson();

    private final Path file;
    private final FileChannel channel;

    private Journal(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * Opens a journal for appending (created if missing, with its folder).
     *
     * @param file the journal file
     * @return the open journal
     * @throws IOException if it cannot be created
     */
    public static Journal append(Path file) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        return new Journal(file, FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND));
    }

    /** @return the journal file */
    public Path file() {
        return file;
    }

    /**
     * Appends one line and forces it to disk.
     *
     * @param line the entry
     * @throws IOException if it cannot be written
     */
    public synchronized void write(JsonObject line) throws IOException {
        line.addProperty("time", Instant.now().toString());
        ByteBuffer b = ByteBuffer.wrap((GSON.toJson(line) + "\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            channel.write(b);
        }
        channel.force(true);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /**
     * Reads a journal. A last line cut short by a crash is ignored; any other bad line is an error.
     *
     * @param file the journal
     * @return its entries, in order
     * @throws IOException if it cannot be read or holds a bad line (named)
     */
    public static List<JsonObject> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<JsonObject> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            try {
                JsonObject o = GSON.fromJson(line, JsonObject.class);
                if (o == null || !o.has("op")) {
                    throw new JsonParseException("no \"op\"");
                }
                out.add(o);
            } catch (JsonParseException e) {
                if (i == lines.size() - 1) {
                    break; // the line being written when the process died
                }
                throw new IOException(file + " line " + (i + 1) + " is not a journal entry: " + e.getMessage(), e);
            }
        }
        return out;
    }
}
