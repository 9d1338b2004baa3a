//! The picture inside a canvas: a photo or drawing placed on a plain page with a title bar and a
//! line of text around it (a screenshot, a meme template, a document figure, letterboxing with a
//! caption). The content box (`copies`) trims only uniform borders, so such a copy keeps the bar
//! and the text, and its embedding lands far from the picture's; the box found here is embedded as
//! a third view (`Model::analyze_rgb`), whose neighbours are the picture's copies.
//!
//! The fingerprint keeps the picture too (`Inner`: its box in the content box and its own grey
//! grid), so that the verification compares a picture with a screenshot of it whole against whole
//! at the grid's full resolution, rather than as a small part of the screenshot's grid.
//!
//! The canvas is the colour most of the border shows; the picture is the largest region that
//! differs from it, densely, as one 4-connected piece, after trimming sparse rows and columns (a
//! line of text under it) off its edges. Bars across the whole canvas are not pictures.

use crate::copies::{Fingerprint, FLAT_STD, SIDE, WORK};
use crate::error::{Error, Result};
use crate::grids::{content_box, lane_sum, resample};
use crate::keypoints::{self, Features, LocalMatch};

/// The picture inside a canvas as a fingerprint keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Inner {
    /// Its box in the content box, as shares of the content box's width and height.
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    /// Width / height of the box, in pixels.
    pub aspect: f32,
    /// SIDE x SIDE grey levels of the box, row-major.
    pub grey: Vec<u8>,
    /// The box's own local features, as if it were a file of its own (none in fingerprints before
    /// version 5): a picture that takes a small part of its canvas, under a caption or beside a
    /// title bar and text, keeps few of the canvas's features, and at the wrong scale.
    pub local: Features,
}

/// Serialised size of an `Inner` (its local features apart): five f32 (LE), then the grid.
pub const BYTES: usize = 5 * 4 + SIDE * SIDE;

impl Inner {
    pub fn to_bytes(&self, out: &mut Vec<u8>) {
        for v in [self.x, self.y, self.w, self.h, self.aspect] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&self.grey);
    }

    /// The inner picture of a full-size grey image (`w` x `h`) whose content box is `content`
    /// (full-size pixels) and whose picture `inner_box` found at `found`; None when that is
    /// (nearly) the content box, or flat. Its grid is made from full-size pixels through a working
    /// size of its own, as if the picture were a file of its own.
    pub(crate) fn of(grey: &[f32], w: usize, h: usize, content: (f32, f32, f32, f32), found: (usize, usize, usize, usize)) -> Option<Inner> {
        let (ix0, iy0, ix1, iy1) = Self::trimmed(grey, w, h, found);
        let (cx0, cy0, cx1, cy1) = content;
        let share = |v: f32, from: f32, to: f32| ((v - from) / (to - from)).clamp(0.0, 1.0);
        let (sx0, sy0) = (share(ix0 as f32, cx0, cx1), share(iy0 as f32, cy0, cy1));
        let (sx1, sy1) = (share(ix1 as f32, cx0, cx1), share(iy1 as f32, cy0, cy1));
        if sx1 - sx0 <= 0.0 || sy1 - sy0 <= 0.0 || (sx1 - sx0) * (sy1 - sy0) > 0.9 {
            return None; // the content box is already the picture
        }
        let (bw, bh) = ((ix1 - ix0) as f32, (iy1 - iy0) as f32);
        let scale = (WORK as f32 / bw.max(bh)).min(1.0);
        let (iw, ih) = (((bw * scale).round() as usize).max(1), ((bh * scale).round() as usize).max(1));
        let own = resample(grey, w, h, (ix0 as f32, iy0 as f32, ix1 as f32, iy1 as f32), iw, ih);
        let g = resample(&own, iw, ih, (0.0, 0.0, iw as f32, ih as f32), SIDE, SIDE);
        let n = g.len() as f32;
        let mean = lane_sum(&g, |x| x) / n;
        let var = lane_sum(&g, |x| (x - mean) * (x - mean)) / n;
        (var.sqrt() >= FLAT_STD && mean.is_finite()).then(|| Inner {
            x: sx0,
            y: sy0,
            w: sx1 - sx0,
            h: sy1 - sy0,
            aspect: bw / bh,
            grey: g.iter().map(|v| v.round().clamp(0.0, 255.0) as u8).collect(),
            local: {
                let (x1, y1) = (ix1.min(w), iy1.min(h));
                let (cw, ch) = (x1.saturating_sub(ix0), y1.saturating_sub(iy0));
                if cw == 0 || ch == 0 {
                    Features::default()
                } else {
                    let crop: Vec<f32> = (iy0..iy0 + ch).flat_map(|y| grey[y * w + ix0..y * w + ix0 + cw].iter().copied()).collect();
                    Features::from_grey(&crop, cw, ch)
                }
            },
        })
    }

    /// The box `found` without its own plain borders (a document page pasted on a canvas keeps its
    /// white margin, which the page alone loses to its content box): trimmed as `content_box` trims
    /// a picture, at the working size, then back in full-size pixels.
    fn trimmed(grey: &[f32], w: usize, h: usize, found: (usize, usize, usize, usize)) -> (usize, usize, usize, usize) {
        let (x0, y0, x1, y1) = (found.0.min(w), found.1.min(h), found.2.min(w), found.3.min(h));
        if x1 <= x0 || y1 <= y0 {
            return found;
        }
        let (bw, bh) = ((x1 - x0) as f32, (y1 - y0) as f32);
        let scale = (WORK as f32 / bw.max(bh)).min(1.0);
        let (iw, ih) = (((bw * scale).round() as usize).max(1), ((bh * scale).round() as usize).max(1));
        let own = resample(grey, w, h, (x0 as f32, y0 as f32, x1 as f32, y1 as f32), iw, ih);
        let (tx0, ty0, tx1, ty1) = content_box(&own, iw, ih);
        let (fx, fy) = (bw / iw as f32, bh / ih as f32);
        let back = |v: usize, f: f32, from: usize| from + (v as f32 * f).round() as usize;
        (back(tx0, fx, x0), back(ty0, fy, y0), back(tx1, fx, x0).min(x1), back(ty1, fy, y0).min(y1))
    }

    pub fn from_bytes(b: &[u8]) -> Result<Inner> {
        if b.len() != BYTES {
            return Err(Error::InvalidArgument(format!("an inner picture takes {BYTES} bytes, not {}", b.len())));
        }
        let f = |i: usize| f32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]);
        let (x, y, w, h, aspect) = (f(0), f(1), f(2), f(3), f(4));
        let share = |v: f32| v.is_finite() && (0.0..=1.0).contains(&v);
        if !(share(x) && share(y) && share(w) && share(h) && w > 0.0 && h > 0.0 && x + w <= 1.001 && y + h <= 1.001)
            || !(aspect.is_finite() && aspect > 1e-6 && aspect < 1e6)
        {
            return Err(Error::InvalidArgument(format!("copy fingerprint has a bad inner picture box {:?}", (x, y, w, h, aspect))));
        }
        Ok(Inner { x, y, w, h, aspect, grey: b[20..].to_vec(), local: Features::default() })
    }
}

/// A box (x, y, w, h, shares of a picture) where it lies after the picture is turned by `t`
/// (as `grids::transformed`: counter-clockwise quarter turns, then a left-right mirror for t >= 4).
pub(crate) fn turn_box((mut x, mut y, mut w, mut h): (f32, f32, f32, f32), t: u8) -> (f32, f32, f32, f32) {
    for _ in 0..t % 4 {
        // counter-clockwise: a point (px, py) goes to (py, 1 - px)
        (x, y, w, h) = (y, 1.0 - x - w, h, w);
    }
    if t >= 4 {
        x = 1.0 - x - w;
    }
    (x, y, w, h)
}

/// Longer side of the grid the search runs on.
const GRID: usize = 160;
/// Share of the border that must show the canvas colour.
const CANVAS_SHARE: f32 = 0.5;
/// A cell differs from the canvas when a channel is further than this from it.
const TOLERANCE: i32 = 24;
/// Rows/columns at a box's edge with fewer differing cells than this share are trimmed off.
const EDGE_DENSITY: f32 = 0.3;
/// The box must be densely the picture: this share of its cells differ from the canvas.
const MIN_FILL: f32 = 0.5;
/// Share of the canvas the box may cover: below, too small to embed; above, it is the canvas.
const MIN_AREA: f32 = 0.06;
const MAX_AREA: f32 = 0.75;
/// Smallest side of the box, in grid cells.
const MIN_SIDE: usize = 12;

/// The box `(x0, y0, x1, y1)` (pixels, exclusive ends) of the picture inside an interleaved RGB8
/// canvas of `w x h`, or `None` when the image is not a picture on a plain canvas.
pub fn inner_box(rgb: &[u8], w: usize, h: usize) -> Option<(usize, usize, usize, usize)> {
    if w < 2 * MIN_SIDE || h < 2 * MIN_SIDE || rgb.len() != w * h * 3 {
        return None;
    }
    let f = (w.max(h) as f32 / GRID as f32).max(1.0);
    let (gw, gh) = (((w as f32 / f) as usize).max(1), ((h as f32 / f) as usize).max(1));
    let cell = |x: usize, y: usize| -> [i32; 3] {
        let sx = ((x as f32 + 0.5) * f) as usize;
        let sy = ((y as f32 + 0.5) * f) as usize;
        let i = (sy.min(h - 1) * w + sx.min(w - 1)) * 3;
        [rgb[i] as i32, rgb[i + 1] as i32, rgb[i + 2] as i32]
    };
    let canvas = canvas_colour(gw, gh, &cell)?;
    // a bar across the whole canvas (a title bar, a rule) is canvas too, even where it touches the picture
    let bar_rows: Vec<bool> = (0..gh).map(|y| uniform((0..gw).map(|x| cell(x, y)))).collect();
    let bar_cols: Vec<bool> = (0..gw).map(|x| uniform((0..gh).map(|y| cell(x, y)))).collect();
    let mut mask = vec![false; gw * gh];
    for y in 0..gh {
        for x in 0..gw {
            let c = cell(x, y);
            mask[y * gw + x] = !bar_rows[y] && !bar_cols[x] && (0..3).any(|k| (c[k] - canvas[k]).abs() > TOLERANCE);
        }
    }
    let mut best: Option<(usize, (usize, usize, usize, usize))> = None;
    for (x0, y0, x1, y1) in pieces(&mask, gw, gh) {
        let Some((x0, y0, x1, y1)) = trim(&mask, gw, (x0, y0, x1, y1)) else { continue };
        let (bw, bh) = (x1 - x0, y1 - y0);
        let area = bw * bh;
        let share = area as f32 / (gw * gh) as f32;
        if bw < MIN_SIDE || bh < MIN_SIDE || !(MIN_AREA..=MAX_AREA).contains(&share) {
            continue;
        }
        // a bar across the canvas (a title bar, a band of text) is not a picture
        if (bw as f32 >= 0.95 * gw as f32 && (bh as f32) < 0.25 * gh as f32) || (bh as f32 >= 0.95 * gh as f32 && (bw as f32) < 0.25 * gw as f32) {
            continue;
        }
        let fill = (y0..y1).map(|y| mask[y * gw + x0..y * gw + x1].iter().filter(|&&m| m).count()).sum::<usize>();
        if (fill as f32) < MIN_FILL * area as f32 {
            continue;
        }
        if best.is_none_or(|(a, _)| area > a) {
            best = Some((area, (x0, y0, x1, y1)));
        }
    }
    let (_, (x0, y0, x1, y1)) = best?;
    let px = |v: usize, n: usize| ((v as f32 * f).round() as usize).min(n);
    Some(refine(rgb, w, h, canvas, (px(x0, w), px(y0, h), px(x1, w), px(y1, h)), f.ceil() as usize))
}

/// The box's edges found again in full-size pixels, each within `reach` cells of the grid's: the
/// outermost row or column whose pixels differ from the canvas for the most part (a grid cell is
/// a few pixels, and the verification compares the inner picture's grid at full resolution).
fn refine(rgb: &[u8], w: usize, h: usize, canvas: [i32; 3], (mut x0, mut y0, mut x1, mut y1): (usize, usize, usize, usize), cell: usize) -> (usize, usize, usize, usize) {
    let differs = |x: usize, y: usize| {
        let i = (y * w + x) * 3;
        (0..3).any(|k| (rgb[i + k] as i32 - canvas[k]).abs() > TOLERANCE)
    };
    let share = |n: usize, at: &dyn Fn(usize) -> bool| {
        let step = (n / 256).max(1);
        let (mut on, mut all) = (0, 0);
        for i in (0..n).step_by(step) {
            on += at(i) as usize;
            all += 1;
        }
        on as f32 / all.max(1) as f32
    };
    let reach = 2 * cell;
    let dense = 0.5;
    let px = |x: usize, y: usize| {
        let i = (y * w + x) * 3;
        [rgb[i] as i32, rgb[i + 1] as i32, rgb[i + 2] as i32]
    };
    let bar_row = |y: usize| uniform((0..w).step_by((w / 256).max(1)).map(|x| px(x, y)));
    let bar_col = |x: usize| uniform((0..h).step_by((h / 256).max(1)).map(|y| px(x, y)));
    let col = |x: usize, y0: usize, y1: usize| !bar_col(x) && share(y1 - y0, &|i| differs(x, y0 + i)) >= dense;
    let row = |y: usize, x0: usize, x1: usize| !bar_row(y) && share(x1 - x0, &|i| differs(x0 + i, y)) >= dense;
    if let Some(x) = (x0.saturating_sub(reach)..(x0 + reach).min(x1)).find(|&x| col(x, y0, y1)) {
        x0 = x;
    }
    if let Some(x) = (x1.saturating_sub(reach).max(x0 + 1)..(x1 + reach).min(w)).rev().find(|&x| col(x, y0, y1)) {
        x1 = x + 1;
    }
    if let Some(y) = (y0.saturating_sub(reach)..(y0 + reach).min(y1)).find(|&y| row(y, x0, x1)) {
        y0 = y;
    }
    if let Some(y) = (y1.saturating_sub(reach).max(y0 + 1)..(y1 + reach).min(h)).rev().find(|&y| row(y, x0, x1)) {
        y1 = y + 1;
    }
    (x0, y0, x1, y1)
}

/// Whether a line of pixels is one colour: all but `1 - UNIFORM` of them within `TOLERANCE` of their mean.
fn uniform(line: impl Iterator<Item = [i32; 3]> + Clone) -> bool {
    let n = line.clone().count().max(1) as i32;
    let sum = line.clone().fold([0i32; 3], |s, c| [s[0] + c[0], s[1] + c[1], s[2] + c[2]]);
    let mean = sum.map(|v| v / n);
    let near = line.filter(|c| (0..3).all(|k| (c[k] - mean[k]).abs() <= TOLERANCE)).count() as i32;
    near as f32 >= UNIFORM * n as f32
}

/// Share of a line's pixels that make it one colour (`uniform`).
const UNIFORM: f32 = 0.97;

/// The colour of most of the border (cells within `TOLERANCE` of the border's commonest coarse
/// colour, averaged), or `None` when no colour holds `CANVAS_SHARE` of it.
fn canvas_colour(gw: usize, gh: usize, cell: &impl Fn(usize, usize) -> [i32; 3]) -> Option<[i32; 3]> {
    let mut border = Vec::with_capacity(2 * (gw + gh));
    for x in 0..gw {
        border.push(cell(x, 0));
        border.push(cell(x, gh - 1));
    }
    for y in 1..gh - 1 {
        border.push(cell(0, y));
        border.push(cell(gw - 1, y));
    }
    let mut counts = vec![0u32; 512];
    let bin = |c: &[i32; 3]| ((c[0] >> 5) * 64 + (c[1] >> 5) * 8 + (c[2] >> 5)) as usize;
    for c in &border {
        counts[bin(c)] += 1;
    }
    let top = (0..512).max_by_key(|&b| counts[b])?;
    let members: Vec<&[i32; 3]> = border.iter().filter(|c| bin(c) == top).collect();
    let mean = [0, 1, 2].map(|k| members.iter().map(|c| c[k]).sum::<i32>() / members.len() as i32);
    let near = border.iter().filter(|c| (0..3).all(|k| (c[k] - mean[k]).abs() <= TOLERANCE)).count();
    (near as f32 >= CANVAS_SHARE * border.len() as f32).then_some(mean)
}

/// Bounding boxes of the 4-connected pieces of `mask` holding at least 1 % of the cells.
fn pieces(mask: &[bool], gw: usize, gh: usize) -> Vec<(usize, usize, usize, usize)> {
    let mut seen = vec![false; mask.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..mask.len() {
        if !mask[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut x0, mut y0, mut x1, mut y1, mut n) = (gw, gh, 0, 0, 0usize);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % gw, i / gw);
            n += 1;
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x + 1);
            y1 = y1.max(y + 1);
            let mut visit = |j: usize| {
                if mask[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                visit(i - 1);
            }
            if x + 1 < gw {
                visit(i + 1);
            }
            if y > 0 {
                visit(i - gw);
            }
            if y + 1 < gh {
                visit(i + gw);
            }
        }
        if n * 100 >= mask.len() {
            out.push((x0, y0, x1, y1));
        }
    }
    out
}

/// Trims rows and columns with fewer than `EDGE_DENSITY` differing cells off the box's edges.
fn trim(mask: &[bool], gw: usize, b: (usize, usize, usize, usize)) -> Option<(usize, usize, usize, usize)> {
    let (mut x0, mut y0, mut x1, mut y1) = b;
    let row = |y: usize, x0: usize, x1: usize| mask[y * gw + x0..y * gw + x1].iter().filter(|&&m| m).count() as f32 / (x1 - x0) as f32;
    let col = |x: usize, y0: usize, y1: usize| (y0..y1).filter(|&y| mask[y * gw + x]).count() as f32 / (y1 - y0) as f32;
    loop {
        if x1 <= x0 + 1 || y1 <= y0 + 1 {
            return None;
        }
        if row(y0, x0, x1) < EDGE_DENSITY {
            y0 += 1;
        } else if row(y1 - 1, x0, x1) < EDGE_DENSITY {
            y1 -= 1;
        } else if col(x0, y0, y1) < EDGE_DENSITY {
            x0 += 1;
        } else if col(x1 - 1, y0, y1) < EDGE_DENSITY {
            x1 -= 1;
        } else {
            return Some((x0, y0, x1, y1));
        }
    }
}

/// The local features of an inner picture matched with the other picture's (or with its inner
/// picture's), seen between the whole pictures (`LocalMatch::reframed`): the match with the most
/// inliers; None when neither has an inner picture with features. A picture that takes a small
/// part of a screenshot keeps few of the screenshot's features (the title bar's and caption's text
/// takes them), at a scale where the other picture has few; its own features are the picture's.
pub(crate) fn local_match(a: &Fingerprint, b: &Fingerprint) -> Option<LocalMatch> {
    // the frame of a picture's own local features
    fn size(f: &Fingerprint) -> (f32, f32) {
        (f.local.width as f32, f.local.height as f32)
    }
    // the inner picture's features and where their frame lies in the picture's frame
    fn placed(f: &Fingerprint) -> Option<(&keypoints::Features, [f32; 4])> {
        let i = f.inner.as_ref().filter(|i| !i.local.points.is_empty() && i.local.width > 0 && i.local.height > 0)?;
        let [c0, c1, c2, c3] = f.content;
        let (pw, ph) = size(f);
        let (x0, y0) = ((c0 + i.x * (c2 - c0)) * pw, (c1 + i.y * (c3 - c1)) * ph);
        let (bw, bh) = (i.w * (c2 - c0) * pw, i.h * (c3 - c1) * ph);
        Some((&i.local, [x0, y0, bw / i.local.width as f32, bh / i.local.height as f32]))
    }
    let (pa, pb) = (placed(a), placed(b));
    let (sa, sb) = (size(a), size(b));
    [
        pa.map(|(fa, ta)| keypoints::verify(fa, &b.local).reframed(Some(ta), None, sa, sb)),
        pb.map(|(fb, tb)| keypoints::verify(&a.local, fb).reframed(None, Some(tb), sa, sb)),
        pa.zip(pb).map(|((fa, ta), (fb, tb))| keypoints::verify(fa, fb).reframed(Some(ta), Some(tb), sa, sb)),
    ]
    .into_iter()
    .flatten()
    .max_by_key(|m| m.inliers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canvas(w: usize, h: usize, bg: [u8; 3]) -> Vec<u8> {
        bg.iter().copied().cycle().take(w * h * 3).collect()
    }

    fn paint(rgb: &mut [u8], w: usize, (x0, y0, x1, y1): (usize, usize, usize, usize), f: impl Fn(usize, usize) -> [u8; 3]) {
        for y in y0..y1 {
            for x in x0..x1 {
                rgb[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&f(x, y));
            }
        }
    }

    fn photo(x: usize, y: usize) -> [u8; 3] {
        [(40 + (x * 7 + y * 3) % 180) as u8, (60 + (x * y) % 150) as u8, (30 + (y * 5) % 200) as u8]
    }

    #[test]
    fn finds_a_picture_under_a_title_bar_and_above_a_line_of_text() {
        let (w, h) = (600, 700);
        let mut rgb = canvas(w, h, [255, 255, 255]);
        paint(&mut rgb, w, (0, 0, w, 50), |_, _| [60, 90, 160]);
        paint(&mut rgb, w, (120, 100, 420, 400), photo);
        // a line of "text": short dark strokes 6 px under the picture
        for k in 0..30 {
            paint(&mut rgb, w, (10 + k * 12, 406, 16 + k * 12, 420), |_, _| [0, 0, 0]);
        }
        let (x0, y0, x1, y1) = inner_box(&rgb, w, h).expect("a picture on a white canvas");
        for (got, want) in [(x0, 120), (y0, 100), (x1, 420), (y1, 400)] {
            assert!(got == want, "box {:?} is not the picture's (120, 100, 420, 400)", (x0, y0, x1, y1));
        }
    }

    #[test]
    fn a_picture_two_pixels_under_the_title_bar_is_found_without_the_bar() {
        for bg in [[255, 255, 255], [30, 30, 30]] {
            let (w, h) = (512, 386);
            let mut rgb = canvas(w, h, bg);
            paint(&mut rgb, w, (0, 0, w, 27), |_, _| [60, 90, 160]);
            paint(&mut rgb, w, (129, 29, 370, 270), photo);
            assert_eq!(inner_box(&rgb, w, h), Some((129, 29, 370, 270)), "canvas {bg:?}");
        }
    }

    #[test]
    fn a_photo_edge_to_edge_a_blank_page_and_a_tiny_image_have_none() {
        let (w, h) = (320, 240);
        let mut rgb = canvas(w, h, [0, 0, 0]);
        paint(&mut rgb, w, (0, 0, w, h), photo);
        assert_eq!(inner_box(&rgb, w, h), None, "no canvas around a photo");
        assert_eq!(inner_box(&canvas(w, h, [250, 250, 250]), w, h), None, "a blank page holds no picture");
        assert_eq!(inner_box(&canvas(3, 3, [9, 9, 9]), 3, 3), None);
        assert_eq!(inner_box(&[1, 2], 3, 3), None, "wrong length is no picture, not a panic");
    }

    #[test]
    fn a_picture_filling_most_of_the_canvas_is_the_content_box_not_an_inner_picture() {
        let (w, h) = (400, 300);
        let mut rgb = canvas(w, h, [255, 255, 255]);
        paint(&mut rgb, w, (10, 10, 390, 290), photo);
        assert_eq!(inner_box(&rgb, w, h), None, "the content box already trims uniform borders");
    }
}
