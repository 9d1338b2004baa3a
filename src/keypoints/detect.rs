//! Detection and description: FAST corners, Harris ranking, spread over the image, intensity-
//! centroid orientation, steered binary descriptors.

use super::*;

/// 3x3 binomial smoothing ([1 2 1] / 4 on each axis, borders replicated).
pub(super) fn binomial(g: &[f32], w: usize, h: usize) -> Vec<f32> {
    // each value as 0.25 * (left + 2 * centre + right), the edge repeated; the interior as three
    // shifted slices zipped (no index clamps in the loop: it vectorises, the same sums bit for bit)
    let f = |l: &f32, m: &f32, r: &f32| 0.25 * (l + 2.0 * m + r);
    let mut tmp = Vec::with_capacity(w * h);
    for r in g[..w * h].chunks_exact(w) {
        if w == 1 {
            tmp.push(f(&r[0], &r[0], &r[0]));
            continue;
        }
        tmp.push(f(&r[0], &r[0], &r[1]));
        tmp.extend(r[..w - 2].iter().zip(&r[1..w - 1]).zip(&r[2..]).map(|((l, m), r)| f(l, m, r)));
        tmp.push(f(&r[w - 2], &r[w - 1], &r[w - 1]));
    }
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let row = |y: usize| &tmp[y * w..(y + 1) * w];
        let (a, b, c) = (row(y.saturating_sub(1)), row(y), row((y + 1).min(h - 1)));
        out.extend(a.iter().zip(b).zip(c).map(|((l, m), r)| f(l, m, r)));
    }
    out
}

/// The Bresenham circle of radius 3 FAST tests, clockwise from the top.
pub(super) const CIRCLE: [(i32, i32); 16] =
    [(0, -3), (1, -3), (2, -2), (3, -1), (3, 0), (3, 1), (2, 2), (1, 3), (0, 3), (-1, 3), (-2, 2), (-3, 1), (-3, 0), (-3, -1), (-2, -2), (-1, -3)];

/// FAST-9 corners at least EDGE from the border, with their Harris response.
pub(super) fn fast(g: &[f32], w: usize, h: usize) -> Vec<(f32, usize, usize)> {
    let off: Vec<isize> = CIRCLE.iter().map(|&(dx, dy)| dy as isize * w as isize + dx as isize).collect();
    let mut out = Vec::new();
    let n = w.saturating_sub(2 * EDGE);
    let mut maybe = vec![false; n];
    for y in EDGE..h - EDGE {
        // any arc of 9 contains one of {0, 8} and one of {4, 12}: that test for the whole row
        // first, without branches (it vectorises), then the full circle where it passes
        let at = |dx: isize, dy: isize| {
            let from = ((y as isize + dy) * w as isize + EDGE as isize + dx) as usize;
            &g[from..from + n]
        };
        let (c, p0, p8, p4, p12) = (at(0, 0), at(0, -3), at(0, 3), at(3, 0), at(-3, 0));
        for (k, m) in maybe.iter_mut().enumerate() {
            let (hi, lo) = (c[k] + FAST_T, c[k] - FAST_T);
            let bright = ((p0[k] > hi) | (p8[k] > hi)) & ((p4[k] > hi) | (p12[k] > hi));
            let dark = ((p0[k] < lo) | (p8[k] < lo)) & ((p4[k] < lo) | (p12[k] < lo));
            *m = bright | dark;
        }
        for x in (EDGE..w - EDGE).filter(|&x| maybe[x - EDGE]) {
            let i = (y * w + x) as isize;
            let c = g[i as usize];
            let (hi, lo) = (c + FAST_T, c - FAST_T);
            let at = |k: usize| g[(i + off[k]) as usize];
            let (mut mb, mut md) = (0u32, 0u32);
            for k in 0..16 {
                let v = at(k);
                mb |= ((v > hi) as u32) << k;
                md |= ((v < lo) as u32) << k;
            }
            if arc9(mb) || arc9(md) {
                out.push((harris(g, w, x, y), x, y));
            }
        }
    }
    out
}

/// Whether a 16-bit circular mask has 9 consecutive bits set.
pub(super) fn arc9(m: u32) -> bool {
    // the mask twice in a row: every circular arc is a straight run in it
    let d = m | (m << 16);
    let mut q = d;
    for s in 1..9 {
        q &= d >> s;
    }
    q != 0
}

/// Harris corner response on a 7x7 window (central differences).
pub(super) fn harris(g: &[f32], w: usize, x: usize, y: usize) -> f32 {
    let (mut a, mut b, mut c) = (0f32, 0f32, 0f32);
    for yy in y - 3..=y + 3 {
        // the window's row and its neighbours as slices of 9 / 7 values: no bounds check per cell
        let row = &g[yy * w + x - 4..yy * w + x + 5];
        let up = &g[(yy - 1) * w + x - 3..(yy - 1) * w + x + 4];
        let down = &g[(yy + 1) * w + x - 3..(yy + 1) * w + x + 4];
        for k in 0..7 {
            let dx = row[k + 2] - row[k];
            let dy = down[k] - up[k];
            a += dx * dx;
            b += dy * dy;
            c += dx * dy;
        }
    }
    a * b - c * c - 0.04 * (a + b) * (a + b)
}

/// Up to `n` corners: local maxima of the response (3x3), spread over a 4x4 grid of cells.
pub(super) fn select(mut cands: Vec<(f32, usize, usize)>, w: usize, h: usize, n: usize) -> Vec<(usize, usize)> {
    let mut score = vec![f32::NEG_INFINITY; w * h];
    for &(s, x, y) in &cands {
        score[y * w + x] = s;
    }
    cands.retain(|&(s, x, y)| {
        s > 0.0
            && (y - 1..=y + 1).all(|yy| {
                (x - 1..=x + 1).all(|xx| (xx, yy) == (x, y) || score[yy * w + xx] < s || (score[yy * w + xx] == s && (yy, xx) > (y, x)))
            })
    });
    cands.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.2, a.1).cmp(&(b.2, b.1))));
    const CELLS: usize = 4;
    let cap = (2 * n).div_ceil(CELLS * CELLS).max(1);
    let mut count = [0usize; CELLS * CELLS];
    let mut out = Vec::with_capacity(n);
    let mut rest = Vec::new();
    for &(_, x, y) in &cands {
        if out.len() == n {
            break;
        }
        let cell = (y * CELLS / h) * CELLS + x * CELLS / w;
        if count[cell] < cap {
            count[cell] += 1;
            out.push((x, y));
        } else {
            rest.push((x, y));
        }
    }
    out.extend(rest.into_iter().take(n - out.len()));
    out
}

/// Intensity-centroid orientation in a disc of radius ORIENT_R (radians, y down).
pub(super) fn orientation(g: &[f32], w: usize, x: usize, y: usize) -> f32 {
    let (mut m10, mut m01) = (0f32, 0f32);
    for dy in -ORIENT_R..=ORIENT_R {
        let span = ((ORIENT_R * ORIENT_R - dy * dy) as f32).sqrt() as i32;
        let row = ((y as i32 + dy) as usize) * w;
        for dx in -span..=span {
            let v = g[row + (x as i32 + dx) as usize];
            m10 += dx as f32 * v;
            m01 += dy as f32 * v;
        }
    }
    m01.atan2(m10)
}

/// 256 point pairs in the patch frame: 128 random ones (Gaussian, sigma 5, within radius 12), then
/// the same 128 mirrored (y -> -y).
pub fn pattern() -> Vec<[(f32, f32); 2]> {
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut gauss = || loop {
        // Box-Muller, one value per draw
        let (u, v) = (next().max(1e-12), next());
        let g = ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos() * 5.0) as f32;
        if g.abs() <= 12.0 {
            return g;
        }
    };
    let mut half = Vec::with_capacity(128);
    while half.len() < 128 {
        let p = [(gauss(), gauss()), (gauss(), gauss())];
        let r2 = |q: (f32, f32)| q.0 * q.0 + q.1 * q.1;
        if r2(p[0]) <= 144.0 && r2(p[1]) <= 144.0 && (p[0].0 - p[1].0).abs() + (p[0].1 - p[1].1).abs() >= 2.0 {
            half.push(p);
        }
    }
    let mirrored: Vec<[(f32, f32); 2]> = half.iter().map(|p| [(p[0].0, -p[0].1), (p[1].0, -p[1].1)]).collect();
    half.into_iter().chain(mirrored).collect()
}

/// `v.round() as usize` without the call to libm's `roundf` (the x86-64 baseline has no rounding
/// instruction; 512 of them per point were about 3 % of a local-feature loop's samples): the
/// fraction of a float is exact, so "at least a half" decides as `round`'s half away from zero does.
#[inline(always)]
pub(super) fn round_index(v: f32) -> usize {
    if v < 0.0 {
        return 0;
    }
    let i = v as usize;
    if v - i as f32 >= 0.5 {
        i.saturating_add(1)
    } else {
        i
    }
}

/// The steered binary descriptor at (x, y): bit i = I(p_i1) < I(p_i2), the pattern turned by `angle`.
pub(super) fn describe(g: &[f32], w: usize, x: usize, y: usize, angle: f32, pattern: &[[(f32, f32); 2]]) -> [u64; 4] {
    let (s, c) = angle.sin_cos();
    let at = |(px, py): (f32, f32)| {
        let (rx, ry) = (c * px - s * py, s * px + c * py);
        g[round_index(y as f32 + ry) * w + round_index(x as f32 + rx)]
    };
    let mut d = [0u64; 4];
    for (i, p) in pattern.iter().enumerate() {
        if at(p[0]) < at(p[1]) {
            d[i / 64] |= 1 << (i % 64);
        }
    }
    d
}
