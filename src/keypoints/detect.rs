//! Detection and description: FAST corners, Harris ranking, spread over the image, intensity-
//! centroid orientation, steered binary descriptors.

use super::*;

/// 3x3 binomial smoothing ([1 2 1] / 4 on each axis, borders replicated).
pub(super) fn binomial(g: &[f32], w: usize, h: usize) -> Vec<f32> {
    let mut tmp = vec![0f32; w * h];
    for y in 0..h {
        let r = &g[y * w..(y + 1) * w];
        for x in 0..w {
            tmp[y * w + x] = 0.25 * (r[x.saturating_sub(1)] + 2.0 * r[x] + r[(x + 1).min(w - 1)]);
        }
    }
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        let (a, b, c) = (y.saturating_sub(1), y, (y + 1).min(h - 1));
        for x in 0..w {
            out[y * w + x] = 0.25 * (tmp[a * w + x] + 2.0 * tmp[b * w + x] + tmp[c * w + x]);
        }
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
    for y in EDGE..h - EDGE {
        for x in EDGE..w - EDGE {
            let i = (y * w + x) as isize;
            let c = g[i as usize];
            let (hi, lo) = (c + FAST_T, c - FAST_T);
            let at = |k: usize| g[(i + off[k]) as usize];
            // any arc of 9 contains one of {0, 8} and one of {4, 12}
            let (p0, p8, p4, p12) = (at(0), at(8), at(4), at(12));
            let bright = (p0 > hi || p8 > hi) && (p4 > hi || p12 > hi);
            let dark = (p0 < lo || p8 < lo) && (p4 < lo || p12 < lo);
            if !bright && !dark {
                continue;
            }
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
        for xx in x - 3..=x + 3 {
            let dx = g[yy * w + xx + 1] - g[yy * w + xx - 1];
            let dy = g[(yy + 1) * w + xx] - g[(yy - 1) * w + xx];
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

/// The steered binary descriptor at (x, y): bit i = I(p_i1) < I(p_i2), the pattern turned by `angle`.
pub(super) fn describe(g: &[f32], w: usize, x: usize, y: usize, angle: f32, pattern: &[[(f32, f32); 2]]) -> [u64; 4] {
    let (s, c) = angle.sin_cos();
    let at = |(px, py): (f32, f32)| {
        let (rx, ry) = (c * px - s * py, s * px + c * py);
        g[((y as f32 + ry).round() as usize) * w + (x as f32 + rx).round() as usize]
    };
    let mut d = [0u64; 4];
    for (i, p) in pattern.iter().enumerate() {
        if at(p[0]) < at(p[1]) {
            d[i / 64] |= 1 << (i % 64);
        }
    }
    d
}
