package dev.imgsim;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import org.junit.Test;

/** The shipped learned copy decision, evaluated in Java, against scikit-learn's own probabilities. */
public class CopyTreesTest {
    @Test
    public void theShippedTreesGiveScikitLearnsProbabilities() throws IOException {
        List<String> lines = Files.readAllLines(TestImages.fixtures().resolve("copy_decision_golden.txt"), StandardCharsets.UTF_8);
        int checked = 0;
        int copies = 0;
        for (String line : lines) {
            if (line.startsWith("#") || line.isEmpty()) {
                continue;
            }
            String[] t = line.trim().split("\\s+");
            assertEquals(line, CopyTrees.FEATURES + 1, t.length);
            double[] x = new double[CopyTrees.FEATURES];
            for (int i = 0; i < x.length; i++) {
                x[i] = Double.parseDouble(t[i]);
            }
            double expected = Double.parseDouble(t[CopyTrees.FEATURES]);
            assertEquals(line, expected, CopyTrees.shipped().probability(x), 1e-6);
            checked++;
            copies += expected >= CopyCalibration.learned().copyThreshold() ? 1 : 0;
        }
        assertEquals(40, checked);
        assertTrue("both kinds of pair among the golden rows: " + copies, copies > 5 && copies < 35);
        assertTrue(CopyTrees.shipped().trees() > 10);
    }

    @Test
    public void moreEvidenceNeverLowersTheProbability() {
        // monotone in the cosine, the grid scores, the local inliers and support, and (falling) in the
        // blocks' differences: fitted with monotonic constraints
        double[] x = {0.8, 0.7, 0.7, 0, 1, 1, 0, 30, 0.3, 0, 0.9, 0.9, 1, 1.0, 0.4, 0};
        double before = CopyTrees.shipped().probability(x);
        for (int f : new int[] {0, 1, 2, 7, 8, 13, 14}) {
            double[] y = x.clone();
            y[f] = f == 7 ? 300 : f >= 13 ? 0.05 : 0.99;
            assertTrue("feature " + f, CopyTrees.shipped().probability(y) >= before);
        }
    }

    @Test
    public void aMalformedDecisionFileIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CopyTrees.parse(new BufferedReader(new StringReader("baseline 0\ntrees 1\ntree 3\n0 0.5 1 9 0\n-1 0 0 0 1\n-1 0 0 0 2\n"))));
        assertTrue(e.getMessage(), e.getMessage().contains("bad children"));
        e = assertThrows(IllegalArgumentException.class,
                () -> CopyTrees.parse(new BufferedReader(new StringReader("baseline 0\ntrees 2\ntree 1\n-1 0 0 0 1\n"))));
        assertTrue(e.getMessage(), e.getMessage().contains("incomplete"));
        e = assertThrows(IllegalArgumentException.class,
                () -> CopyTrees.parse(new BufferedReader(new StringReader("baseline x\n"))));
        assertTrue(e.getMessage(), e.getMessage().contains("line 1"));
        assertThrows(IllegalArgumentException.class, () -> CopyTrees.shipped().probability(new double[3]));
    }
}
