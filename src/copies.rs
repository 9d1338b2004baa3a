//! Copy detection around the embedding: a small grey fingerprint of an image's content and a
//! verification that decides whether two fingerprints show the same picture, under one of the
//! eight turns and mirrors, whole or as a part of the other (a crop, padding, a caption bar, a
//! screenshot around it).
//!
//! The fingerprint is the image's content box (uniform borders trimmed) resampled to 64x64 grey
//! levels, plus the box's aspect ratio: 4,102 bytes, stored next to the embedding so that a pair
//! is verified without the files. Verification is normalised cross-correlation (insensitive to
//! brightness, contrast, gamma-free colour changes and grey conversion) on aligned grids:
//! - whole: the two grids under each of the 8 transforms (32x32, then the best at 64x64);
//! - part: the smaller picture slid over the larger one at 9 scales (10-90 % of its area, the
//!   aspect ratio taken from the two content boxes), coarse at 32x32, the best refined at 64x64;
//! - under the local features' map (`aligned`): where the local features agree on a homography,
//!   the grids compared through it (a copy turned by a few degrees, in perspective, cropped);
//! - with an overlay set aside (`overlay`): a whole alignment (or a picture against another's
//!   inner picture) compared again without bands along two edges or a corner, discounted (a
//!   meme's caption, a logo), or without the cells a translucent light watermark all over one of
//!   them explains (`watermark`);
//! - at the smaller picture's resolution (`resolution`): a whole alignment of a picture with one
//!   shrunk to under 64 pixels on a side, the sharper grid brought down to the smaller's size.
//!
//! The fingerprint also keeps where the content box lies in the image (`Fingerprint::content`),
//! which places the grid in the local features' frame.
//!
//! Pure Rust, no JNI types: unit-tested here, called from `jni/copies.rs`.

use std::cell::OnceCell;

use crate::aligned;
#[cfg(test)]
use crate::blocks::block_residual;
use crate::blocks::{block_residual_of, normalised};
use crate::colour;
use crate::error::{Error, Result};
use crate::inner::{self, turn_box, Inner};
use crate::keypoints::{self, LocalMatch};
use crate::grids::{resample_lines, std_dev, work_box};
pub(crate) use crate::grids::{dot, gradient, halve, resample, transformed, unit};
pub use crate::grids::{grey_of, turn_rgb};
use crate::overlay;
use crate::watermark;
use crate::parts::{best_part, side_of, Side};
use crate::resolution::Lower;

/// Side of the stored grid.
pub const SIDE: usize = 64;
/// Side of the coarse grid the searches run on.
pub(crate) const COARSE: usize = 32;
/// Side of the grid every placement is first tried on.
pub(crate) const TINY: usize = 16;
/// Version 1: the grid alone (BYTES); version 2: the grid, then the local features; 3: the grid,
/// the chroma grid, the local features; 4: as 3 with the inner picture (`inner::Inner`) before the
/// local features (written only for pictures that have one); 5: as 4 with the inner picture's own
/// local features after the picture's (written where it has any).
const VERSION: u8 = 3;
const VERSION_INNER: u8 = 4;
const VERSION_INNER_LOCAL: u8 = 5;
/// Serialised size of the grid part: version, flags, aspect ratio (f32 LE), SIDE x SIDE grey levels.
pub const BYTES: usize = 2 + 4 + SIDE * SIDE;
/// Serialised size of the content box (`FLAG_BOX`): four u16 LE fractions of the image's sides.
pub const BOX_BYTES: usize = 8;
/// Serialised size of the most local features one picture keeps.
const LOCAL_MAX_BYTES: usize = keypoints::HEADER_BYTES + keypoints::MAX_POINTS * keypoints::POINT_BYTES;
/// Largest serialised fingerprint (version 5 with its content box and all its local features and
/// its inner picture's).
pub const MAX_BYTES: usize = BYTES + colour::BYTES + inner::BYTES + BOX_BYTES + 2 * LOCAL_MAX_BYTES;
/// Working resolution for trimming (longer side).
pub(crate) const WORK: usize = 256;
/// Standard deviation (grey levels) under which a picture is "flat" (blank, one colour).
pub(crate) const FLAT_STD: f32 = 2.0;

const FLAG_FLAT: u8 = 1;
/// The content box's place in the image follows the chroma grid and inner picture (versions 3
/// and 4; fingerprints written before it are taken to fill their image).
const FLAG_BOX: u8 = 2;
/// The content box of a fingerprint that does not store one: the whole image.
pub const WHOLE_BOX: [f32; 4] = [0.0, 0.0, 1.0, 1.0];

/// The content fingerprint of one image.
#[derive(Clone, Debug, PartialEq)]
pub struct Fingerprint {
    /// Width / height of the content box, in pixels of the original image.
    pub aspect: f32,
    /// The picture has (almost) one grey level: it is never verified as a copy.
    pub flat: bool,
    /// SIDE x SIDE grey levels of the content box, row-major.
    pub grey: Vec<u8>,
    /// Local features (none in a version-1 fingerprint).
    pub local: keypoints::Features,
    /// The chroma grid of the content box (`colour::BYTES`; empty in fingerprints before version 3).
    pub colour: Vec<u8>,
    /// The picture inside the image when it is a picture on a plain canvas (`inner::inner_box`).
    pub inner: Option<Inner>,
    /// Where the content box lies in the image: (x0, y0, x1, y1) as fractions of its width and
    /// height (`WHOLE_BOX` when it fills it); what places the grid in the local features' frame.
    pub content: [f32; 4],
}

/// How the two pictures were aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alignment {
    /// No alignment was tried (a picture is flat).
    None,
    /// Picture to picture.
    Whole,
    /// `a` (transformed) lies inside `b`: `b` is `a` padded, captioned or screenshotted.
    AInB,
    /// `b` lies inside `a` (transformed): `b` is a crop of `a`.
    BInA,
}

/// The outcome of comparing two fingerprints.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict {
    /// Normalised cross-correlation of the best alignment, in [-1, 1] (discounted where it is
    /// a comparison under the local features' map or with an overlay set aside).
    pub score: f32,
    /// Best whole-picture correlation (any transform), in [-1, 1].
    pub whole: f32,
    /// Transform applied to `a` to match `b`: turns counter-clockwise by `90 * (t % 4)` degrees,
    /// then mirrored left-right when `t >= 4`.
    pub transform: u8,
    pub alignment: Alignment,
    /// Share of the larger picture's area the smaller one covers (1 for whole pictures).
    pub area: f32,
    /// |ln| of the ratio of the aligned aspect ratios (0 for the same shape).
    pub aspect_mismatch: f32,
    /// What the local features found (no inliers when either fingerprint has none).
    pub local: LocalMatch,
    /// Fine differences of the best whole-picture alignment: the grey grids, each brought to zero
    /// mean and unit variance, compared in 8x8 blocks of 8x8 cells; the mean absolute difference
    /// of the worst block and over all blocks (0 when not aligned whole). A look-alike that
    /// differs in one place (another badge, one more menu line) has one bad block; a copy edited
    /// as a whole (JPEG, blur, gamma) raises all blocks a little.
    pub block_worst: f32,
    pub block_mean: f32,
    /// Of the cells coloured in both pictures under the best alignment, the share whose hues
    /// differ by more than 90 degrees (`colour::hue_mismatch`); -1 when not measured (no grids,
    /// grey pictures, or an alignment scoring below `HUE_MIN_SCORE`).
    pub hue_mismatch: f32,
}

/// Largest |ln| of the aspect ratios of a picture and a screenshot's inner picture that align.
const INNER_ASPECT: f32 = 0.2;

/// The grid score an alignment needs before its cells' colours are compared.
const HUE_MIN_SCORE: f32 = 0.5;

impl Fingerprint {
    /// Fingerprint of an interleaved RGB8 image (`w * h * 3` bytes).
    pub fn from_rgb(rgb: &[u8], w: usize, h: usize) -> Result<Fingerprint> {
        Self::from_rgb_with(rgb, w, h, inner::inner_box(rgb, w, h))
    }

    /// `from_rgb` with the inner picture's box (pixels, as `inner::inner_box` gives it) known.
    pub fn from_rgb_with(rgb: &[u8], w: usize, h: usize, inner_box: Option<(usize, usize, usize, usize)>) -> Result<Fingerprint> {
        check_rgb(rgb, w, h)?;
        let grey = grey_of(rgb);
        let (work, (ww, wh), (x0, y0, x1, y1), (fx, fy)) = work_box(&grey, w, h);
        let content = (x0 * fx, y0 * fy, x1 * fx, y1 * fy);
        let inner = inner_box.and_then(|found| Inner::of(&grey, w, h, content, found));
        let aspect = ((x1 - x0) * fx) / ((y1 - y0) * fy);
        let grid = resample(&work, ww, wh, (x0, y0, x1, y1), SIDE, SIDE);
        let flat = std_dev(&grid) < FLAT_STD;
        let colour = chroma_grid(rgb, w, h, content);
        Ok(Fingerprint {
            aspect,
            flat,
            grey: grid.iter().map(|v| v.round().clamp(0.0, 255.0) as u8).collect(),
            local: if flat { keypoints::Features::default() } else { keypoints::Features::from_grey(&grey, w, h) },
            colour,
            inner: if flat { None } else { inner },
            content: box_fractions((ww, wh), (x0, y0, x1, y1)),
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(BYTES);
        // a fingerprint read from version 2 bytes (no chroma grid) is written back as version 2
        let coloured = self.colour.len() == colour::BYTES;
        let inner = self.inner.as_ref().filter(|_| coloured);
        let inner_local = inner.filter(|i| !i.local.points.is_empty());
        out.push(match (coloured, inner.is_some(), inner_local.is_some()) {
            (false, _, _) => 2,
            (true, false, _) => VERSION,
            (true, true, false) => VERSION_INNER,
            (true, true, true) => VERSION_INNER_LOCAL,
        });
        let boxed = coloured && self.content != WHOLE_BOX;
        out.push(if self.flat { FLAG_FLAT } else { 0 } | if boxed { FLAG_BOX } else { 0 });
        out.extend_from_slice(&self.aspect.to_le_bytes());
        out.extend_from_slice(&self.grey);
        if coloured {
            out.extend_from_slice(&self.colour);
        }
        if let Some(i) = inner {
            i.to_bytes(&mut out);
        }
        if boxed {
            for v in self.content {
                out.extend_from_slice(&((v.clamp(0.0, 1.0) * 65535.0).round() as u16).to_le_bytes());
            }
        }
        self.local.to_bytes(&mut out);
        if let Some(i) = inner_local {
            i.local.to_bytes(&mut out);
        }
        out
    }

    /// Reads a fingerprint of version 1 (grid only: no local verification), 2 (no chroma grid), 3,
    /// 4 (with an inner picture) or 5 (with the inner picture's local features); versions 3 to 5
    /// may hold the content box (`FLAG_BOX`).
    pub fn from_bytes(b: &[u8]) -> Result<Fingerprint> {
        let inner_at = BYTES + colour::BYTES;
        let boxed = matches!(b.first(), Some(3..=5)) && b.len() > 1 && b[1] & FLAG_BOX != 0;
        let box_at = match b.first() {
            Some(3) => inner_at,
            Some(4 | 5) => inner_at + inner::BYTES,
            _ => BYTES,
        };
        let local_at = box_at + if boxed { BOX_BYTES } else { 0 };
        let no_box = if boxed { 0 } else { BOX_BYTES };
        // version 5: the picture's local features end where their count says
        let local_end = match b.first() {
            Some(5) if b.len() >= local_at + keypoints::HEADER_BYTES => {
                local_at + keypoints::HEADER_BYTES + u16::from_le_bytes([b[local_at + 4], b[local_at + 5]]) as usize * keypoints::POINT_BYTES
            }
            _ => b.len(),
        };
        let ok = match b.first() {
            Some(1) => b.len() == BYTES,
            Some(2) => b.len() >= BYTES + keypoints::HEADER_BYTES && b.len() <= BYTES + LOCAL_MAX_BYTES,
            Some(3) => b.len() >= local_at + keypoints::HEADER_BYTES && b.len() <= MAX_BYTES - inner::BYTES - no_box - LOCAL_MAX_BYTES,
            Some(4) => b.len() >= local_at + keypoints::HEADER_BYTES && b.len() <= MAX_BYTES - no_box - LOCAL_MAX_BYTES,
            Some(5) => local_end + keypoints::HEADER_BYTES <= b.len() && b.len() <= MAX_BYTES - no_box,
            _ => false,
        };
        if !ok {
            return Err(Error::InvalidArgument(format!(
                "not an imgsim copy fingerprint (version 1 of {BYTES} bytes, 2 to {VERSION_INNER_LOCAL} of {}-{MAX_BYTES}): got {} bytes{}",
                BYTES + keypoints::HEADER_BYTES,
                b.len(),
                b.first().map(|v| format!(", version {v}")).unwrap_or_default()
            )));
        }
        let aspect = f32::from_le_bytes([b[2], b[3], b[4], b[5]]);
        if !(aspect.is_finite() && aspect > 1e-6 && aspect < 1e6) {
            return Err(Error::InvalidArgument(format!("copy fingerprint has a bad aspect ratio {aspect}")));
        }
        let local = if b[0] == 1 { keypoints::Features::default() } else { keypoints::Features::from_bytes(&b[local_at..local_end])? };
        let colour = b[BYTES..box_at.min(inner_at)].to_vec();
        let inner = match b[0] {
            4 => Some(Inner::from_bytes(&b[inner_at..box_at])?),
            5 => Some(Inner { local: keypoints::Features::from_bytes(&b[local_end..])?, ..Inner::from_bytes(&b[inner_at..box_at])? }),
            _ => None,
        };
        let mut content = WHOLE_BOX;
        if boxed {
            for (k, v) in content.iter_mut().enumerate() {
                *v = u16::from_le_bytes([b[box_at + 2 * k], b[box_at + 2 * k + 1]]) as f32 / 65535.0;
            }
            if !(content[0] < content[2] && content[1] < content[3]) {
                return Err(Error::InvalidArgument(format!("copy fingerprint has an empty content box {content:?}")));
            }
        }
        Ok(Fingerprint { aspect, flat: b[1] & FLAG_FLAT != 0, grey: b[6..BYTES].to_vec(), local, colour, inner, content })
    }
}

/// The chroma grid (`colour::BYTES`) of a full-size box, area-averaged.
fn chroma_grid(rgb: &[u8], w: usize, h: usize, full_box: (f32, f32, f32, f32)) -> Vec<u8> {
    let cs = colour::SIDE;
    // each chroma plane computed a row at a time, as the resampling asks for it
    let plane = |channel: usize| {
        resample_lines(w, h, full_box, cs, cs, None, |y, buf| {
            for (o, p) in buf.iter_mut().zip(rgb[y * w * 3..(y + 1) * w * 3].chunks_exact(3)) {
                *o = colour::chroma(p)[channel];
            }
        })
    };
    colour::to_bytes(&plane(0), &plane(1))
}

/// The chroma grid a fingerprint of this RGB8 image holds, without the rest (for benchmarks that
/// cache the other parts).
pub fn colour_of(rgb: &[u8], w: usize, h: usize) -> Result<Vec<u8>> {
    check_rgb(rgb, w, h)?;
    let (_, _, (x0, y0, x1, y1), (fx, fy)) = work_box(&grey_of(rgb), w, h);
    Ok(chroma_grid(rgb, w, h, (x0 * fx, y0 * fy, x1 * fx, y1 * fy)))
}

/// The content box a fingerprint of this RGB8 image holds (`Fingerprint::content`), without the
/// rest (for benchmarks that cache the other parts).
pub fn content_of(rgb: &[u8], w: usize, h: usize) -> Result<[f32; 4]> {
    check_rgb(rgb, w, h)?;
    let (_, (ww, wh), (x0, y0, x1, y1), _) = work_box(&grey_of(rgb), w, h);
    Ok(box_fractions((ww, wh), (x0, y0, x1, y1)))
}

/// A box in working pixels as fractions of the working image's sides (`Fingerprint::content`).
fn box_fractions((ww, wh): (usize, usize), (x0, y0, x1, y1): (f32, f32, f32, f32)) -> [f32; 4] {
    [x0 / ww as f32, y0 / wh as f32, x1 / ww as f32, y1 / wh as f32]
}

/// An error unless `rgb` holds a `w` x `h` RGB8 image with both sides > 0.
fn check_rgb(rgb: &[u8], w: usize, h: usize) -> Result<()> {
    if w == 0 || h == 0 || rgb.len() != w * h * 3 {
        return Err(Error::InvalidArgument(format!("{} bytes are not a {w}x{h} RGB image", rgb.len())));
    }
    Ok(())
}

/// Verifies whether `b` is a copy of `a`. `parts`: also search each inside the other (costs
/// about 4 ms; whole pictures alone about 0.3 ms: examples/copy_bench.rs); the local features
/// are matched too (about 0.25 ms).
pub fn verify(a: &Fingerprint, b: &Fingerprint, parts: bool) -> Verdict {
    verify_with(a, b, parts, true)
}

/// The words of a fingerprint's local features and of its inner picture's
/// (`keypoints::words::WORDS`): what an inverted file looks a copy up by, where it shares points
/// with its original but neither embedding nor thumbnail is near (a crop of a page, a page in a
/// screenshot). Distinct and sorted; none without local features (a flat image, version 1).
pub fn words(fp: &Fingerprint) -> Vec<u32> {
    let mut sets = vec![&fp.local];
    if let Some(i) = &fp.inner {
        sets.push(&i.local);
    }
    keypoints::words::words_of(&sets, keypoints::words::WORDS)
}

/// `verify`, the local features matched only when `local`.
pub fn verify_with(a: &Fingerprint, b: &Fingerprint, parts: bool, local: bool) -> Verdict {
    verify_opts(a, b, parts, local, true)
}

/// `verify_with`, an inner picture (`inner::Inner`) compared with the other picture only when
/// `inner` (the library asks when the inner picture's embedding is close to the other image's).
pub fn verify_opts(a: &Fingerprint, b: &Fingerprint, parts: bool, local: bool, inner: bool) -> Verdict {
    verify_prepared(&Prepared::new(a), &Prepared::new(b), parts, local, inner)
}

/// Flag bits of `verify_many` (and of the JNI `verify`).
pub const VERIFY_PARTS: u32 = 1;
pub const VERIFY_LOCAL: u32 = 2;
pub const VERIFY_COMMON_SECOND: u32 = 4;
pub const VERIFY_INNER: u32 = 8;
/// `verify_many` only: after the pair's verdict, a second one with the part search and without
/// the local features (what `VERIFY_PARTS` with the pair's `VERIFY_INNER` gives), from the same
/// prepared grids: one call where a part search follows a verdict that is not a copy.
pub const VERIFY_ALSO_PARTS: u32 = 16;

/// `b[i]` verified as a copy of `a` with `flags[i]` (`VERIFY_PARTS`, `VERIFY_LOCAL`,
/// `VERIFY_INNER` as `verify_opts` asks; `VERIFY_COMMON_SECOND`: the other way round, `a` as a
/// copy of `b[i]`), one verdict per pair, each the same as `verify_opts` gives, and a second right
/// after it where `VERIFY_ALSO_PARTS` asks; the grids derived from `a` (its eight turns and
/// mirrors, their gradients, part-search pyramids and templates) are computed once for all pairs.
pub fn verify_many(a: &Fingerprint, b: &[Fingerprint], flags: &[u32]) -> Vec<Verdict> {
    let a = Prepared::new(a);
    let mut out = Vec::with_capacity(b.len());
    for (b, &f) in b.iter().zip(flags) {
        let b = Prepared::new(b);
        let (first, second) = if f & VERIFY_COMMON_SECOND != 0 { (&b, &a) } else { (&a, &b) };
        let inner = f & VERIFY_INNER != 0;
        out.push(verify_prepared(first, second, f & VERIFY_PARTS != 0, f & VERIFY_LOCAL != 0, inner));
        if f & VERIFY_ALSO_PARTS != 0 {
            out.push(verify_prepared(first, second, true, false, inner));
        }
    }
    out
}

/// A fingerprint with the grids the verification derives from it, each computed when first
/// needed and then kept: comparing one picture with many pays for them once.
pub(crate) struct Prepared<'f> {
    pub(crate) fp: &'f Fingerprint,
    pub(crate) grey: Vec<f32>,
    /// Width / height of the grid's picture (the content box's, or the inner picture's).
    aspect: f32,
    /// The inner picture's grid, prepared the same way.
    inner: Option<Box<Prepared<'f>>>,
    half: OnceCell<Vec<f32>>,
    /// per transform: the transformed grid, its coarse and fine unit gradients, its pyramid
    turned: [OnceCell<Vec<f32>>; 8],
    /// the turned grid at zero mean and unit variance (None: flat), its raw gradients
    normal: [OnceCell<Option<Vec<f32>>>; 8],
    grad: [OnceCell<Vec<f32>>; 8],
    coarse: [OnceCell<Option<Vec<f32>>>; 8],
    fine: [OnceCell<Option<Vec<f32>>>; 8],
    sides: [OnceCell<Side>; 8],
}

impl<'f> Prepared<'f> {
    pub(crate) fn new(fp: &'f Fingerprint) -> Prepared<'f> {
        let mut p = Self::grid(fp, &fp.grey, fp.aspect);
        p.inner = fp.inner.as_ref().map(|i| Box::new(Self::grid(fp, &i.grey, i.aspect)));
        p
    }

    fn grid(fp: &'f Fingerprint, grey: &[u8], aspect: f32) -> Prepared<'f> {
        Prepared {
            fp,
            grey: grey.iter().map(|&x| x as f32).collect(),
            aspect,
            inner: None,
            half: OnceCell::new(),
            turned: Default::default(),
            normal: Default::default(),
            grad: Default::default(),
            coarse: Default::default(),
            fine: Default::default(),
            sides: Default::default(),
        }
    }

    /// The 64x64 grid under transform `t`.
    pub(crate) fn turned(&self, t: usize) -> &[f32] {
        self.turned[t].get_or_init(|| transformed(&self.grey, SIDE, t as u8))
    }

    /// Unit gradients of the 32x32 grid under `t` (halving commutes with the turns).
    fn coarse(&self, t: usize) -> Option<&[f32]> {
        let half = self.half.get_or_init(|| halve(&self.grey, SIDE));
        self.coarse[t].get_or_init(|| unit(&gradient(&transformed(half, COARSE, t as u8), COARSE, COARSE))).as_deref()
    }

    /// `normalised` of the grid under `t`.
    fn normal(&self, t: usize) -> Option<&[f32]> {
        self.normal[t].get_or_init(|| normalised(self.turned(t))).as_deref()
    }

    /// Gradients of the 64x64 grid under `t`.
    fn grad(&self, t: usize) -> &[f32] {
        self.grad[t].get_or_init(|| gradient(self.turned(t), SIDE, SIDE))
    }

    /// Unit gradients of the 64x64 grid under `t`.
    fn fine(&self, t: usize) -> Option<&[f32]> {
        self.fine[t].get_or_init(|| unit(self.grad(t))).as_deref()
    }

    /// Width / height of the content box under `t`.
    fn aspect(&self, t: usize) -> f32 {
        if t % 2 == 1 {
            1.0 / self.aspect
        } else {
            self.aspect
        }
    }

    /// The best whole-grid alignment of `self` under a transform against `other` as it is: coarse
    /// gradients for all eight, fine for the best two; (score, transform), score -1 when flat.
    fn best_whole(&self, other: &Prepared) -> (f32, usize) {
        let Some(o_c) = other.coarse(0) else { return (-1.0, 0) };
        let mut order: Vec<(f32, usize)> = (0..8).map(|t| (self.coarse(t).map(|c| dot(c, o_c)).unwrap_or(-1.0), t)).collect();
        order.sort_by(|x, y| y.0.total_cmp(&x.0));
        let o_f = other.fine(0);
        let mut best = (-1.0f32, 0);
        for &(_, t) in order.iter().take(2) {
            if let (Some(of), Some(sf)) = (o_f, self.fine(t)) {
                let s = dot(sf, of).clamp(-1.0, 1.0);
                if s > best.0 {
                    best = (s, t);
                }
            }
        }
        best
    }

    /// The part search's pyramid of the grid under `t`.
    fn side(&self, t: usize) -> &Side {
        self.sides[t].get_or_init(|| side_of(self.turned(t).to_vec(), self.grad(t).to_vec(), self.aspect(t)))
    }
}

/// `verify_opts` on prepared fingerprints.
fn verify_prepared(a: &Prepared, b: &Prepared, parts: bool, local: bool, inner: bool) -> Verdict {
    let mut v = Verdict {
        score: -1.0,
        whole: -1.0,
        transform: 0,
        alignment: Alignment::None,
        area: 0.0,
        aspect_mismatch: 0.0,
        local: LocalMatch::default(),
        block_worst: 0.0,
        block_mean: 0.0,
        hue_mismatch: -1.0,
    };
    if a.fp.flat || b.fp.flat {
        return v;
    }
    if local {
        v.local = keypoints::verify(&a.fp.local, &b.fp.local);
        if inner {
            if let Some(m) = inner::local_match(a.fp, b.fp).filter(|m| m.inliers > v.local.inliers) {
                v.local = m;
            }
        }
    }
    let Some(b_c) = b.coarse(0) else { return v };
    // whole pictures: coarse for all transforms, fine for the best two
    let mut order: Vec<(f32, usize)> = (0..8).map(|t| (a.coarse(t).map(|c| dot(c, b_c)).unwrap_or(-1.0), t)).collect();
    order.sort_by(|x, y| y.0.total_cmp(&x.0));
    let b_f = b.fine(0);
    for &(_, t) in order.iter().take(2) {
        let s = match (b_f, a.fine(t)) {
            (Some(bf), Some(af)) => dot(af, bf).clamp(-1.0, 1.0),
            _ => -1.0,
        };
        if s > v.whole {
            v.whole = s;
            v.score = s;
            v.transform = t as u8;
            v.alignment = Alignment::Whole;
            v.area = 1.0;
            v.aspect_mismatch = (a.aspect(t) / b.fp.aspect).ln().abs();
        }
    }
    if v.alignment == Alignment::Whole {
        let t = v.transform as usize;
        // a small picture (a copy shrunk to a few dozen pixels): compared at its resolution
        match Lower::of(a, b, t).filter(|l| l.score > v.whole) {
            Some(l) => {
                (v.whole, v.score) = (l.score, l.score);
                if let (Some(na), Some(nb)) = (normalised(&l.a), normalised(&l.b)) {
                    (v.block_worst, v.block_mean) = block_residual_of(&na, &nb);
                }
                if local {
                    v.score = overlay::overlaid(v.score, &l.grad_a, &l.grad_b);
                    v.score = watermark::watermarked(v.score, (&l.a, &l.grad_a), (&l.b, &l.grad_b));
                }
            }
            None => {
                if let (Some(na), Some(nb)) = (a.normal(t), b.normal(0)) {
                    (v.block_worst, v.block_mean) = block_residual_of(na, nb);
                }
                // something laid over one of them: a caption, a logo
                if local {
                    v.score = overlay::overlaid(v.score, a.grad(t), b.grad(0));
                    v.score = watermark::watermarked(v.score, (a.turned(t), a.grad(t)), (&b.grey, b.grad(0)));
                }
            }
        }
    }
    let mut part: Option<colour::Part> = None;
    // a picture and a screenshot of it: the one whole against the other's inner picture
    let inside = [
        b.inner.as_deref().filter(|_| inner).map(|bi| {
            let (s, t) = a.best_whole(bi);
            let s = if local { overlay::overlaid(s, a.grad(t), bi.grad(0)) } else { s };
            (s, t, a.aspect(t) / bi.aspect, Alignment::AInB, &b.fp.inner)
        }),
        a.inner.as_deref().filter(|_| inner).map(|ai| {
            let (s, t) = ai.best_whole(b);
            let s = if local { overlay::overlaid(s, ai.grad(t), b.grad(0)) } else { s };
            (s, t, ai.aspect(t) / b.aspect, Alignment::BInA, &a.fp.inner)
        }),
    ];
    for (s, t, aspects, alignment, found) in inside.into_iter().flatten() {
        let Some(i) = found else { continue };
        if s > v.score && aspects.ln().abs() <= INNER_ASPECT {
            v.score = s;
            v.transform = t as u8;
            v.alignment = alignment;
            v.area = i.w * i.h;
            v.aspect_mismatch = 0.0;
            // where the smaller lies in the larger as the colour comparison sees it (a turned by t)
            let a_is_small = alignment == Alignment::AInB;
            let (x, y, w, h) = if a_is_small { (i.x, i.y, i.w, i.h) } else { turn_box((i.x, i.y, i.w, i.h), t as u8) };
            part = Some(colour::Part { a_is_small, x, y, w, h });
        }
    }
    if parts {
        let sb = b.side(0);
        // combos 2t: a (turned by t) inside b; 2t + 1: b inside a (turned by t)
        let combos: Vec<(&Side, &Side)> = (0..8).flat_map(|t| [(a.side(t), sb), (sb, a.side(t))]).collect();
        if let Some(p) = best_part(&combos) {
            if p.score > v.score {
                v.score = p.score;
                v.transform = (p.combo / 2) as u8;
                v.alignment = if p.combo % 2 == 0 { Alignment::AInB } else { Alignment::BInA };
                v.area = p.fw * p.fh;
                v.aspect_mismatch = 0.0;
                part = Some(colour::Part { a_is_small: p.combo % 2 == 0, x: p.fx, y: p.fy, w: p.fw, h: p.fh });
            }
        }
    }
    // the grids under the local features' map: a copy turned by a few degrees, in perspective,
    // or cropped or padded where the part search's steps do not reach
    aligned::improve(&mut v, &mut part, (a.fp, &a.grey), (b.fp, &b.grey));
    if v.alignment != Alignment::None && v.score >= HUE_MIN_SCORE {
        v.hue_mismatch = colour::hue_mismatch(&a.fp.colour, &b.fp.colour, v.transform, part);
    }
    v
}

#[cfg(test)]
#[path = "copies_tests.rs"]
mod tests;
