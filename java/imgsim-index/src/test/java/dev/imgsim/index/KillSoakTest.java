package dev.imgsim.index;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** A short {@link KillSoak}: the writer killed 6 times mid-load, the reader never failing. */
public class KillSoakTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void killedWritersLeaveACommittedGenerationEntryForEntry() throws Exception {
        Path dir = tmp.getRoot().toPath().resolve("index");
        KillSoak.Result r = KillSoak.run(dir, 6, 4, 11);
        assertEquals("problems: " + r.problems, 0, r.problems.size());
        assertEquals(6, r.kills);
        assertTrue("generations committed: " + r.generations, r.generations >= 6);
        assertTrue("the read-only process searched throughout: " + r.readerSearches, r.readerSearches > 0);
        assertTrue("the last writer reported its resources", !r.resources.isEmpty());
    }
}
