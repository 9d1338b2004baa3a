//! Two pictures compared at the resolution of the smaller: a copy shrunk to a few dozen pixels
//! has a grid enlarged from them, blurred where its original's is sharp. Called by
//! `copies::verify_prepared` for whole-picture alignments; pure Rust.

use crate::copies::{dot, gradient, unit, Fingerprint, Prepared, SIDE};
use crate::grids::at_resolution;

/// Of two pictures compared whole, the sharper one brought to the resolution of the other where that
/// one's content box is smaller than the grid on a side: a copy shrunk to a few dozen pixels has a
/// grid enlarged from them, which its sharp original's does not match (at 24 x 37 pixels, 0.80
/// against the 0.95 a copy needs). The smaller picture is what both can show.
pub(crate) struct Lower {
    /// a's grid (under the transform), b's, and their gradients
    pub a: Vec<f32>,
    pub b: Vec<f32>,
    pub grad_a: Vec<f32>,
    pub grad_b: Vec<f32>,
    /// Gradient correlation of the two.
    pub score: f32,
}

/// How much larger on a side than the smaller picture's content box a grid's picture must be to be
/// brought down to it.
const SHARPER: f32 = 1.5;

impl Lower {
    /// None where both pictures are at least SIDE pixels on each side, a picture's size is unknown
    /// (no local features' frame), neither is sharper, or a grid is flat at that resolution.
    pub(crate) fn of(a: &Prepared, b: &Prepared, t: usize) -> Option<Lower> {
        let (aw, ah) = content_pixels(a.fp)?;
        let (aw, ah) = if t % 2 == 1 { (ah, aw) } else { (aw, ah) };
        let (bw, bh) = content_pixels(b.fp)?;
        let (w, h) = (aw.min(bw), ah.min(bh));
        if w >= SIDE as f32 && h >= SIDE as f32 {
            return None;
        }
        let (pw, ph) = ((w.round() as usize).max(1), (h.round() as usize).max(1));
        let lower = |g: &[f32], (gw, gh): (f32, f32)| (gw > SHARPER * w || gh > SHARPER * h).then(|| at_resolution(g, pw, ph));
        let (la, lb) = (lower(a.turned(t), (aw, ah)), lower(&b.grey, (bw, bh)));
        if la.is_none() && lb.is_none() {
            return None;
        }
        let a = la.unwrap_or_else(|| a.turned(t).to_vec());
        let b = lb.unwrap_or_else(|| b.grey.clone());
        let (grad_a, grad_b) = (gradient(&a, SIDE, SIDE), gradient(&b, SIDE, SIDE));
        let score = dot(&unit(&grad_a)?, &unit(&grad_b)?).clamp(-1.0, 1.0);
        Some(Lower { a, b, grad_a, grad_b, score })
    }
}

/// Width and height of the content box in pixels of the local features' frame (the image, at
/// most `keypoints::WORK` on its longer side); None without that frame (a version-1 fingerprint).
fn content_pixels(fp: &Fingerprint) -> Option<(f32, f32)> {
    let (w, h) = (fp.local.width as f32, fp.local.height as f32);
    let c = fp.content;
    (w > 0.0 && h > 0.0).then(|| ((c[2] - c[0]) * w, (c[3] - c[1]) * h))
}
