//! Arithmetic on grey grids for copy detection: area-averaging resampling, halving, the eight
//! turns and mirrors, gradients, dot products and sums in eight lanes. What `copies` builds its
//! fingerprint and verification from and `parts` its search, and the grey levels and quarter
//! turns of RGB images they start from; pure Rust, no state. And the content
//! box: a picture's plain borders and frames trimmed, its sides placed at full resolution.

use crate::copies::{SIDE, WORK};

/// Gradient magnitude (grey levels per pixel) below which a pixel has no edge.
pub(crate) const EDGE_FLOOR: f32 = 1.0;

/// Weights of one axis: for each destination sample, the first source index and its weights.
/// Area averaging when shrinking, bilinear (pixel centres) when enlarging.
pub(crate) struct Axis {
    first: Vec<usize>,
    /// sample i's weights are `weights[at[i]..at[i + 1]]`
    at: Vec<usize>,
    weights: Vec<f32>,
}

impl Axis {
    pub(crate) fn sample(&self, i: usize) -> (usize, &[f32]) {
        (self.first[i], &self.weights[self.at[i]..self.at[i + 1]])
    }
}

pub(crate) fn axis(n: usize, r0: f32, r1: f32, d: usize) -> Axis {
    let s = (r1 - r0) / d as f32;
    let mut ax = Axis { first: Vec::with_capacity(d), at: Vec::with_capacity(d + 1), weights: Vec::with_capacity(d * 2) };
    ax.at.push(0);
    for i in 0..d {
        if s >= 1.0 {
            let (a, b) = (r0 + i as f32 * s, r0 + (i + 1) as f32 * s);
            let first = (a.floor() as usize).min(n - 1);
            let last = ((b.ceil() as usize).max(first + 1)).min(n);
            let from = ax.weights.len();
            ax.weights.extend((first..last).map(|k| ((k + 1) as f32).min(b) - (k as f32).max(a)).map(|v| v.max(0.0)));
            let w = &mut ax.weights[from..];
            let t: f32 = w.iter().sum::<f32>().max(1e-6);
            w.iter_mut().for_each(|v| *v /= t);
            ax.first.push(first);
        } else {
            let c = (r0 + (i as f32 + 0.5) * s - 0.5).clamp(0.0, (n - 1) as f32);
            let k = (c.floor() as usize).min(n.saturating_sub(2));
            if n == 1 {
                ax.first.push(0);
                ax.weights.push(1.0);
            } else {
                let f = c - k as f32;
                ax.first.push(k);
                ax.weights.extend([1.0 - f, f]);
            }
        }
        ax.at.push(ax.weights.len());
    }
    ax
}

/// Resamples the region (x0, y0, x1, y1) of a `w` x `h` grey image to `dw` x `dh`.
pub(crate) fn resample(src: &[f32], w: usize, h: usize, region: (f32, f32, f32, f32), dw: usize, dh: usize) -> Vec<f32> {
    resample_lines(w, h, region, dw, dh, Some(src), |_, _| {})
}

/// `resample` of the plane `src`, or, when it is None, of a plane given line by line: `fill(y,
/// buffer)` writes row `y` (`w` values). Only the rows the region needs are asked for, so a plane
/// computed on the fly (the chroma of RGB) never exists at full size.
pub(crate) fn resample_lines(
    w: usize,
    h: usize,
    (x0, y0, x1, y1): (f32, f32, f32, f32),
    dw: usize,
    dh: usize,
    src: Option<&[f32]>,
    mut fill: impl FnMut(usize, &mut [f32]),
) -> Vec<f32> {
    let ax = axis(w, x0, x1, dw);
    let ay = axis(h, y0, y1, dh);
    let ys: Vec<usize> = {
        let (lo, hi) = (0..dh).map(|j| ay.sample(j)).fold((h, 0), |(lo, hi), (f, wt)| (lo.min(f), hi.max(f + wt.len())));
        (lo..hi).collect()
    };
    let lo = ys.first().copied().unwrap_or(0);
    let mut rows = vec![0f32; ys.len() * dw];
    let mut buffer = vec![0f32; if src.is_some() { 0 } else { w }];
    for (ri, &y) in ys.iter().enumerate() {
        let line: &[f32] = match src {
            Some(s) => &s[y * w..(y + 1) * w],
            None => {
                fill(y, &mut buffer);
                &buffer
            }
        };
        along_x(line, &ax, &mut rows[ri * dw..(ri + 1) * dw]);
    }
    let mut out = vec![0f32; dw * dh];
    along_y(&ay, dw, |y| &rows[(y - lo) * dw..(y - lo + 1) * dw], &mut out);
    out
}

/// The first pass of `resample`: one source line through the x axis (`out`: its samples).
#[inline(always)]
pub(crate) fn along_x(line: &[f32], ax: &Axis, out: &mut [f32]) {
    for (i, o) in out.iter_mut().enumerate() {
        let (f, wt) = ax.sample(i);
        *o = wt.iter().enumerate().map(|(k, v)| line[f + k] * v).sum();
    }
}

/// The second pass of `resample`: `out` (`dw` x the y axis's samples, zeros) from the lines of
/// the first, `row(y)` for source line y.
#[inline(always)]
pub(crate) fn along_y<'a>(ay: &Axis, dw: usize, row: impl Fn(usize) -> &'a [f32], out: &mut [f32]) {
    for j in 0..ay.first.len() {
        let (f, wt) = ay.sample(j);
        for (k, v) in wt.iter().enumerate() {
            for (o, x) in out[j * dw..(j + 1) * dw].iter_mut().zip(row(f + k)) {
                *o += x * v;
            }
        }
    }
}

/// Grey levels (BT.601 luma) of interleaved RGB8.
pub fn grey_of(rgb: &[u8]) -> Vec<f32> {
    rgb.chunks_exact(3).map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32).collect()
}

/// Interleaved RGB8 turned 90 degrees counter-clockwise (the result is `h` wide, `w` high).
pub fn turn_rgb(rgb: &[u8], w: usize, h: usize) -> Vec<u8> {
    let mut out = vec![0u8; rgb.len()];
    for y in 0..h {
        for x in 0..w {
            // input (x, y) lands at (y, w - 1 - x)
            let (nx, ny) = (y, w - 1 - x);
            out[(ny * h + nx) * 3..(ny * h + nx) * 3 + 3].copy_from_slice(&rgb[(y * w + x) * 3..(y * w + x) * 3 + 3]);
        }
    }
    out
}

/// A SIDE x SIDE grid as a picture of `w` x `h` pixels would show it: shrunk to that size (area
/// averaging) and enlarged back (bilinear), as a small picture's own grid was made from its pixels.
/// A side of SIDE or more is left as it is.
pub(crate) fn at_resolution(g: &[f32], w: usize, h: usize) -> Vec<f32> {
    let (w, h) = (w.clamp(1, SIDE), h.clamp(1, SIDE));
    let small = resample(g, SIDE, SIDE, (0.0, 0.0, SIDE as f32, SIDE as f32), w, h);
    resample(&small, w, h, (0.0, 0.0, w as f32, h as f32), SIDE, SIDE)
}

/// A `side` x `side` grid averaged over 2x2 blocks (what `resample` does for exactly half the size).
pub(crate) fn halve(g: &[f32], side: usize) -> Vec<f32> {
    let h = side / 2;
    let mut out = vec![0f32; h * h];
    for y in 0..h {
        for x in 0..h {
            let i = 2 * y * side + 2 * x;
            out[y * h + x] = 0.25 * (g[i] + g[i + 1] + g[i + side] + g[i + side + 1]);
        }
    }
    out
}

/// The `side` x `side` grid under transform `t` (see `copies::Verdict::transform`).
pub(crate) fn transformed(g: &[f32], side: usize, t: u8) -> Vec<f32> {
    let mut out = vec![0f32; side * side];
    let n = side - 1;
    for y in 0..side {
        for x in 0..side {
            // output (x, y) of "turn k times counter-clockwise, then mirror": undo the mirror, then the turns
            let xm = if t >= 4 { n - x } else { x };
            let (sx, sy) = match t % 4 {
                0 => (xm, y),
                1 => (n - y, xm),
                2 => (n - xm, n - y),
                _ => (y, n - xm),
            };
            out[y * side + x] = g[sy * side + sx];
        }
    }
    out
}

/// Sum of `f(x)` over `v` in eight lanes (value i to lane i % 8; vectorised by the compiler).
pub(crate) fn lane_sum(v: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut lanes = [0f32; 8];
    let chunks = v.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().map(|&x| f(x)).sum();
    for c in chunks {
        for i in 0..8 {
            lanes[i] += f(c[i]);
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Dot product with eight lanes (vectorised by the compiler).
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked above); the same operations per lane in the same
            // order, so the same result as the baseline build
            return unsafe { dot_avx2(a, b) };
        }
    }
    dot_body(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
    dot_body(a, b)
}

/// Eight lanes, each summing every eighth product in order, then the lanes and the tail.
#[inline(always)]
fn dot_body(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Gradients of a grey `w` x `h` grid, interleaved (d/dx, d/dy) per pixel: central differences,
/// one-sided at the borders. Copies are compared on gradients, not grey levels: smooth shading
/// (a vignette, a colour wheel, a blurred background) correlates with almost anything, edges do not.
pub(crate) fn gradient(g: &[f32], w: usize, h: usize) -> Vec<f32> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked above); the same IEEE operations per value, so the
            // same result as the baseline build
            return unsafe { gradient_avx2(g, w, h) };
        }
    }
    gradient_body(g, w, h)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gradient_avx2(g: &[f32], w: usize, h: usize) -> Vec<f32> {
    gradient_body(g, w, h)
}

#[inline(always)]
fn gradient_body(g: &[f32], w: usize, h: usize) -> Vec<f32> {
    let n = w * h;
    if n == 0 {
        return Vec::new();
    }
    // the differences as two flat planes, the inside of the grid in straight loops the compiler
    // vectorises, then the borders (one-sided) and single rows or columns (no difference: 0)
    let mut dx = vec![0f32; n];
    let mut dy = vec![0f32; n];
    if w > 1 {
        for i in 1..n - 1 {
            dx[i] = (g[i + 1] - g[i - 1]) / 2.0;
        }
        for y in 0..h {
            let r = y * w;
            dx[r] = g[r + 1] - g[r];
            dx[r + w - 1] = g[r + w - 1] - g[r + w - 2];
        }
    }
    if h > 1 {
        for i in w..n - w {
            dy[i] = (g[i + w] - g[i - w]) / 2.0;
        }
        for x in 0..w {
            dy[x] = g[w + x] - g[x];
            dy[n - w + x] = g[n - w + x] - g[n - 2 * w + x];
        }
    }
    // magnitudes compressed (square root): a silhouette's outline must not outweigh the texture
    // inside it (a moon and a planet are both discs); faint noise is dropped
    let mut out = vec![0f32; n * 2];
    for ((o, &dx), &dy) in out.chunks_exact_mut(2).zip(&dx).zip(&dy) {
        let m = (dx * dx + dy * dy).sqrt();
        let k = if m < EDGE_FLOOR { 0.0 } else { 1.0 / m.sqrt() };
        o[0] = dx * k;
        o[1] = dy * k;
    }
    out
}

/// Unit-length copy; None when (almost) zero: no edges to compare.
pub(crate) fn unit(v: &[f32]) -> Option<Vec<f32>> {
    let norm = dot(v, v).sqrt();
    if norm < 0.05 * (v.len() as f32).sqrt() {
        return None;
    }
    Some(v.iter().map(|x| x / norm).collect())
}

/// The grey image at a working resolution (area-averaged, keeping the aspect ratio), its size,
/// its content box (working pixels, its sides placed to a fraction of one: `refine_box`) and the
/// factors from working to full-size pixels.
#[allow(clippy::type_complexity)]
pub(crate) fn work_box(grey: &[f32], w: usize, h: usize) -> (Vec<f32>, (usize, usize), (f32, f32, f32, f32), (f32, f32)) {
    let scale = (WORK as f32 / w.max(h) as f32).min(1.0);
    let (ww, wh) = (((w as f32 * scale).round() as usize).max(1), ((h as f32 * scale).round() as usize).max(1));
    let work = resample(grey, w, h, (0.0, 0.0, w as f32, h as f32), ww, wh);
    let mut b = refine_box(grey, (w, h), &work, (ww, wh), content_box(&work, ww, wh));
    let whole = (0.0, 0.0, ww as f32, wh as f32);
    // borders that leave a (nearly) plain box were content: the side stripes of a tricolour flag
    if b != whole && plain_inside(&resample(&work, ww, wh, b, SIDE, SIDE), SIDE) && std_dev(&work) >= PLAIN_STD {
        b = whole;
    }
    (work, (ww, wh), b, (w as f32 / ww as f32, h as f32 / wh as f32))
}

/// Standard deviation of grey levels under which a trimmed content box is plain (one colour but for
/// noise and blended edges), where the image it was trimmed from is not: its borders are then the
/// picture (Romania and Guinea differ in their side stripes, not in their yellow middle one).
const PLAIN_STD: f32 = 5.0;

/// Whether a `side` x `side` grid without its outermost cells (an edge of the box may take in a
/// line of the border trimmed off, blended or rung by JPEG) varies by less than `PLAIN_STD`.
fn plain_inside(grid: &[f32], side: usize) -> bool {
    let inside: Vec<f32> = grid.chunks_exact(side).skip(1).take(side - 2).flat_map(|row| row[1..side - 1].iter().copied()).collect();
    std_dev(&inside) < PLAIN_STD
}

/// Standard deviation of the values (grey levels).
pub(crate) fn std_dev(g: &[f32]) -> f32 {
    let n = g.len() as f32;
    let mean = g.iter().sum::<f32>() / n;
    (g.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n).sqrt()
}

/// A border row/column is uniform when all but 1 % of its pixels are within this of its colour.
const TRIM_TOLERANCE: f32 = 10.0;

/// Most frames inside the picture's own border that `content_box` trims.
const FRAMES: usize = 2;

/// Rows or columns at a frame's outer edge that may differ from its colour (an edge blended
/// between two plain colours when the picture was resized).
const FRAME_EDGE: usize = 2;

/// The content box (x0, y0, x1, y1) of a grey image: uniform borders trimmed, at least an eighth
/// of each side kept. Then up to `FRAMES` plain frames inside that box are trimmed too: a border of
/// one colour on all four sides (a document page letterboxed onto a dark canvas keeps its white
/// margin after the first trim; the page is then trimmed to its text, as the page alone is). A
/// frame that would leave less than the minimum is content (a flag's plain middle stripe), and a
/// plain band on fewer than four sides is not a frame (a sky).
pub(crate) fn content_box(g: &[f32], w: usize, h: usize) -> (usize, usize, usize, usize) {
    let min = ((w / 8).max(1), (h / 8).max(1));
    let mut b = edge_trim(g, w, h, min);
    for _ in 0..FRAMES {
        match frame_trim(g, w, b, min) {
            Some(inside) => b = inside,
            None => break,
        }
    }
    b
}

/// The content box `b` (working pixels of `work`, `ww` x `wh`, an area-averaged `grey`, `w` x `h`)
/// with each trimmed side moved to the first full-size row or column that is not uniform in the
/// colour trimmed there, within a working pixel of where it was found: in working pixels, to a
/// fraction of one. A picture on a canvas many times its size takes few working pixels, and an
/// edge placed to the nearest of them shifts its grid by a good part of a cell (lines of text, a
/// fine pattern then no longer correlate with the picture's own grid).
pub(crate) fn refine_box(grey: &[f32], (w, h): (usize, usize), work: &[f32], (ww, wh): (usize, usize),
    b: (usize, usize, usize, usize)) -> (f32, f32, f32, f32) {
    let (x0, y0, x1, y1) = b;
    let (fx, fy) = (w as f32 / ww as f32, h as f32 / wh as f32);
    let mut out = (x0 as f32, y0 as f32, x1 as f32, y1 as f32);
    if fx <= 1.0 && fy <= 1.0 {
        return out;
    }
    // the full-size span of working pixels [from, to), clamped
    let span = |from: usize, to: usize, f: f32, n: usize| ((from as f32 * f).floor() as usize, ((to as f32 * f).ceil() as usize).min(n));
    let (cx0, cx1) = span(x0, x1, fx, w);
    let full_row = |y: usize| grey[y * w + cx0..y * w + cx1].iter().copied();
    if y0 > 0 {
        let reference = median(work[(y0 - 1) * ww + x0..(y0 - 1) * ww + x1].iter().copied());
        let (lo, hi) = span(y0 - 1, y0 + 1, fy, h);
        if let Some(y) = (lo..hi).find(|&y| !uniform(full_row(y), reference)) {
            out.1 = y as f32 / fy;
        }
    }
    if y1 < wh {
        let reference = median(work[y1 * ww + x0..y1 * ww + x1].iter().copied());
        let (lo, hi) = span(y1 - 1, y1 + 1, fy, h);
        if let Some(y) = (lo..hi).rev().find(|&y| !uniform(full_row(y), reference)) {
            out.3 = (y + 1) as f32 / fy;
        }
    }
    let (ry0, ry1) = ((out.1 * fy).floor() as usize, ((out.3 * fy).ceil() as usize).min(h));
    let full_col = |x: usize| (ry0..ry1).map(move |y| grey[y * w + x]);
    if x0 > 0 {
        let reference = median((y0..y1).map(|y| work[y * ww + x0 - 1]));
        let (lo, hi) = span(x0 - 1, x0 + 1, fx, w);
        if let Some(x) = (lo..hi).find(|&x| !uniform(full_col(x), reference)) {
            out.0 = x as f32 / fx;
        }
    }
    if x1 < ww {
        let reference = median((y0..y1).map(|y| work[y * ww + x1]));
        let (lo, hi) = span(x1 - 1, x1 + 1, fx, w);
        if let Some(x) = (lo..hi).rev().find(|&x| !uniform(full_col(x), reference)) {
            out.2 = (x + 1) as f32 / fx;
        }
    }
    out
}

/// Whether all but 1 % of the values are within `TRIM_TOLERANCE` of `reference`.
fn uniform(it: impl Iterator<Item = f32> + Clone, reference: f32) -> bool {
    let n = it.clone().count();
    let off = it.filter(|v| (v - reference).abs() > TRIM_TOLERANCE).count();
    off * 100 <= n
}

fn median(it: impl Iterator<Item = f32>) -> f32 {
    let mut v: Vec<f32> = it.collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// The image's borders trimmed, each while uniform in the colour of the image's edge on its side.
fn edge_trim(g: &[f32], w: usize, h: usize, (min_w, min_h): (usize, usize)) -> (usize, usize, usize, usize) {
    let row = |y: usize| g[y * w..(y + 1) * w].iter().copied();
    let col = |x: usize| (0..h).map(move |y| g[y * w + x]);
    let (mut x0, mut y0, mut x1, mut y1) = (0, 0, w, h);
    let top = median(row(0));
    while y1 - y0 > min_h && uniform(row(y0), top) {
        y0 += 1;
    }
    let bottom = median(row(h - 1));
    while y1 - y0 > min_h && uniform(row(y1 - 1), bottom) {
        y1 -= 1;
    }
    let left = median(col(0));
    while x1 - x0 > min_w && uniform(col(x0).skip(y0).take(y1 - y0), left) {
        x0 += 1;
    }
    let right = median(col(w - 1));
    while x1 - x0 > min_w && uniform(col(x1 - 1).skip(y0).take(y1 - y0), right) {
        x1 -= 1;
    }
    (x0, y0, x1, y1)
}

/// The box `b` without a plain frame: the colour of the ring `FRAME_EDGE` inside its border, on
/// all four sides (each may begin with up to `FRAME_EDGE` rows or columns of another colour); None
/// when a side has no such band or trimming would leave less than the minimum.
fn frame_trim(g: &[f32], w: usize, b: (usize, usize, usize, usize), (min_w, min_h): (usize, usize))
    -> Option<(usize, usize, usize, usize)> {
    let (x0, y0, x1, y1) = b;
    if x1 - x0 <= 2 * FRAME_EDGE + min_w || y1 - y0 <= 2 * FRAME_EDGE + min_h {
        return None;
    }
    let (ix0, iy0, ix1, iy1) = (x0 + FRAME_EDGE, y0 + FRAME_EDGE, x1 - FRAME_EDGE, y1 - FRAME_EDGE);
    let ring = (ix0..ix1).flat_map(|x| [g[iy0 * w + x], g[(iy1 - 1) * w + x]])
        .chain((iy0..iy1).flat_map(|y| [g[y * w + ix0], g[y * w + ix1 - 1]]));
    let colour = median(ring);
    let row = |y: usize, x0: usize, x1: usize| g[y * w + x0..y * w + x1].to_vec();
    let col = |x: usize, y0: usize, y1: usize| (y0..y1).map(|y| g[y * w + x]).collect::<Vec<f32>>();
    // a side: past up to FRAME_EDGE lines of another colour as a whole (not text reaching the edge),
    // at least one line of the frame's colour, then trimmed while so; the first line that is not
    let side = |mut at: usize, step: isize, stop: usize, line: &dyn Fn(usize) -> Vec<f32>| -> Option<usize> {
        let plain = |v: &[f32]| uniform(v.iter().copied(), colour);
        let mut skipped = 0;
        while skipped < FRAME_EDGE && at != stop && !plain(&line(at)) && (median(line(at).into_iter()) - colour).abs() > TRIM_TOLERANCE {
            at = at.wrapping_add_signed(step);
            skipped += 1;
        }
        if !plain(&line(at)) {
            return None;
        }
        while at != stop && plain(&line(at)) {
            at = at.wrapping_add_signed(step);
        }
        Some(at)
    };
    // rows between the columns of the edge (blended at the left and right too)
    let top = side(y0, 1, y1, &|y| row(y, ix0, ix1))?;
    if top + min_h >= y1 {
        return None;
    }
    let bottom = side(y1 - 1, -1, top, &|y| row(y, ix0, ix1))? + 1;
    let left = side(x0, 1, x1, &|x| col(x, top, bottom))?;
    if left + min_w >= x1 {
        return None;
    }
    let right = side(x1 - 1, -1, left, &|x| col(x, top, bottom))? + 1;
    (bottom > top && right > left && bottom - top > min_h && right - left > min_w).then_some((left, top, right, bottom))
}
