//! The grey grids compared under the map the local features agree on: what verifies a copy
//! turned by a few degrees, seen in perspective, or cropped or padded where the part search's
//! steps (eight turns and mirrors, nine sizes) do not reach. The local features alone say where a
//! picture lies in the other; they cannot say that the rest matches too (two dialogs of one program
//! share their buttons); the grids, brought into one frame by that map and compared over their
//! overlap as `copies` compares them (gradient correlation), can.
//!
//! The coarser of the two grids over the overlap is the frame: each of its cells is compared with
//! the other grid averaged over the cell's footprint (up to 4x4 bilinear samples), so both sides
//! are seen at the same resolution, and both are smoothed by one [1 2 1] pass before their
//! gradients (the resampling smooths the warped grid; unsmoothed, a copy turned by 10 degrees
//! correlated at 0.91-0.94, below the whole-picture threshold). Pure Rust; called by
//! `copies::verify_prepared`.

use crate::colour;
use crate::copies::{dot, gradient, Alignment, Fingerprint, Verdict, SIDE};
use crate::inner::turn_box;
use crate::keypoints::LocalMatch;

/// Local-feature matches the map needs before the grids are compared under it.
pub const MIN_INLIERS: u32 = 8;
/// Cells of the frame the overlap must hold (an 8x8 patch of the 64x64 grid).
const MIN_CELLS: usize = 64;
/// Both pictures at least this much inside the other: compared as whole pictures.
pub const WHOLE_OVERLAP: f32 = 0.8;
/// What a comparison under the map gives up against the grids' own alignments and the thresholds
/// fitted on them: its grids are smoothed and its map has more freedom (a homography fitted to
/// the matches), so look-alikes (jigsaw pieces of one template, arrows of one set, icons of one
/// theme) score higher under it, parts most. On the invariance benchmark (docs/QUALITY.md,
/// "Aligned by the local features") 0.01 whole and 0.02 for parts kept the rules' pair precision
/// where it was and most of the copies the comparison adds.
pub const WHOLE_DISCOUNT: f32 = 0.01;
pub const PART_DISCOUNT: f32 = 0.02;
/// A verdict already scoring this (whole or as a part) is not compared again under the map: the
/// comparison is spent on the pairs it can change.
const SETTLED: f32 = 0.99;
/// Largest number of samples per cell side averaged from the finer grid.
const MAX_SUPER: usize = 4;

/// The two grids compared under the local features' map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Aligned {
    /// Gradient correlation over the overlap, in [-1, 1].
    pub score: f32,
    /// Share of a's content box that lands inside b's, and of b's inside a's.
    pub a_in_b: f32,
    pub b_in_a: f32,
    /// The smaller picture's bounding box in the larger's content box (fractions x, y, w, h):
    /// a's in b's when `a_in_b >= b_in_a`, else b's in a's.
    pub part: (f32, f32, f32, f32),
}

/// Where a fingerprint's grid lies in its local features' frame.
#[derive(Clone, Copy)]
struct Frame {
    /// Content box in the local frame's continuous coordinates (pixel i spans [i, i + 1]).
    x0: f32,
    y0: f32,
    cw: f32,
    ch: f32,
}

impl Frame {
    fn of(fp: &Fingerprint) -> Option<Frame> {
        let (w, h) = (fp.local.width as f32, fp.local.height as f32);
        let c = fp.content;
        let f = Frame { x0: c[0] * w, y0: c[1] * h, cw: (c[2] - c[0]) * w, ch: (c[3] - c[1]) * h };
        (f.cw > 0.0 && f.ch > 0.0).then_some(f)
    }

    /// A grid position (cell centres at integers) in the local frame (pixel centres at integers).
    fn to_local(self, (gx, gy): (f32, f32)) -> (f32, f32) {
        let s = SIDE as f32;
        (self.x0 + (gx + 0.5) / s * self.cw - 0.5, self.y0 + (gy + 0.5) / s * self.ch - 0.5)
    }

    fn to_grid(self, (x, y): (f32, f32)) -> (f32, f32) {
        let s = SIDE as f32;
        ((x + 0.5 - self.x0) / self.cw * s - 0.5, (y + 0.5 - self.y0) / self.ch * s - 0.5)
    }
}

/// Whether a grid position lies on the grid (within half a cell of its outer cell centres; never
/// when it is not finite).
fn on_grid((x, y): (f32, f32)) -> bool {
    let hi = SIDE as f32 - 0.5;
    x >= -0.5 && y >= -0.5 && x <= hi && y <= hi
}

/// Bilinear sample of a SIDE x SIDE grid at a position on it (clamped to the outer cell centres).
fn sample(g: &[f32], (x, y): (f32, f32)) -> f32 {
    let n = SIDE - 1;
    let (x, y) = (x.clamp(0.0, n as f32), y.clamp(0.0, n as f32));
    let (x0, y0) = ((x as usize).min(n - 1), (y as usize).min(n - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let i = y0 * SIDE + x0;
    let top = g[i] * (1.0 - fx) + g[i + 1] * fx;
    let bottom = g[i + SIDE] * (1.0 - fx) + g[i + SIDE + 1] * fx;
    top * (1.0 - fy) + bottom * fy
}

/// A SIDE x SIDE grid smoothed by the [1 2 1] / 4 kernel along both axes (borders repeated).
fn binomial(g: &[f32]) -> Vec<f32> {
    let n = SIDE;
    let pass = |g: &[f32], step: usize, along: fn(usize) -> usize| -> Vec<f32> {
        (0..n * n)
            .map(|i| {
                let k = along(i);
                let lo = if k == 0 { i } else { i - step };
                let hi = if k + 1 == n { i } else { i + step };
                0.25 * g[lo] + 0.5 * g[i] + 0.25 * g[hi]
            })
            .collect()
    };
    let x = pass(g, 1, |i| i % SIDE);
    pass(&x, n, |i| i / SIDE)
}

/// A grid-to-grid map: from `dst`'s grid positions to `src`'s, through the local frames.
struct GridMap<'m> {
    dst: Frame,
    src: Frame,
    /// local frame of dst -> local frame of src
    local: &'m LocalMatch,
}

impl GridMap<'_> {
    fn apply(&self, p: (f32, f32)) -> (f32, f32) {
        self.src.to_grid(self.local.apply(self.dst.to_local(p)))
    }

    /// Share of dst's grid (16 x 16 sample points) that lands on src's.
    fn overlap(&self) -> f32 {
        let n = 16;
        let step = SIDE as f32 / n as f32;
        let inside = (0..n * n)
            .filter(|k| on_grid(self.apply(((k % n) as f32 * step + step / 2.0 - 0.5, (k / n) as f32 * step + step / 2.0 - 0.5))))
            .count();
        inside as f32 / (n * n) as f32
    }

    /// Cells of src per cell of dst, along a side (the square root of the map's area ratio).
    fn scale(&self) -> f32 {
        let c = (SIDE as f32 / 2.0, SIDE as f32 / 2.0);
        let (o, x, y) = (self.apply(c), self.apply((c.0 + 1.0, c.1)), self.apply((c.0, c.1 + 1.0)));
        let det = (x.0 - o.0) * (y.1 - o.1) - (x.1 - o.1) * (y.0 - o.0);
        det.abs().sqrt()
    }

    /// The bounding box of dst's grid in src's content box, as fractions (x, y, w, h), clipped to it.
    fn bounds(&self) -> (f32, f32, f32, f32) {
        let e = SIDE as f32 - 0.5;
        let corners = [(-0.5, -0.5), (e, -0.5), (-0.5, e), (e, e)].map(|p| self.apply(p));
        let f = |v: f32| ((v + 0.5) / SIDE as f32).clamp(0.0, 1.0);
        let (x0, x1) = corners.iter().fold((1f32, 0f32), |(lo, hi), p| (lo.min(f(p.0)), hi.max(f(p.0))));
        let (y0, y1) = corners.iter().fold((1f32, 0f32), |(lo, hi), p| (lo.min(f(p.1)), hi.max(f(p.1))));
        (x0, y0, (x1 - x0).max(0.0), (y1 - y0).max(0.0))
    }

    /// Gradient correlation of dst's grid with src's brought into dst's frame, over the cells
    /// (and their neighbours) that land on src's grid; None when too few do or they hold no edges.
    fn correlate(&self, dst: &[f32], src: &[f32]) -> Option<f32> {
        let k = (self.scale().round() as usize).clamp(1, MAX_SUPER);
        let mut warped = vec![0f32; SIDE * SIDE];
        let mut valid = vec![false; SIDE * SIDE];
        for gy in 0..SIDE {
            for gx in 0..SIDE {
                let (mut sum, mut ok) = (0f32, true);
                for sy in 0..k {
                    for sx in 0..k {
                        let p = (gx as f32 + (sx as f32 + 0.5) / k as f32 - 0.5, gy as f32 + (sy as f32 + 0.5) / k as f32 - 0.5);
                        let q = self.apply(p);
                        ok &= on_grid(q);
                        // a map with no image there (a homography's horizon) gives no sample; off
                        // the grid the nearest edge is sampled (it is masked, but smoothed into
                        // its neighbours' gradients as it was measured)
                        if q.0.is_finite() && q.1.is_finite() {
                            sum += sample(src, q);
                        }
                    }
                }
                warped[gy * SIDE + gx] = sum / (k * k) as f32;
                valid[gy * SIDE + gx] = ok;
            }
        }
        // a cell counts when it and the neighbours its gradient reads are on src's grid
        let counts = |i: usize| {
            let (x, y) = (i % SIDE, i / SIDE);
            valid[i]
                && (x == 0 || valid[i - 1])
                && (x + 1 == SIDE || valid[i + 1])
                && (y == 0 || valid[i - SIDE])
                && (y + 1 == SIDE || valid[i + SIDE])
        };
        let mask: Vec<f32> = (0..SIDE * SIDE).flat_map(|i| if counts(i) { [1.0, 1.0] } else { [0.0, 0.0] }).collect();
        let cells = mask.iter().filter(|&&m| m > 0.0).count() / 2;
        if cells < MIN_CELLS {
            return None;
        }
        let masked = |g: Vec<f32>| -> Vec<f32> { g.iter().zip(&mask).map(|(v, m)| v * m).collect() };
        // both smoothed alike: the warped grid is already smoothed by its resampling, the other not
        let gw = masked(gradient(&binomial(&warped), SIDE, SIDE));
        let gd = masked(gradient(&binomial(dst), SIDE, SIDE));
        let (ew, ed) = (dot(&gw, &gw), dot(&gd, &gd));
        // as `grids::unit`: too few edges over the overlap to compare
        let floor = 0.05 * 0.05 * (2 * cells) as f32;
        if ew < floor || ed < floor {
            return None;
        }
        Some((dot(&gw, &gd) / (ew * ed).sqrt()).clamp(-1.0, 1.0)).filter(|c| c.is_finite())
    }
}

/// The grids of `a` and `b` (SIDE x SIDE grey levels of their content boxes) compared under `m`,
/// the local features' map from a to b; None when the map is missing or degenerate, the overlap
/// is too small or holds no edges.
pub fn aligned(a: &Fingerprint, a_grey: &[f32], b: &Fingerprint, b_grey: &[f32], m: &LocalMatch) -> Option<Aligned> {
    if m.inliers < MIN_INLIERS || m.map.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let inv = m.inverse();
    if inv.map == [0.0; 9] {
        return None;
    }
    let (fa, fb) = (Frame::of(a)?, Frame::of(b)?);
    let b_to_a = GridMap { dst: fb, src: fa, local: &inv };
    let a_to_b = GridMap { dst: fa, src: fb, local: m };
    let (a_in_b, b_in_a) = (a_to_b.overlap(), b_to_a.overlap());
    // the frame is the coarser grid over the overlap: b's when a cell of b spans at least one of a
    let score = if b_to_a.scale() >= 1.0 { b_to_a.correlate(b_grey, a_grey)? } else { a_to_b.correlate(a_grey, b_grey)? };
    let part = if a_in_b >= b_in_a { a_to_b.bounds() } else { b_to_a.bounds() };
    Some(Aligned { score, a_in_b, b_in_a, part })
}

/// `v` (and the colour comparison's `part`) replaced by the grids' comparison under `v.local`'s
/// map where that scores higher: as whole pictures when each lies at least `WHOLE_OVERLAP`
/// inside the other (its score less `WHOLE_DISCOUNT`), else as a part (less `PART_DISCOUNT`), the
/// transform the nearest of the eight turns and mirrors to the map.
pub(crate) fn improve(v: &mut Verdict, part: &mut Option<colour::Part>, (a, a_grey): (&Fingerprint, &[f32]), (b, b_grey): (&Fingerprint, &[f32])) {
    if v.score >= SETTLED {
        return;
    }
    let Some(al) = aligned(a, a_grey, b, b_grey, &v.local) else { return };
    let whole = al.a_in_b >= WHOLE_OVERLAP && al.b_in_a >= WHOLE_OVERLAP;
    let score = al.score - if whole { WHOLE_DISCOUNT } else { PART_DISCOUNT };
    if score <= v.score {
        return;
    }
    v.score = score;
    v.transform = v.local.dihedral();
    v.aspect_mismatch = 0.0;
    if whole {
        v.alignment = Alignment::Whole;
        v.area = 1.0;
        *part = None;
    } else {
        let a_is_small = al.a_in_b >= al.b_in_a;
        v.alignment = if a_is_small { Alignment::AInB } else { Alignment::BInA };
        v.area = if a_is_small { al.b_in_a } else { al.a_in_b }.max(0.01);
        let (x, y, w, h) = if a_is_small { al.part } else { turn_box(al.part, v.transform) };
        *part = Some(colour::Part { a_is_small, x, y, w, h });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::copies::{verify, Fingerprint};

    /// An RGB picture with corners at several scales: rectangles and discs of varied colours.
    fn scene(w: usize, h: usize, seed: u64) -> Vec<u8> {
        let mut g = vec![128u8; w * h * 3];
        let mut r = crate::testing::xorshift(seed);
        for _ in 0..70 {
            let (x0, y0) = (r(w), r(h));
            let (rw, rh) = (8 + r(w / 5), 8 + r(h / 5));
            let v = [r(256) as u8, r(256) as u8, r(256) as u8];
            let disc = r(3) == 0;
            for y in y0..(y0 + rh).min(h) {
                for x in x0..(x0 + rw).min(w) {
                    let (dx, dy) = ((x - x0) as f32 / rw as f32 - 0.5, (y - y0) as f32 / rh as f32 - 0.5);
                    if !disc || dx * dx + dy * dy <= 0.25 {
                        g[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&v);
                    }
                }
            }
        }
        g
    }

    /// `rgb` seen through `map` (output pixel -> input pixel), bilinear, black outside.
    fn warp(rgb: &[u8], w: usize, h: usize, map: impl Fn(f32, f32) -> (f32, f32)) -> Vec<u8> {
        let mut out = vec![0u8; w * h * 3];
        for y in 0..h {
            for x in 0..w {
                let (sx, sy) = map(x as f32, y as f32);
                if sx < 0.0 || sy < 0.0 || sx > (w - 1) as f32 || sy > (h - 1) as f32 {
                    continue;
                }
                let (x0, y0) = ((sx as usize).min(w - 2), (sy as usize).min(h - 2));
                let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
                for c in 0..3 {
                    let p = |xx: usize, yy: usize| rgb[(yy * w + xx) * 3 + c] as f32;
                    let v = (p(x0, y0) * (1.0 - fx) + p(x0 + 1, y0) * fx) * (1.0 - fy) + (p(x0, y0 + 1) * (1.0 - fx) + p(x0 + 1, y0 + 1) * fx) * fy;
                    out[(y * w + x) * 3 + c] = v.round() as u8;
                }
            }
        }
        out
    }

    #[test]
    fn a_copy_turned_by_a_few_degrees_verifies_whole_under_the_local_map() {
        let (w, h) = (320, 240);
        let img = scene(w, h, 3);
        let (c, s) = (8f32.to_radians().cos(), 8f32.to_radians().sin());
        let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
        let turned = warp(&img, w, h, |x, y| (c * (x - cx) - s * (y - cy) + cx, s * (x - cx) + c * (y - cy) + cy));
        let (a, b) = (Fingerprint::from_rgb(&img, w, h).unwrap(), Fingerprint::from_rgb(&turned, w, h).unwrap());
        let v = verify(&a, &b, true);
        assert!(v.local.inliers >= MIN_INLIERS, "{v:?}");
        assert!(v.whole < 0.8, "the grids as they are do not align: {v:?}");
        assert!(v.score >= 0.95 && v.alignment == Alignment::Whole && v.transform == 0, "{v:?}");
        // the same either way round
        let back = verify(&b, &a, true);
        assert!(back.score >= 0.95 && back.alignment == Alignment::Whole, "{back:?}");
        // another picture, turned the same way, is not aligned into a copy
        let other = Fingerprint::from_rgb(&warp(&scene(w, h, 11), w, h, |x, y| (c * (x - cx) - s * (y - cy) + cx, s * (x - cx) + c * (y - cy) + cy)), w, h).unwrap();
        assert!(verify(&a, &other, true).score < 0.8);
    }

    #[test]
    fn a_copy_seen_in_perspective_verifies_under_a_homography() {
        let (w, h) = (320, 240);
        let img = scene(w, h, 5);
        // a plane tilted away at the top: the top enlarged by 5 %, the bottom shrunk by 5 %
        // (output -> input; a homography, as a camera sees a flat picture)
        let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
        let seen = warp(&img, w, h, |x, y| {
            let d = 1.0 + 0.1 * (y / h as f32 - 0.5);
            ((x - cx) / d + cx, (y - cy) / d + cy)
        });
        let (a, b) = (Fingerprint::from_rgb(&img, w, h).unwrap(), Fingerprint::from_rgb(&seen, w, h).unwrap());
        let v = verify(&a, &b, true);
        assert!(v.score >= 0.95 && v.alignment == Alignment::Whole, "{v:?}");
        assert!(v.whole < 0.85, "the grids as they are do not align: {v:?}");
    }

    #[test]
    fn no_map_or_too_few_matches_compare_nothing() {
        let (w, h) = (160, 120);
        let a = Fingerprint::from_rgb(&scene(w, h, 1), w, h).unwrap();
        let grey: Vec<f32> = a.grey.iter().map(|&g| g as f32).collect();
        let none = LocalMatch::default();
        assert!(aligned(&a, &grey, &a, &grey, &none).is_none());
        let bad = LocalMatch { inliers: 50, map: [f32::NAN; 9], ..Default::default() };
        assert!(aligned(&a, &grey, &a, &grey, &bad).is_none());
        let identity = LocalMatch { inliers: 50, map: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0], ..Default::default() };
        let al = aligned(&a, &grey, &a, &grey, &identity).unwrap();
        assert!(al.score > 0.999 && al.a_in_b == 1.0 && al.b_in_a == 1.0, "{al:?}");
        // a map that sends the picture far away leaves no overlap
        let away = LocalMatch { map: [1.0, 0.0, 5000.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0], ..identity };
        assert!(aligned(&a, &grey, &a, &grey, &away).is_none());
    }
}
