package dev.imgsim;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class VectorsTest {
    @Test
    public void cosineIsScaleFreeAndZeroForAVectorWithoutDirection() {
        assertEquals(1.0, Vectors.cosine(new float[] {1, 2, 3}, new float[] {2, 4, 6}), 1e-12);
        assertEquals(-1.0, Vectors.cosine(new float[] {1, 0}, new float[] {-3, 0}), 1e-12);
        assertEquals(0.0, Vectors.cosine(new float[] {0, 0}, new float[] {1, 0}), 0);
    }

    @Test
    public void normaliseGivesAUnitVectorInANewArray() {
        float[] v = {3, 4};
        float[] u = Vectors.normalise(v);
        assertArrayEquals(new float[] {0.6f, 0.8f}, u, 1e-7f);
        assertArrayEquals(new float[] {3, 4}, v, 0);
        assertEquals(1.0, Vectors.dot(u, u), 1e-6);
        assertEquals(1.0, Vectors.cosineOfUnit(u, u), 0);
    }

    @Test
    public void aVectorWithoutDirectionIsRefusedWithItsReason() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> Vectors.normalise(new float[3]));
        assertTrue(zero.getMessage(), zero.getMessage().contains("all zeros"));
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> Vectors.normalise(new float[] {1, Float.NaN}));
        assertTrue(nan.getMessage(), nan.getMessage().contains("non-finite"));
        assertThrows(IllegalArgumentException.class, () -> Vectors.cosine(new float[] {1, Float.POSITIVE_INFINITY}, new float[] {1, 1}));
        assertThrows(IllegalArgumentException.class, () -> Vectors.normalise(new float[0]));
        assertThrows(IllegalArgumentException.class, () -> Vectors.normalise(new float[] {1, 2}, 3));
        assertThrows(IllegalArgumentException.class, () -> Vectors.dot(new float[] {1}, new float[] {1, 2}));
        assertThrows(NullPointerException.class, () -> Vectors.normalise(null));
    }
}
