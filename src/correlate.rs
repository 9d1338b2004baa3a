//! Sliding correlation of a small gradient template with a gradient grid at many positions at
//! once: the inner loop of the part search (`parts`). Each position's dot product is a plain sum
//! in one fixed order (template rows, columns, then dx before dy), so the result does not depend
//! on the vector width the machine offers; positions side by side fill the vector lanes.

/// Positions computed side by side (one AVX2 register of f32).
pub(crate) const LANES: usize = 8;

/// A gradient grid laid out for the correlation: row r holds its dx values, LANES zeros, its dy
/// values, LANES zeros (the zeros let a row's last positions read whole lane groups).
pub(crate) struct Planes {
    side: usize,
    data: Vec<f32>,
}

impl Planes {
    /// From interleaved (dx, dy) gradients of a `side` x `side` grid.
    pub(crate) fn new(grad: &[f32], side: usize) -> Planes {
        let stride = 2 * (side + LANES);
        let mut data = vec![0f32; side * stride];
        for y in 0..side {
            let row = &mut data[y * stride..(y + 1) * stride];
            for x in 0..side {
                row[x] = grad[(y * side + x) * 2];
                row[side + LANES + x] = grad[(y * side + x) * 2 + 1];
            }
        }
        Planes { side, data }
    }
}

/// Dot products of the `tw` x `th` template `t` (interleaved gradients) with `p` at the positions
/// (ox0 + i, oy0 + j), i < nx, j < ny, into `out[j * nx + i]`. The template must fit at every
/// position: ox0 + nx - 1 + tw <= side and oy0 + ny - 1 + th <= side.
pub(crate) fn correlate(t: &[f32], tw: usize, th: usize, p: &Planes, (ox0, nx): (usize, usize), (oy0, ny): (usize, usize), out: &mut [f32]) {
    assert!(t.len() >= tw * th * 2 && ox0 + nx + tw <= p.side + 1 && oy0 + ny + th <= p.side + 1 && out.len() >= nx * ny);
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked above); the bounds are asserted above
            return unsafe { correlate_avx2(t, tw, th, p, (ox0, nx), (oy0, ny), out) };
        }
    }
    correlate_body(t, tw, th, p, (ox0, nx), (oy0, ny), out)
}

/// `correlate_body` written with AVX2 intrinsics (multiplications and additions, no fused
/// multiply-add: the same IEEE operations in the same order, so the same result), four rows of
/// positions at once: the additions' latency, not the arithmetic, bounds one row of positions.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn correlate_avx2(t: &[f32], tw: usize, th: usize, p: &Planes, (ox0, nx): (usize, usize), (oy0, ny): (usize, usize), out: &mut [f32]) {
    let mut i0 = 0;
    while i0 < nx {
        let n = (nx - i0).min(2 * LANES);
        let mut j = 0;
        while j < ny {
            let at = (ox0 + i0, oy0 + j);
            let o = &mut out[j * nx + i0..];
            j += match (n > LANES, ny - j) {
                (false, 1) => avx2_block::<1, 1>(t, tw, th, p, at, n, o, nx),
                (false, 2 | 3) => avx2_block::<1, 2>(t, tw, th, p, at, n, o, nx),
                (false, _) => avx2_block::<1, 4>(t, tw, th, p, at, n, o, nx),
                (true, 1) => avx2_block::<2, 1>(t, tw, th, p, at, n, o, nx),
                (true, 2 | 3) => avx2_block::<2, 2>(t, tw, th, p, at, n, o, nx),
                (true, _) => avx2_block::<2, 4>(t, tw, th, p, at, n, o, nx),
            };
        }
        i0 += n;
    }
}

/// R rows of n <= G * LANES positions from (ox, oy), written at `out[r * stride + i]`; returns R.
/// The caller (`correlate`) has checked that the template fits at every position; a row's last
/// positions read into the zeros after each plane row.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
#[allow(clippy::too_many_arguments)]
unsafe fn avx2_block<const G: usize, const R: usize>(t: &[f32], tw: usize, th: usize, p: &Planes, (ox, oy): (usize, usize), n: usize, out: &mut [f32], stride: usize) -> usize {
    use std::arch::x86_64::*;
    let pitch = 2 * (p.side + LANES);
    let dy_at = p.side + LANES;
    debug_assert!((oy + R - 1 + th) * pitch <= p.data.len() && ox + tw - 1 + G * LANES <= dy_at);
    let data = p.data.as_ptr();
    let mut acc = [[_mm256_setzero_ps(); G]; R];
    for y in 0..th {
        let trow = &t[y * tw * 2..(y + 1) * tw * 2];
        for x in 0..tw {
            for c in 0..2 {
                let v = _mm256_set1_ps(trow[x * 2 + c]);
                for (r, acc) in acc.iter_mut().enumerate() {
                    // SAFETY: inside the row (see the debug_assert and `correlate`'s assert)
                    let src = data.add((oy + r + y) * pitch + c * dy_at + ox + x);
                    for (g, a) in acc.iter_mut().enumerate() {
                        *a = _mm256_add_ps(*a, _mm256_mul_ps(v, _mm256_loadu_ps(src.add(g * LANES))));
                    }
                }
            }
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        let mut lanes = [0f32; 2 * LANES];
        for (g, a) in acc.iter().enumerate() {
            _mm256_storeu_ps(lanes.as_mut_ptr().add(g * LANES), *a);
        }
        out[r * stride..r * stride + n].copy_from_slice(&lanes[..n]);
    }
    R
}

#[inline(always)]
fn correlate_body(t: &[f32], tw: usize, th: usize, p: &Planes, (ox0, nx): (usize, usize), (oy0, ny): (usize, usize), out: &mut [f32]) {
    // positions in groups of two lane groups
    let mut i0 = 0;
    while i0 < nx {
        let n = (nx - i0).min(2 * LANES);
        if n <= LANES {
            group::<1>(t, tw, th, p, ox0 + i0, n, (oy0, ny), &mut out[i0..], nx);
        } else {
            group::<2>(t, tw, th, p, ox0 + i0, n, (oy0, ny), &mut out[i0..], nx);
        }
        i0 += n;
    }
}

/// `correlate` for `n` <= G * LANES positions from `ox0` on each row, written at `out[j * stride + i]`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn group<const G: usize>(t: &[f32], tw: usize, th: usize, p: &Planes, ox0: usize, n: usize, (oy0, ny): (usize, usize), out: &mut [f32], stride: usize) {
    let pitch = 2 * (p.side + LANES);
    let dy_at = p.side + LANES;
    for j in 0..ny {
        let mut acc = [[0f32; LANES]; G];
        for y in 0..th {
            let row = &p.data[(oy0 + j + y) * pitch..(oy0 + j + y + 1) * pitch];
            let trow = &t[y * tw * 2..(y + 1) * tw * 2];
            for x in 0..tw {
                for c in 0..2 {
                    let v = trow[x * 2 + c];
                    let at = c * dy_at + ox0 + x;
                    let src = &row[at..at + G * LANES];
                    for g in 0..G {
                        for l in 0..LANES {
                            acc[g][l] += v * src[g * LANES + l];
                        }
                    }
                }
            }
        }
        for i in 0..n {
            out[j * stride + i] = acc[i / LANES][i % LANES];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_position_is_the_plain_dot_product_in_order() {
        let side = 16;
        let grad: Vec<f32> = (0..side * side * 2).map(|i| ((i * 7919) % 97) as f32 / 97.0 - 0.5).collect();
        let p = Planes::new(&grad, side);
        for (tw, th) in [(4, 5), (7, 7), (12, 4), (16, 16), (5, 10), (9, 3), (3, 14)] {
            let t: Vec<f32> = (0..tw * th * 2).map(|i| ((i * 31) % 13) as f32 / 13.0 - 0.4).collect();
            let (nx, ny) = (side - tw + 1, side - th + 1);
            let mut out = vec![0f32; nx * ny];
            correlate(&t, tw, th, &p, (0, nx), (0, ny), &mut out);
            for oy in 0..ny {
                for ox in 0..nx {
                    let mut d = 0f32;
                    for y in 0..th {
                        for x in 0..tw {
                            for c in 0..2 {
                                d += t[(y * tw + x) * 2 + c] * grad[((oy + y) * side + ox + x) * 2 + c];
                            }
                        }
                    }
                    assert_eq!(out[oy * nx + ox], d, "({tw}x{th}) at ({ox}, {oy})");
                }
            }
            // a window of positions gives the same values as the whole scan
            if nx > 3 && ny > 3 {
                let mut part = vec![0f32; 4];
                correlate(&t, tw, th, &p, (1, 2), (2, 2), &mut part);
                assert_eq!(part, vec![out[2 * nx + 1], out[2 * nx + 2], out[3 * nx + 1], out[3 * nx + 2]]);
            }
        }
    }
}
