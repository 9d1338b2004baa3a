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
//! Here the features and their bytes; `detect` finds and describes points, `matching` pairs
//! descriptors, `geometry` verifies the pairs.

use crate::error::{Error, Result};

mod detect;
mod geometry;
mod matching;
pub mod words;

use detect::{binomial, describe, fast, orientation, pattern, select};
pub use geometry::verify;

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
    /// The map the inliers agree on, from a's first level's pixel frame to b's, the mirror
    /// included: a homography, row-major, (x', y', w') = M (x, y, 1) (an affine map where the
    /// matches allow no better; zeros when there are no inliers).
    pub map: [f32; 9],
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
            map: invert_map(&self.map),
            ..*self
        }
    }

    /// Where `map` takes a point of a's frame in b's (not finite where it has no image).
    pub fn apply(&self, (x, y): (f32, f32)) -> (f32, f32) {
        let m = &self.map;
        let w = m[6] * x + m[7] * y + m[8];
        ((m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w)
    }

    /// The match between a box of one picture and the other (or of each) seen between the whole
    /// pictures: `a_box` (`b_box`) places the frame a's (b's) features were found in inside the
    /// whole picture's frame, `x' = ox + kx x`, `y' = oy + ky y` (None: the frame is the picture's),
    /// and `a_size`, `b_size` are the whole pictures' frames. The map, scale and shares of the
    /// areas are of the whole pictures; inliers and support stay the box's.
    pub fn reframed(&self, a_box: Option<[f32; 4]>, b_box: Option<[f32; 4]>, a_size: (f32, f32), b_size: (f32, f32)) -> LocalMatch {
        if self.inliers == 0 {
            return LocalMatch { a_in_b: 0.0, b_covered: 0.0, ..*self };
        }
        let place = |p: Option<[f32; 4]>| p.map(|[ox, oy, kx, ky]| [kx, 0.0, ox, 0.0, ky, oy, 0.0, 0.0, 1.0]).unwrap_or([1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        let (ta, tb) = (place(a_box), place(b_box));
        let map = mul_map(&tb, &mul_map(&self.map, &invert_map(&ta)));
        if map[8].abs() < 1e-12 || map.iter().any(|v| !v.is_finite()) {
            return LocalMatch::default();
        }
        let map = map.map(|v| v / map[8]);
        let k = |t: &[f32; 9]| (t[0] * t[4]).abs().sqrt();
        let out = LocalMatch { map, scale: self.scale * k(&tb) / k(&ta), ..*self };
        let inv = out.inverse();
        let inside = |(w, h): (f32, f32)| move |(x, y): (f32, f32)| x >= -0.5 && y >= -0.5 && x <= w - 0.5 && y <= h - 0.5;
        let share = |(w, h): (f32, f32), m: &LocalMatch, to: (f32, f32)| {
            let within = inside(to);
            (0..81).filter(|i| within(m.apply((((i / 9) as f32 + 0.5) / 9.0 * w, ((i % 9) as f32 + 0.5) / 9.0 * h)))).count() as f32 / 81.0
        };
        LocalMatch { a_in_b: share(a_size, &out, b_size), b_covered: share(b_size, &inv, a_size), ..out }
    }

    /// The nearest of the eight turns and mirrors, as `copies::Verdict::transform` numbers them
    /// (turn counter-clockwise by 90 * (t % 4) degrees, then mirror when t >= 4).
    pub fn dihedral(&self) -> u8 {
        let quarter = |r: f32| ((r / std::f32::consts::FRAC_PI_2).round() as i32).rem_euclid(4) as u8;
        // mirror, then turn by r  ==  turn by -r, then mirror
        if self.mirrored { 4 + quarter(-self.rotation) } else { quarter(self.rotation) }
    }
}

/// The product x y of two maps written as `LocalMatch::map` (y applied first).
fn mul_map(x: &[f32; 9], y: &[f32; 9]) -> [f32; 9] {
    std::array::from_fn(|i| (0..3).map(|k| x[i / 3 * 3 + k] * y[k * 3 + i % 3]).sum())
}

/// The inverse of a map written as `LocalMatch::map` (zeros when it has none).
fn invert_map(m: &[f32; 9]) -> [f32; 9] {
    let m = m.map(|v| v as f64);
    let c = [
        m[4] * m[8] - m[5] * m[7],
        m[2] * m[7] - m[1] * m[8],
        m[1] * m[5] - m[2] * m[4],
        m[5] * m[6] - m[3] * m[8],
        m[0] * m[8] - m[2] * m[6],
        m[2] * m[3] - m[0] * m[5],
        m[3] * m[7] - m[4] * m[6],
        m[1] * m[6] - m[0] * m[7],
        m[0] * m[4] - m[1] * m[3],
    ];
    let d = m[0] * c[0] + m[1] * c[3] + m[2] * c[6];
    if d.abs() < 1e-12 || c[8].abs() < 1e-12 {
        return [0.0; 9];
    }
    // scaled so that the last entry is 1, as the fitted maps are
    c.map(|v| (v / c[8]) as f32)
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

#[cfg(test)]
mod tests;
