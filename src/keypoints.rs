//! Local features for copy verification: oriented FAST corners with steered binary (BRIEF)
//! descriptors on a small image pyramid (the ORB recipe), and their geometric verification — the
//! matches that agree on one similarity, then affine, map from one picture into the other.
//!
//! What they add to the grey fingerprint (`copies.rs`): a crop, a padded or captioned copy, a
//! picture pasted into a page, a copy turned by any angle or seen in perspective are matched point
//! by point, and a look-alike (another dialog of the same program, another map in the same style)
//! matches only where the two share identical content, which the support (the share of the
//! overlap's points that agree) tells apart from a copy.
//!
//! The descriptor's 256 point pairs are 128 random pairs and their mirror images (y -> -y in the
//! patch frame), so the descriptor of a mirrored picture is the original's with its two halves
//! swapped: mirrored copies are matched without a second set of features.
//!
//! Pure Rust, no JNI types; stored inside the fingerprint (`copies::Fingerprint::to_bytes`).

use crate::error::{Error, Result};

/// Longer side of the pyramid's first level (smaller images are not enlarged).
pub const WORK: usize = 512;
/// Features kept per image.
pub const MAX_POINTS: usize = 192;
/// Pyramid levels and the scale between two levels.
const LEVELS: usize = 6;
const LEVEL_SCALE: f32 = 1.3;
/// FAST threshold (grey levels).
const FAST_T: f32 = 12.0;
/// Border kept free at each level: the patch radius.
const EDGE: usize = 16;
/// Radius of the patch the orientation is measured on.
const ORIENT_R: i32 = 13;
/// Serialised size of one feature: x, y (1/16 px, u16 LE), level, angle (1/256 turn), descriptor.
pub const POINT_BYTES: usize = 2 + 2 + 1 + 1 + 32;
/// Serialised header: width, height of the first level (u16 LE), count (u16 LE).
pub const HEADER_BYTES: usize = 6;

/// One feature, in the first level's pixel frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
    pub level: u8,
    /// Orientation in radians (intensity centroid), quantised to 1/256 turn.
    pub angle: f32,
    pub desc: [u64; 4],
}

/// The features of one image.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Features {
    /// Size of the first level (the frame of the points).
    pub width: u16,
    pub height: u16,
    pub points: Vec<Point>,
}

/// What geometric verification found between two feature sets.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct LocalMatch {
    /// Matches consistent with the best transform.
    pub inliers: u32,
    /// Inliers / the features of the smaller side that fall inside the other picture (0..1).
    pub support: f32,
    /// Rotation of the transform (radians, counter-clockwise as seen on screen), after the mirror when `mirrored`.
    pub rotation: f32,
    /// Scale from a to b (b pixels per a pixel, in the first levels' frames).
    pub scale: f32,
    pub mirrored: bool,
    /// Share of a's area that lands inside b, and share of b's area covered by a.
    pub a_in_b: f32,
    pub b_covered: f32,
}

impl LocalMatch {
    /// The same match seen from the other picture: b to a.
    pub fn inverse(&self) -> LocalMatch {
        if self.inliers == 0 {
            return LocalMatch { a_in_b: self.b_covered, b_covered: self.a_in_b, ..*self };
        }
        LocalMatch {
            // the inverse of "mirror, then turn by r" is itself; of "turn by r", a turn by -r
            rotation: if self.mirrored { self.rotation } else { -self.rotation },
            scale: 1.0 / self.scale,
            a_in_b: self.b_covered,
            b_covered: self.a_in_b,
            ..*self
        }
    }


    /// The nearest of the eight turns and mirrors, as `copies::Verdict::transform` numbers them
    /// (turn counter-clockwise by 90 * (t % 4) degrees, then mirror when t >= 4).
    pub fn dihedral(&self) -> u8 {
        let quarter = |r: f32| ((r / std::f32::consts::FRAC_PI_2).round() as i32).rem_euclid(4) as u8;
        // mirror, then turn by r  ==  turn by -r, then mirror
        if self.mirrored { 4 + quarter(-self.rotation) } else { quarter(self.rotation) }
    }
}

fn quantise_angle(a: f32) -> u8 {
    ((a.rem_euclid(std::f32::consts::TAU) / std::f32::consts::TAU * 256.0).round() as u32 % 256) as u8
}

fn angle_of(q: u8) -> f32 {
    q as f32 / 256.0 * std::f32::consts::TAU
}

impl Features {
    pub fn to_bytes(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.width.to_le_bytes());
        out.extend_from_slice(&self.height.to_le_bytes());
        out.extend_from_slice(&(self.points.len() as u16).to_le_bytes());
        for p in &self.points {
            out.extend_from_slice(&((p.x * 16.0).round().clamp(0.0, 65535.0) as u16).to_le_bytes());
            out.extend_from_slice(&((p.y * 16.0).round().clamp(0.0, 65535.0) as u16).to_le_bytes());
            out.push(p.level);
            out.push(quantise_angle(p.angle));
            for d in &p.desc {
                out.extend_from_slice(&d.to_le_bytes());
            }
        }
    }

    /// Reads features written by `to_bytes`; `b` must be exactly their bytes.
    pub fn from_bytes(b: &[u8]) -> Result<Features> {
        let bad = |why: &str| Error::InvalidArgument(format!("copy fingerprint's local features are corrupt: {why}"));
        if b.len() < HEADER_BYTES {
            return Err(bad("no header"));
        }
        let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        let (width, height, n) = (u16_at(0), u16_at(2), u16_at(4) as usize);
        if n > MAX_POINTS || b.len() != HEADER_BYTES + n * POINT_BYTES {
            return Err(bad(&format!("{n} points in {} bytes", b.len())));
        }
        let mut points = Vec::with_capacity(n);
        for c in b[HEADER_BYTES..].chunks_exact(POINT_BYTES) {
            let (x, y) = (u16::from_le_bytes([c[0], c[1]]) as f32 / 16.0, u16::from_le_bytes([c[2], c[3]]) as f32 / 16.0);
            if x > width as f32 || y > height as f32 || c[4] as usize >= LEVELS {
                return Err(bad("a point lies outside its image"));
            }
            let mut desc = [0u64; 4];
            for (k, d) in desc.iter_mut().enumerate() {
                *d = u64::from_le_bytes(c[6 + 8 * k..14 + 8 * k].try_into().unwrap());
            }
            points.push(Point { x, y, level: c[4], angle: angle_of(c[5]), desc });
        }
        Ok(Features { width, height, points })
    }

    /// Features of a grey image (`w` x `h`, levels 0-255).
    pub fn from_grey(grey: &[f32], w: usize, h: usize) -> Features {
        let scale = (WORK as f32 / w.max(h) as f32).min(1.0);
        let (w0, h0) = (((w as f32 * scale).round() as usize).max(1), ((h as f32 * scale).round() as usize).max(1));
        let level0 = if (w0, h0) == (w, h) { grey.to_vec() } else { crate::copies::resample(grey, w, h, (0.0, 0.0, w as f32, h as f32), w0, h0) };
        let mut f = Features { width: w0 as u16, height: h0 as u16, points: Vec::new() };
        let pattern = pattern();
        // per-level quotas as ORB: geometric in the level's scale
        let r = 1.0 / LEVEL_SCALE;
        let mut quotas: Vec<usize> = (0..LEVELS).map(|l| (MAX_POINTS as f32 * (1.0 - r) / (1.0 - r.powi(LEVELS as i32)) * r.powi(l as i32)).round() as usize).collect();
        let mut carry = 0;
        for l in 0..LEVELS {
            let s = LEVEL_SCALE.powi(l as i32);
            let (lw, lh) = (((w0 as f32) / s).round() as usize, ((h0 as f32) / s).round() as usize);
            if lw < 2 * EDGE + 8 || lh < 2 * EDGE + 8 {
                break;
            }
            let img = if l == 0 { level0.clone() } else { crate::copies::resample(&level0, w0, h0, (0.0, 0.0, w0 as f32, h0 as f32), lw, lh) };
            let detect = binomial(&img, lw, lh);
            let smooth = binomial(&binomial(&detect, lw, lh), lw, lh);
            let quota = quotas[l] + carry;
            let corners = select(fast(&detect, lw, lh), lw, lh, quota);
            carry = quota - corners.len();
            quotas[l] = corners.len();
            let (sx, sy) = (w0 as f32 / lw as f32, h0 as f32 / lh as f32);
            for (x, y) in corners {
                let angle = quantise_angle(orientation(&smooth, lw, x, y));
                let a = angle_of(angle);
                let desc = describe(&smooth, lw, x, y, a, &pattern);
                f.points.push(Point { x: (x as f32 + 0.5) * sx - 0.5, y: (y as f32 + 0.5) * sy - 0.5, level: l as u8, angle: a, desc });
            }
        }
        for p in &mut f.points {
            p.x = p.x.clamp(0.0, w0 as f32 - 1.0);
            p.y = p.y.clamp(0.0, h0 as f32 - 1.0);
        }
        f
    }
}

/// 3x3 binomial smoothing ([1 2 1] / 4 on each axis, borders replicated).
fn binomial(g: &[f32], w: usize, h: usize) -> Vec<f32> {
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
const CIRCLE: [(i32, i32); 16] =
    [(0, -3), (1, -3), (2, -2), (3, -1), (3, 0), (3, 1), (2, 2), (1, 3), (0, 3), (-1, 3), (-2, 2), (-3, 1), (-3, 0), (-3, -1), (-2, -2), (-1, -3)];

/// FAST-9 corners at least EDGE from the border, with their Harris response.
fn fast(g: &[f32], w: usize, h: usize) -> Vec<(f32, usize, usize)> {
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
fn arc9(m: u32) -> bool {
    // the mask twice in a row: every circular arc is a straight run in it
    let d = m | (m << 16);
    let mut q = d;
    for s in 1..9 {
        q &= d >> s;
    }
    q != 0
}

/// Harris corner response on a 7x7 window (central differences).
fn harris(g: &[f32], w: usize, x: usize, y: usize) -> f32 {
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
fn select(mut cands: Vec<(f32, usize, usize)>, w: usize, h: usize, n: usize) -> Vec<(usize, usize)> {
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
fn orientation(g: &[f32], w: usize, x: usize, y: usize) -> f32 {
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
fn describe(g: &[f32], w: usize, x: usize, y: usize, angle: f32, pattern: &[[(f32, f32); 2]]) -> [u64; 4] {
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

/// The descriptor of the same patch in a mirrored picture.
fn mirror_desc(d: &[u64; 4]) -> [u64; 4] {
    [d[2], d[3], d[0], d[1]]
}

#[inline(always)]
fn hamming(a: &[u64; 4], b: &[u64; 4]) -> u32 {
    (a[0] ^ b[0]).count_ones() + (a[1] ^ b[1]).count_ones() + (a[2] ^ b[2]).count_ones() + (a[3] ^ b[3]).count_ones()
}

/// Largest descriptor distance (of 256 bits) a match may have, and the ratio to the second best.
const MAX_DISTANCE: u32 = 80;
const RATIO: f32 = 0.85;

/// Matches: (index in a, index in b), by nearest descriptor with the ratio test. On x86-64 the
/// same search runs compiled for the bit-count instructions the CPU has (the build targets the
/// baseline without them): AVX-512 VPOPCNTDQ (eight distances at once; Ice Lake, Zen 4 and
/// later), else POPCNT (every CPU since 2008-2011). The distances are most of a verification's time.
fn matches(a: &[Point], b: &[Point], mirror: bool) -> Vec<(usize, usize)> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512vpopcntdq") {
            // SAFETY: the CPU has the instructions the function is compiled for
            return unsafe { matches_avx512(a, b, mirror) };
        }
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: as above
            return unsafe { matches_popcnt(a, b, mirror) };
        }
    }
    matches_with(a, b, mirror)
}

/// `matches_with` eight descriptors of `b` at a time: b's descriptors as four columns of 64-bit
/// words, each row of `a` xor'ed and counted against them; per lane the two smallest
/// (distance, index) keys, the best two of all lanes at the end (the lowest index wins a tie,
/// as in the scalar loop).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vpopcntdq")]
unsafe fn matches_avx512(a: &[Point], b: &[Point], mirror: bool) -> Vec<(usize, usize)> {
    use std::arch::x86_64::*;
    let n = b.len().div_ceil(8) * 8;
    let mut cols = vec![0u64; 4 * n];
    for (j, q) in b.iter().enumerate() {
        for w in 0..4 {
            cols[w * n + j] = q.desc[w];
        }
    }
    // padding lanes: the largest key, never chosen
    let lanes = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    let valid = |c: usize| -> __mmask8 { if c + 8 <= b.len() { 0xff } else { ((1u16 << (b.len() - c)) - 1) as __mmask8 } };
    let mut out = Vec::new();
    for (i, p) in a.iter().enumerate() {
        let d = if mirror { mirror_desc(&p.desc) } else { p.desc };
        let dv = d.map(|w| _mm512_set1_epi64(w as i64));
        let (mut m1, mut m2) = (_mm512_set1_epi64(-1), _mm512_set1_epi64(-1));
        for c in (0..n).step_by(8) {
            let mut h = _mm512_setzero_si512();
            for w in 0..4 {
                let q = _mm512_loadu_si512(cols.as_ptr().add(w * n + c) as *const _);
                h = _mm512_add_epi64(h, _mm512_popcnt_epi64(_mm512_xor_si512(q, dv[w])));
            }
            // key = distance << 32 | index
            let idx = _mm512_add_epi64(lanes, _mm512_set1_epi64(c as i64));
            let key = _mm512_mask_or_epi64(_mm512_set1_epi64(-1), valid(c), _mm512_slli_epi64::<32>(h), idx);
            let lo = _mm512_min_epu64(m1, key);
            let hi = _mm512_max_epu64(m1, key);
            m2 = _mm512_min_epu64(m2, hi);
            m1 = lo;
        }
        let mut keys = [0u64; 16];
        _mm512_storeu_si512(keys.as_mut_ptr() as *mut _, m1);
        _mm512_storeu_si512(keys.as_mut_ptr().add(8) as *mut _, m2);
        let (mut k1, mut k2) = (u64::MAX, u64::MAX);
        for k in keys {
            if k < k1 {
                k2 = k1;
                k1 = k;
            } else if k < k2 {
                k2 = k;
            }
        }
        let (best, second) = ((k1 >> 32) as u32, (k2 >> 32) as u32);
        if best <= MAX_DISTANCE && (best as f32) < RATIO * second as f32 {
            out.push((i, (k1 & 0xffff_ffff) as usize));
        }
    }
    out
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn matches_popcnt(a: &[Point], b: &[Point], mirror: bool) -> Vec<(usize, usize)> {
    matches_with(a, b, mirror)
}

#[inline(always)]
fn matches_with(a: &[Point], b: &[Point], mirror: bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, p) in a.iter().enumerate() {
        let d = if mirror { mirror_desc(&p.desc) } else { p.desc };
        let (mut best, mut second, mut bj) = (u32::MAX, u32::MAX, 0);
        for (j, q) in b.iter().enumerate() {
            let h = hamming(&d, &q.desc);
            if h < best {
                second = best;
                best = h;
                bj = j;
            } else if h < second {
                second = h;
            }
        }
        if best <= MAX_DISTANCE && (best as f32) < RATIO * second as f32 {
            out.push((i, bj));
        }
    }
    out
}

/// An affine map x' = A x + t.
#[derive(Clone, Copy, Debug)]
struct Affine {
    a: [f32; 4],
    t: [f32; 2],
}

impl Affine {
    fn apply(&self, (x, y): (f32, f32)) -> (f32, f32) {
        (self.a[0] * x + self.a[1] * y + self.t[0], self.a[2] * x + self.a[3] * y + self.t[1])
    }
    fn det(&self) -> f32 {
        self.a[0] * self.a[3] - self.a[1] * self.a[2]
    }
}

/// Least-squares affine map from `src` to `dst` (None when degenerate).
fn fit_affine(src: &[(f32, f32)], dst: &[(f32, f32)]) -> Option<Affine> {
    let n = src.len() as f32;
    if src.len() < 3 {
        return None;
    }
    let (mx, my) = src.iter().fold((0.0, 0.0), |s, p| (s.0 + p.0 / n, s.1 + p.1 / n));
    let (ux, uy) = dst.iter().fold((0.0, 0.0), |s, p| (s.0 + p.0 / n, s.1 + p.1 / n));
    let (mut sxx, mut sxy, mut syy, mut bx0, mut bx1, mut by0, mut by1) = (0f32, 0f32, 0f32, 0f32, 0f32, 0f32, 0f32);
    for (p, q) in src.iter().zip(dst) {
        let (x, y, u, v) = (p.0 - mx, p.1 - my, q.0 - ux, q.1 - uy);
        sxx += x * x;
        sxy += x * y;
        syy += y * y;
        bx0 += x * u;
        bx1 += y * u;
        by0 += x * v;
        by1 += y * v;
    }
    let det = sxx * syy - sxy * sxy;
    if det.abs() < 1e-3 * (sxx * syy).max(1e-6) {
        return None;
    }
    let inv = [syy / det, -sxy / det, -sxy / det, sxx / det];
    let a = [inv[0] * bx0 + inv[1] * bx1, inv[2] * bx0 + inv[3] * bx1, inv[0] * by0 + inv[1] * by1, inv[2] * by0 + inv[3] * by1];
    Some(Affine { a, t: [ux - a[0] * mx - a[1] * my, uy - a[2] * mx - a[3] * my] })
}

fn wrap(a: f32) -> f32 {
    let t = std::f32::consts::TAU;
    let r = a.rem_euclid(t);
    if r > std::f32::consts::PI { r - t } else { r }
}

/// Verifies `b` against `a` with the local features: the best of the direct and the mirrored
/// matching. The matching itself is one-directional (each of the first picture's points looks for
/// its nearest in the second), so the pair is always matched in one canonical order and the result
/// turned round when that order is `b`, `a`: a pair's evidence does not depend on which picture
/// comes first.
pub fn verify(a: &Features, b: &Features) -> LocalMatch {
    if canonical_order(b, a) == std::cmp::Ordering::Less {
        return verify_ordered(b, a).inverse();
    }
    verify_ordered(a, b)
}

/// What orders two pictures' features for matching: their point counts, sizes, then descriptors.
fn canonical_order(x: &Features, y: &Features) -> std::cmp::Ordering {
    (x.points.len(), x.width, x.height)
        .cmp(&(y.points.len(), y.width, y.height))
        .then_with(|| x.points.iter().map(|p| p.desc).cmp(y.points.iter().map(|p| p.desc)))
}

fn verify_ordered(a: &Features, b: &Features) -> LocalMatch {
    let direct = verify_one(a, b, false);
    let mirrored = verify_one(a, b, true);
    if mirrored.inliers > direct.inliers { mirrored } else { direct }
}

fn verify_one(a: &Features, b: &Features, mirror: bool) -> LocalMatch {
    let none = LocalMatch { mirrored: mirror, ..Default::default() };
    if a.points.len() < 4 || b.points.len() < 4 {
        return none;
    }
    let aw = a.width as f32;
    // a's points, mirrored (x -> w - 1 - x, angle -> pi - angle) when asked
    let pa: Vec<(f32, f32, f32, f32)> = a
        .points
        .iter()
        .map(|p| {
            let s = LEVEL_SCALE.powi(p.level as i32);
            if mirror { (aw - 1.0 - p.x, p.y, std::f32::consts::PI - p.angle, s) } else { (p.x, p.y, p.angle, s) }
        })
        .collect();
    let pb: Vec<(f32, f32, f32, f32)> = b.points.iter().map(|p| (p.x, p.y, p.angle, LEVEL_SCALE.powi(p.level as i32))).collect();
    let m = matches(&a.points, &b.points, mirror);
    if m.len() < 4 {
        return none;
    }
    let tol = (b.width.max(b.height) as f32 * 0.02).max(4.0);
    let tol2 = tol * tol;
    const ANGLE_TOL: f32 = 0.5;
    // hypotheses from pairs of matches: a similarity (complex z = s e^{i phi}, translation t)
    let mut best: Option<(usize, [f32; 4])> = None; // inliers, (zr, zi, tx, ty)
    let n = m.len();
    let pairs: Vec<(usize, usize)> = if n * (n - 1) / 2 <= 1500 {
        (0..n).flat_map(|i| (i + 1..n).map(move |j| (i, j))).collect()
    } else {
        let mut s: u32 = 12345;
        (0..1500)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                let i = s as usize % n;
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                let j = s as usize % n;
                (i, j)
            })
            .filter(|(i, j)| i != j)
            .collect()
    };
    // the matches' coordinates side by side, and the direction of each match's turn (b's
    // orientation minus a's) as a unit vector: a hypothesis z = s e^{i rot} agrees with a match's
    // turn within ANGLE_TOL when the cosine of their difference, (cos, sin) . (zr, zi) / s, is at
    // least cos(ANGLE_TOL) (no arctangent or remainder per test); one vectorised loop per count
    let (mx, my): (Vec<f32>, Vec<f32>) = m.iter().map(|&(i, _)| (pa[i].0, pa[i].1)).unzip();
    let (mu, mv): (Vec<f32>, Vec<f32>) = m.iter().map(|&(_, j)| (pb[j].0, pb[j].1)).unzip();
    let (mc, ms): (Vec<f32>, Vec<f32>) = m
        .iter()
        .map(|&(i, j)| {
            let (sin, cos) = (pb[j].2 - pa[i].2).sin_cos();
            (cos, sin)
        })
        .unzip();
    let cos_tol = ANGLE_TOL.cos();
    let turn_agrees = |k: usize, zr: f32, zi: f32, s: f32| mc[k] * zr + ms[k] * zi >= cos_tol * s;
    let count = |zr: f32, zi: f32, tx: f32, ty: f32, s: f32| {
        let mut c = 0usize;
        for k in 0..n {
            let (x, y, u, v) = (mx[k], my[k], mu[k], mv[k]);
            let (px, py) = (zr * x - zi * y + tx, zi * x + zr * y + ty);
            let near = (px - u) * (px - u) + (py - v) * (py - v) <= tol2;
            c += (near & turn_agrees(k, zr, zi, s)) as usize;
        }
        c
    };
    for (i, j) in pairs {
        let (ai, bi) = (pa[m[i].0], pb[m[i].1]);
        let (aj, bj) = (pa[m[j].0], pb[m[j].1]);
        let (dax, day) = (aj.0 - ai.0, aj.1 - ai.1);
        let (dbx, dby) = (bj.0 - bi.0, bj.1 - bi.1);
        let la = dax * dax + day * day;
        if la < 64.0 || dbx * dbx + dby * dby < 16.0 {
            continue;
        }
        // z = db / da
        let (zr, zi) = ((dbx * dax + dby * day) / la, (dby * dax - dbx * day) / la);
        let s = (zr * zr + zi * zi).sqrt();
        if !(0.125..=8.0).contains(&s) {
            continue;
        }
        // both matches' own orientations and scales must agree with the pair's
        if !turn_agrees(i, zr, zi, s) || !turn_agrees(j, zr, zi, s) {
            continue;
        }
        let sc = |p: (f32, f32, f32, f32), q: (f32, f32, f32, f32)| (q.3 / p.3 / s).ln().abs() <= 0.9;
        if !sc(ai, bi) || !sc(aj, bj) {
            continue;
        }
        let (tx, ty) = (bi.0 - (zr * ai.0 - zi * ai.1), bi.1 - (zi * ai.0 + zr * ai.1));
        let c = count(zr, zi, tx, ty, s);
        if best.is_none_or(|(b, _)| c > b) {
            best = Some((c, [zr, zi, tx, ty]));
        }
    }
    let Some((_, [zr, zi, tx, ty])) = best else { return none };
    let rot = zi.atan2(zr);
    let mut map = Affine { a: [zr, -zi, zi, zr], t: [tx, ty] };
    // refine: affine least squares on the inliers, twice
    let inliers_of = |map: &Affine| -> Vec<(usize, usize)> {
        m.iter()
            .copied()
            .filter(|&(i, j)| {
                let (px, py) = map.apply((pa[i].0, pa[i].1));
                let (u, v) = (pb[j].0, pb[j].1);
                (px - u) * (px - u) + (py - v) * (py - v) <= tol2 && wrap(pb[j].2 - pa[i].2 - rot).abs() <= ANGLE_TOL
            })
            .collect()
    };
    let mut inl = inliers_of(&map);
    for _ in 0..2 {
        let src: Vec<(f32, f32)> = inl.iter().map(|&(i, _)| (pa[i].0, pa[i].1)).collect();
        let dst: Vec<(f32, f32)> = inl.iter().map(|&(_, j)| (pb[j].0, pb[j].1)).collect();
        let Some(f) = fit_affine(&src, &dst) else { break };
        // keep the map near a similarity: no fold, no strong shear
        let (d, sim) = (f.det(), zr * zr + zi * zi);
        if !(d > 0.0 && (d / sim).ln().abs() < 1.0) {
            break;
        }
        let next = inliers_of(&f);
        if next.len() < inl.len() {
            break;
        }
        map = f;
        inl = next;
    }
    // one b point may be matched by several a points: count each once
    let mut used_b: Vec<usize> = inl.iter().map(|&(_, j)| j).collect();
    used_b.sort_unstable();
    used_b.dedup();
    let inliers = used_b.len();
    // the overlap: a's points that land inside b, b's points whose preimage is inside a
    let (bw, bh) = (b.width as f32, b.height as f32);
    let inside_b = |(x, y): (f32, f32)| x >= -0.5 && y >= -0.5 && x <= bw - 0.5 && y <= bh - 0.5;
    let a_over = pa.iter().filter(|p| inside_b(map.apply((p.0, p.1)))).count();
    let inv = {
        let d = map.det();
        let ia = [map.a[3] / d, -map.a[1] / d, -map.a[2] / d, map.a[0] / d];
        Affine { a: ia, t: [-(ia[0] * map.t[0] + ia[1] * map.t[1]), -(ia[2] * map.t[0] + ia[3] * map.t[1])] }
    };
    let (aw_, ah) = (a.width as f32, a.height as f32);
    let inside_a = |(x, y): (f32, f32)| x >= -0.5 && y >= -0.5 && x <= aw_ - 0.5 && y <= ah - 0.5;
    let b_over = pb.iter().filter(|p| inside_a(inv.apply((p.0, p.1)))).count();
    let support = inliers as f32 / a_over.min(b_over).max(1) as f32;
    // areas from a grid of sample points (corners and interior) of each picture
    let grid = |w: f32, h: f32| (0..9).flat_map(move |i| (0..9).map(move |j| ((i as f32 + 0.5) / 9.0 * w, (j as f32 + 0.5) / 9.0 * h)));
    let a_in_b = grid(aw_, ah).filter(|&p| inside_b(map.apply(p))).count() as f32 / 81.0;
    let b_covered = grid(bw, bh).filter(|&p| inside_a(inv.apply(p))).count() as f32 / 81.0;
    LocalMatch {
        inliers: inliers as u32,
        support: support.min(1.0),
        rotation: -rot, // y points down: a positive angle in the image frame turns clockwise on screen
        scale: map.det().sqrt(),
        mirrored: mirror,
        a_in_b,
        b_covered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A grey picture with corners at several scales: rectangles and discs of varied grey levels.
    fn scene(w: usize, h: usize, seed: u64) -> Vec<f32> {
        let mut g = vec![128f32; w * h];
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut r = move |n: usize| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % n as u64) as usize
        };
        for _ in 0..60 {
            let (x0, y0) = (r(w), r(h));
            let (rw, rh) = (8 + r(w / 5), 8 + r(h / 5));
            let v = r(256) as f32;
            let disc = r(3) == 0;
            for y in y0..(y0 + rh).min(h) {
                for x in x0..(x0 + rw).min(w) {
                    let inside = !disc || {
                        let (dx, dy) = ((x - x0) as f32 / rw as f32 - 0.5, (y - y0) as f32 / rh as f32 - 0.5);
                        dx * dx + dy * dy <= 0.25
                    };
                    if inside {
                        g[y * w + x] = v;
                    }
                }
            }
        }
        g
    }

    fn turn(g: &[f32], w: usize, h: usize) -> Vec<f32> {
        // counter-clockwise on screen: input (x, y) lands at (y, w - 1 - x), as copies::turn_rgb
        let mut out = vec![0f32; w * h];
        for y in 0..h {
            for x in 0..w {
                out[(w - 1 - x) * h + y] = g[y * w + x];
            }
        }
        out
    }

    fn mirror(g: &[f32], w: usize, h: usize) -> Vec<f32> {
        let mut out = vec![0f32; w * h];
        for y in 0..h {
            for x in 0..w {
                out[y * w + (w - 1 - x)] = g[y * w + x];
            }
        }
        out
    }

    #[test]
    fn arc_detection_handles_wrap_around() {
        assert!(arc9(0b1_1111_1111));
        assert!(!arc9(0b1111_1111));
        assert!(!arc9(0xF00F)); // 8 across the wrap
        assert!(!arc9(0b0101_0101_0101_0101));
        assert!(arc9(0xF01F)); // bits 0-4 and 12-15: 9 in a row across the wrap
    }

    #[test]
    fn bytes_round_trip_and_mirrored_pattern() {
        let (w, h) = (400, 300);
        let f = Features::from_grey(&scene(w, h, 1), w, h);
        assert!(f.points.len() > 100, "{}", f.points.len());
        let mut b = Vec::new();
        f.to_bytes(&mut b);
        let g = Features::from_bytes(&b).unwrap();
        assert_eq!(g.points.len(), f.points.len());
        assert_eq!(g.points[0].desc, f.points[0].desc);
        assert!(Features::from_bytes(&b[..b.len() - 1]).is_err());
        let p = pattern();
        for i in 0..128 {
            assert_eq!(p[i + 128][0], (p[i][0].0, -p[i][0].1));
        }
    }

    #[test]
    fn copies_match_and_other_pictures_do_not() {
        let (w, h) = (480, 360);
        let g = scene(w, h, 3);
        let a = Features::from_grey(&g, w, h);
        let same = verify(&a, &a);
        assert!(same.inliers > 100 && same.support > 0.8 && !same.mirrored, "{same:?}");
        // turned
        let t = Features::from_grey(&turn(&g, w, h), h, w);
        let v = verify(&a, &t);
        assert!(v.inliers > 30 && !v.mirrored, "{v:?}");
        assert!((v.rotation - std::f32::consts::FRAC_PI_2).abs() < 0.1, "{v:?}");
        // mirrored
        let mi = Features::from_grey(&mirror(&g, w, h), w, h);
        let v = verify(&a, &mi);
        assert!(v.inliers > 30 && v.mirrored && v.rotation.abs() < 0.1, "{v:?}");
        // a crop of a third of the area, enlarged
        let (cx, cy, cw, ch) = (150, 100, 200, 150);
        let crop: Vec<f32> = (cy..cy + ch).flat_map(|y| g[y * w + cx..y * w + cx + cw].to_vec()).collect();
        let big = crate::copies::resample(&crop, cw, ch, (0.0, 0.0, cw as f32, ch as f32), 400, 300);
        let c = Features::from_grey(&big, 400, 300);
        let v = verify(&a, &c);
        assert!(v.inliers > 8, "{v:?}");
        assert!((v.scale - 2.0).abs() < 0.2, "{v:?}");
        assert!(v.b_covered > 0.9 && v.a_in_b < 0.3, "{v:?}");
        // another picture
        let o = Features::from_grey(&scene(w, h, 4), w, h);
        let v = verify(&a, &o);
        assert!(v.inliers < 8, "{v:?}");
    }

    #[test]
    fn a_pair_matches_the_same_whichever_picture_comes_first() {
        let (w, h) = (480, 360);
        let g = scene(w, h, 5);
        let a = Features::from_grey(&g, w, h);
        let (cx, cy, cw, ch) = (100, 60, 260, 200);
        let crop: Vec<f32> = (cy..cy + ch).flat_map(|y| g[y * w + cx..y * w + cx + cw].to_vec()).collect();
        let small = crate::copies::resample(&crop, cw, ch, (0.0, 0.0, cw as f32, ch as f32), 195, 150);
        let turned = turn(&small, 195, 150);
        let mirrored = mirror(&turned, 150, 195);
        for (b, bw, bh) in [(small.clone(), 195, 150), (turned, 150, 195), (mirrored, 150, 195)] {
            let b = Features::from_grey(&b, bw, bh);
            let (ab, ba) = (verify(&a, &b), verify(&b, &a));
            assert!(ab.inliers > 10, "{ab:?}");
            assert_eq!((ab.inliers, ab.support, ab.mirrored), (ba.inliers, ba.support, ba.mirrored));
            assert_eq!((ab.a_in_b, ab.b_covered), (ba.b_covered, ba.a_in_b));
            assert!((ab.scale * ba.scale - 1.0).abs() < 1e-4, "{ab:?} {ba:?}");
            // the transforms are each other's inverse: turns by t and 4 - t, mirrors their own
            let (t, u) = (ab.dihedral(), ba.dihedral());
            assert_eq!(if t >= 4 { t } else { (4 - t) % 4 }, u, "{ab:?} {ba:?}");
        }
    }

    #[test]
    fn tiny_and_flat_images_have_few_or_no_features() {
        assert!(Features::from_grey(&[100.0; 20 * 20], 20, 20).points.is_empty());
        assert!(Features::from_grey(&vec![100.0; 300 * 300], 300, 300).points.is_empty());
        let strip = scene(4000, 20, 2);
        let f = Features::from_grey(&strip, 4000, 20);
        assert!(f.points.is_empty());
        assert_eq!(verify(&f, &f).inliers, 0);
    }
    #[test]
    fn every_descriptor_search_finds_the_same_matches() {
        let mut found = 0;
        let mut s: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for (na, nb, sparse) in [(192, 192, false), (50, 7, false), (30, 1, false), (40, 9, true), (0, 5, false), (20, 0, false), (64, 64, true)] {
            // sparse: few bits set, so that distances tie and the ratio test decides often
            let mut desc = |_: usize| -> [u64; 4] {
                let mut word = || {
                    let (x, y, z) = (next(), next(), next());
                    if sparse { x & y & (z | 0xF0F0) } else { x }
                };
                [word(), word(), word(), word()]
            };
            let pts = |n: usize, desc: &mut dyn FnMut(usize) -> [u64; 4]| -> Vec<Point> {
                (0..n).map(|k| Point { x: k as f32, y: 0.0, level: 0, angle: 0.0, desc: desc(k) }).collect()
            };
            let a = pts(na, &mut desc);
            let mut b = pts(nb, &mut desc);
            // near copies of some of a's descriptors, one of them twice (a tie)
            for (k, q) in b.iter_mut().enumerate().take(na.min(nb) / 2) {
                q.desc = a[k].desc;
                q.desc[k % 4] ^= 1 << (k % 64);
            }
            if nb > 3 && na > 0 {
                b[nb - 1].desc = b[0].desc;
            }
            for mirror in [false, true] {
                let want = matches_with(&a, &b, mirror);
                found += want.len();
                assert_eq!(matches(&a, &b, mirror), want, "{na} x {nb}, mirror {mirror}");
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("popcnt") {
                    assert_eq!(unsafe { matches_popcnt(&a, &b, mirror) }, want);
                }
            }
        }
        assert!(found > 100, "{found} matches: the test must exercise the ratio test");
    }
}

