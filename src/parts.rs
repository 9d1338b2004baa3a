//! The part search of copy verification: one picture (turned or mirrored) slid over the other at
//! nine sizes (10-90 % of its area) on a 16x16 grid, the best placements refined at 32x32 and
//! 64x64 and to a quarter pixel. What finds a crop, a padded or captioned copy, a screenshot
//! around a picture. Called by `copies::verify_with`; grids are `copies`' (gradients, resampling).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::copies::{dot, gradient, halve, resample, unit, COARSE, SIDE, TINY};
use crate::grids::{along_x, along_y, axis, Axis};
use crate::correlate::{correlate, Planes};

/// Placements from the tiny grid refined on the coarse one.
const PART_REFINE: usize = 16;
/// Placements whose best coarse score is below this are not refined on the fine grid; the coarse
/// placement is the answer. On the benchmark's candidate pairs (`copy_bench --verify-timing`'s,
/// 1,800 part searches) none that stayed below it on the coarse grid reached 0.8 after the fine
/// refinement (at most 0.76; the refinement moves a score by -0.2 to +0.05 there), and a part
/// match under 0.8 has a copy confidence under 0.01 (`dev.imgsim.CopyCalibration`). About half
/// of a collection's part searches stop here, saving the fine stage (about half their cost).
const FINE_FROM: f32 = 0.6;
/// Area fractions at which the smaller picture is searched inside the larger.
const PART_AREAS: [f32; 9] = [0.9, 0.75, 0.62, 0.5, 0.4, 0.3, 0.22, 0.15, 0.1];

/// Summed-area table of the gradient energy of a `side` x `side` grid ((side + 1)^2 values).
struct Integral {
    side: usize,
    sq: Vec<f64>,
}

/// The summed-area table ((side + 1)^2 values, a zero row and column first) of `value(i)` over
/// the cells i of a `side` x `side` grid, row by row.
fn summed(side: usize, value: impl Fn(usize) -> f64) -> Vec<f64> {
    let n = side + 1;
    let mut t = vec![0f64; n * n];
    for y in 0..side {
        let mut row = 0f64;
        for x in 0..side {
            row += value(y * side + x);
            t[(y + 1) * n + x + 1] = t[y * n + x + 1] + row;
        }
    }
    t
}

impl Integral {
    fn new(grad: &[f32], side: usize) -> Integral {
        let sq = summed(side, |i| {
            let (dx, dy) = (grad[i * 2] as f64, grad[i * 2 + 1] as f64);
            dx * dx + dy * dy
        });
        Integral { side, sq }
    }

    /// Gradient energy of the window (ox, oy, tw, th).
    fn energy(&self, ox: usize, oy: usize, tw: usize, th: usize) -> f32 {
        let n = self.side + 1;
        let t = &self.sq;
        (t[(oy + th) * n + ox + tw] - t[(oy + th) * n + ox] - t[oy * n + ox + tw] + t[oy * n + ox]) as f32
    }
}

/// Summed-area table of a `side` x `side` grey grid, read as the integral of the piecewise-constant
/// picture: the mean over any box with fractional corners is four bilinear reads (exact for a
/// piecewise-constant picture), which is what `resample` computes when it shrinks.
struct Sat {
    side: usize,
    v: Vec<f64>,
}

impl Sat {
    fn new(g: &[f32], side: usize) -> Sat {
        Sat { side, v: summed(side, |i| g[i] as f64) }
    }

    /// A coordinate in [0, side] as (cell, fraction within it): the last edge is the end of the last cell.
    fn cell(&self, x: f64) -> (usize, f64) {
        let k = (x.max(0.0) as usize).min(self.side - 1); // truncation: x >= 0
        (k, x - k as f64)
    }

    /// `resample(grid, side, side, region, dw, dh)` when the region is at least dw x dh grid
    /// cells (area averaging); None when it would enlarge (`resample` interpolates then).
    fn shrink(&self, (x0, y0, x1, y1): (f32, f32, f32, f32), dw: usize, dh: usize) -> Option<Vec<f32>> {
        let (sx, sy) = ((x1 - x0) / dw as f32, (y1 - y0) / dh as f32);
        if sx < 1.0 || sy < 1.0 {
            return None;
        }
        let n = self.side + 1;
        // the cell edges as `axis` places them
        let xs: Vec<f64> = (0..=dw).map(|i| (x0 + i as f32 * sx) as f64).collect();
        let ys: Vec<f64> = (0..=dh).map(|j| (y0 + j as f32 * sy) as f64).collect();
        let cols: Vec<(usize, f64)> = xs.iter().map(|&x| self.cell(x)).collect();
        // the integral over [0, x] x [0, y] at every column edge x of the row edge y
        let edge = |y: f64, out: &mut Vec<f64>| {
            let (ky, fy) = self.cell(y);
            let (top, bottom) = (&self.v[ky * n..(ky + 1) * n], &self.v[(ky + 1) * n..(ky + 2) * n]);
            out.clear();
            out.extend(cols.iter().map(|&(kx, fx)| {
                let (a, b, c, d) = (top[kx], top[kx + 1], bottom[kx], bottom[kx + 1]);
                a + fx * (b - a) + fy * (c - a) + fx * fy * (d - b - c + a)
            }));
        };
        let (mut above, mut below) = (Vec::with_capacity(dw + 1), Vec::with_capacity(dw + 1));
        edge(ys[0], &mut above);
        let mut out = vec![0f32; dw * dh];
        for j in 0..dh {
            edge(ys[j + 1], &mut below);
            let h = ys[j + 1] - ys[j];
            for i in 0..dw {
                let sum = below[i + 1] - below[i] - above[i + 1] + above[i];
                out[j * dw + i] = (sum / ((xs[i + 1] - xs[i]) * h)) as f32;
            }
            std::mem::swap(&mut above, &mut below);
        }
        Some(out)
    }
}

pub(crate) struct Side {
    /// grey levels (templates are resampled from them)
    fine: Vec<f32>,
    fine_sat: Sat,
    /// gradients at each level
    fine_g: Planes,
    coarse: Planes,
    tiny: Planes,
    fine_ii: Integral,
    coarse_ii: Integral,
    tiny_ii: Integral,
    aspect: f32,
    /// unit gradients of the grid resampled to (width, height), None when without edges: one
    /// picture is placed at the same sizes in many others (a prepared fingerprint's sides serve
    /// every pair of a batch)
    templates: RefCell<HashMap<(usize, usize), Option<Rc<Vec<f32>>>>>,
}

/// The pyramid of one (transformed) grey grid, for the part search.
/// `fine_g`: `gradient` of `fine` (the caller has it).
pub(crate) fn side_of(fine: Vec<f32>, fine_g: Vec<f32>, aspect: f32) -> Side {
    let coarse = halve(&fine, SIDE);
    let tiny = halve(&coarse, COARSE);
    let (coarse_g, tiny_g) = (gradient(&coarse, COARSE, COARSE), gradient(&tiny, TINY, TINY));
    Side {
        fine_sat: Sat::new(&fine, SIDE),
        fine_ii: Integral::new(&fine_g, SIDE),
        coarse_ii: Integral::new(&coarse_g, COARSE),
        tiny_ii: Integral::new(&tiny_g, TINY),
        fine,
        fine_g: Planes::new(&fine_g, SIDE),
        coarse: Planes::new(&coarse_g, COARSE),
        tiny: Planes::new(&tiny_g, TINY),
        aspect,
        templates: RefCell::new(HashMap::new()),
    }
}

impl Side {
    /// The gradients on the grid of `side`, laid out for `correlate`, and their energy table.
    fn planes(&self, side: usize) -> (&Planes, &Integral) {
        match side {
            SIDE => (&self.fine_g, &self.fine_ii),
            COARSE => (&self.coarse, &self.coarse_ii),
            _ => (&self.tiny, &self.tiny_ii),
        }
    }

    /// The whole grid as a `tw` x `th` template (unit gradients), computed once per size.
    fn template(&self, tw: usize, th: usize) -> Option<Rc<Vec<f32>>> {
        if let Some(t) = self.templates.borrow().get(&(tw, th)) {
            return t.clone();
        }
        let t = unit(&gradient(&self.region(0.0, 0.0, SIDE as f32, SIDE as f32, tw, th), tw, th)).map(Rc::new);
        self.templates.borrow_mut().insert((tw, th), t.clone());
        t
    }

    /// The grey levels of the box (x0, y0, x1, y1) of the fine grid resampled to `dw` x `dh`: from
    /// the summed-area table when it shrinks at least 2x (four reads a value), else `resample`
    /// (faster near the grid's own scale, and it interpolates when enlarging).
    fn region(&self, x0: f32, y0: f32, x1: f32, y1: f32, dw: usize, dh: usize) -> Vec<f32> {
        if x1 - x0 >= 2.0 * dw as f32 && y1 - y0 >= 2.0 * dh as f32 {
            if let Some(g) = self.fine_sat.shrink((x0, y0, x1, y1), dw, dh) {
                return g;
            }
        }
        resample(&self.fine, SIDE, SIDE, (x0, y0, x1, y1), dw, dh)
    }
}

/// A placement of the smaller picture in the larger: fractions of the larger's sides.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Place {
    pub score: f32,
    /// which (transform, direction) pair it belongs to
    pub combo: usize,
    pub fw: f32,
    pub fh: f32,
    pub fx: f32,
    pub fy: f32,
}

/// Best correlation of `small` (resampled to fw x fh of a `side` grid) around the fractional
/// position (fx, fy) of `big`, within `radius` grid pixels; `radius` None: everywhere.
fn place(small: &Side, big: &Side, side: usize, p: Place, radius: Option<usize>) -> Option<Place> {
    let (tw, th) = ((p.fw * side as f32).round() as usize, (p.fh * side as f32).round() as usize);
    if tw < 4 || th < 4 || tw > side || th > side {
        return None;
    }
    let tmpl = small.template(tw, th)?;
    let (x_range, y_range) = match radius {
        None => (0..=side - tw, 0..=side - th),
        Some(r) => {
            let (cx, cy) = ((p.fx * side as f32).round() as usize, (p.fy * side as f32).round() as usize);
            let (cx, cy) = (cx.min(side - tw), cy.min(side - th));
            (cx.saturating_sub(r)..=(cx + r).min(side - tw), cy.saturating_sub(r)..=(cy + r).min(side - th))
        }
    };
    let (x0, nx) = (*x_range.start(), x_range.end() + 1 - x_range.start());
    let (y0, ny) = (*y_range.start(), y_range.end() + 1 - y_range.start());
    let mut best: Option<Place> = None;
    let mut consider = |ox: usize, oy: usize, s: f32| {
        if best.map_or(true, |b| s > b.score) {
            best = Some(Place { score: s, fx: ox as f32 / side as f32, fy: oy as f32 / side as f32, ..p });
        }
    };
    let (planes, ii) = big.planes(side);
    let mut dots = [0f32; (TINY + 1) * (TINY + 1)];
    let mut at = 0;
    // rows in bands so that the dot products of one band fit the buffer
    let band = (dots.len() / nx).max(1);
    while at < ny {
        let rows = band.min(ny - at);
        correlate(&tmpl, tw, th, planes, (x0, nx), (y0 + at, rows), &mut dots[..nx * rows]);
        for j in 0..rows {
            for i in 0..nx {
                consider(x0 + i, y0 + at + j, ncc(dots[j * nx + i], ii, x0 + i, y0 + at + j, tw, th));
            }
        }
        at += rows;
    }
    best
}

/// The cosine from a template's dot product with the window at (ox, oy) and the window's energy.
fn ncc(d: f32, ii: &Integral, ox: usize, oy: usize, tw: usize, th: usize) -> f32 {
    let e = ii.energy(ox, oy, tw, th);
    if e <= 0.0025 * (tw * th) as f32 {
        return -1.0;
    }
    (d / e.sqrt()).clamp(-1.0, 1.0)
}

/// Placements of `small` in `big` at every area of PART_AREAS on the tiny grid, the best per area.
fn tiny_places(small: &Side, big: &Side, combo: usize, out: &mut Vec<Place>) {
    for &area in &PART_AREAS {
        let mut fw = (area * small.aspect / big.aspect).sqrt();
        let mut fh = (area * big.aspect / small.aspect).sqrt();
        if fw > 1.0 {
            fh /= fw;
            fw = 1.0;
        }
        if fh > 1.0 {
            fw /= fh;
            fh = 1.0;
        }
        if fw * fh > 0.97 {
            continue; // the whole picture: compared already
        }
        let start = Place { score: -1.0, combo, fw, fh, fx: 0.0, fy: 0.0 };
        if let Some(p) = place(small, big, TINY, start, None) {
            out.push(p);
        }
    }
}

/// Best placement of one picture inside the other over all combos: tiny grid everywhere, the
/// best few refined on the coarse grid, the best two on the fine grid (position and size).
pub(crate) fn best_part(combos: &[(&Side, &Side)]) -> Option<Place> {
    let mut found = Vec::new();
    for (c, (small, big)) in combos.iter().enumerate() {
        tiny_places(small, big, c, &mut found);
    }
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    found.truncate(PART_REFINE);
    let mut coarse: Vec<Place> = found
        .iter()
        .flat_map(|p| [0.9f32, 1.0, 1.1].map(|f| Place { fw: (p.fw * f).min(1.0), fh: (p.fh * f).min(1.0), ..*p }))
        .filter_map(|p| place(combos[p.combo].0, combos[p.combo].1, COARSE, p, Some(3)))
        .collect();
    coarse.sort_by(|a, b| b.score.total_cmp(&a.score));
    // a part that matches this poorly on the coarse grid is not refined: what it would reach
    // decides nothing (`FINE_FROM`)
    if coarse.first().map_or(true, |p| p.score < FINE_FROM) {
        return coarse.first().copied();
    }
    let mut best: Option<Place> = None;
    for p in coarse.iter().take(2) {
        let mut here: Option<Place> = None;
        for f in [0.94f32, 0.97, 1.0, 1.03, 1.06] {
            let q = Place { fw: (p.fw * f).min(1.0), fh: (p.fh * f).min(1.0), ..*p };
            if let Some(r) = place(combos[p.combo].0, combos[p.combo].1, SIDE, q, Some(2)) {
                if here.map_or(true, |b| r.score > b.score) {
                    here = Some(r);
                }
            }
        }
        if let Some(r) = here.map(|r| subpixel(combos[r.combo].0, combos[r.combo].1, r)) {
            if best.map_or(true, |b| r.score > b.score) {
                best = Some(r);
            }
        }
    }
    best
}

/// `resample` of the fine grid to `size` x `size` at region after region, as the sub-pixel
/// descent asks: a region with the previous one's x extent (a move along y, a change of height)
/// reuses the source lines already taken through the x axis. The same two passes as `resample`,
/// so the same values.
struct Regions<'a> {
    grid: &'a [f32],
    size: usize,
    /// the x extent (bits) the lines were taken through, and its axis
    x: Option<((u32, u32), Axis)>,
    /// SIDE lines of `size` samples; `done[y]`: line y is through the current axis
    lines: Vec<f32>,
    done: [bool; SIDE],
}

impl<'a> Regions<'a> {
    fn new(grid: &'a [f32], size: usize) -> Regions<'a> {
        Regions { grid, size, x: None, lines: vec![0f32; SIDE * size], done: [false; SIDE] }
    }

    fn get(&mut self, x0: f32, y0: f32, x1: f32, y1: f32) -> Vec<f32> {
        let d = self.size;
        let key = (x0.to_bits(), x1.to_bits());
        if self.x.as_ref().is_some_and(|(k, _)| *k != key) {
            self.x = None;
        }
        let done = &mut self.done;
        let (_, ax) = self.x.get_or_insert_with(|| {
            *done = [false; SIDE];
            (key, axis(SIDE, x0, x1, d))
        });
        let ay = axis(SIDE, y0, y1, d);
        for j in 0..d {
            let (f, wt) = ay.sample(j);
            for y in f..f + wt.len() {
                if !done[y] {
                    along_x(&self.grid[y * SIDE..(y + 1) * SIDE], ax, &mut self.lines[y * d..(y + 1) * d]);
                    done[y] = true;
                }
            }
        }
        let mut out = vec![0f32; d * d];
        let lines = &self.lines;
        along_y(&ay, d, |y| &lines[y * d..(y + 1) * d], &mut out);
        out
    }
}

/// Sub-pixel refinement of a placement on the fine grid: the larger picture's region is resampled
/// at fractional coordinates to the compared size and moved / resized by coordinate descent
/// (steps of 1/2 and 1/4 pixel, 2 % and 1 % of the size).
fn subpixel(small: &Side, big: &Side, p: Place) -> Place {
    let n = SIDE as f32;
    let size = ((p.fw.min(p.fh) * n).round() as usize).clamp(12, 48);
    let Some(want) = small.template(size, size) else { return p };
    let mut regions = Regions::new(&big.fine, size);
    let mut score = |r: [f32; 4]| -> f32 {
        let [x, y, w, h] = r;
        if x < -0.01 || y < -0.01 || x + w > n + 0.01 || y + h > n + 0.01 || w < 4.0 || h < 4.0 {
            return -1.0;
        }
        let (x0, y0, x1, y1) = (x.max(0.0), y.max(0.0), (x + w).min(n), (y + h).min(n));
        // (`Side::region` takes the summed-area table only for regions twice the size: never here)
        let region = if x1 - x0 >= 2.0 * size as f32 && y1 - y0 >= 2.0 * size as f32 {
            big.region(x0, y0, x1, y1, size, size)
        } else {
            regions.get(x0, y0, x1, y1)
        };
        let g = gradient(&region, size, size);
        let e = dot(&g, &g);
        if e <= 0.0025 * (size * size) as f32 {
            return -1.0;
        }
        (dot(&want, &g) / e.sqrt()).clamp(-1.0, 1.0)
    };
    // the descent often steps back to a placement it scored already (a move along x, then the
    // opposite move): scores are remembered by the placement's exact coordinates
    let mut seen: Vec<([u32; 4], f32)> = Vec::with_capacity(64);
    let mut score = |r: [f32; 4]| -> f32 {
        let key = r.map(f32::to_bits);
        if let Some(&(_, s)) = seen.iter().find(|(k, _)| *k == key) {
            return s;
        }
        let s = score(r);
        seen.push((key, s));
        s
    };
    let mut r = [p.fx * n, p.fy * n, p.fw * n, p.fh * n];
    let mut s = score(r);
    for (step, grow) in [(0.5f32, 0.02f32), (0.25, 0.01)] {
        for _ in 0..3 {
            let mut moved = false;
            for k in 0..4 {
                for sign in [-1.0f32, 1.0] {
                    let mut c = r;
                    if k < 2 {
                        c[k] += sign * step;
                    } else {
                        // grow or shrink about the centre
                        let d = c[k] * grow * sign;
                        c[k] += d;
                        c[k - 2] -= d / 2.0;
                    }
                    let cs = score(c);
                    if cs > s {
                        s = cs;
                        r = c;
                        moved = true;
                    }
                }
            }
            if !moved {
                break;
            }
        }
    }
    if s <= p.score {
        return p;
    }
    Place { score: s, fx: r[0] / n, fy: r[1] / n, fw: r[2] / n, fh: r[3] / n, ..p }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summed_area_table_shrinks_as_resample_does() {
        let g: Vec<f32> = (0..SIDE * SIDE).map(|i| ((i * 7919) % 251) as f32).collect();
        let sat = Sat::new(&g, SIDE);
        let regions = [(0.0, 0.0, 64.0, 64.0), (3.25, 7.5, 50.75, 40.0), (0.0, 10.0, 64.0, 22.5), (12.3, 0.1, 63.9, 63.95)];
        for region in regions {
            for (dw, dh) in [(5, 5), (16, 9), (12, 12), (31, 11)] {
                let Some(fast) = sat.shrink(region, dw, dh) else { continue };
                let slow = resample(&g, SIDE, SIDE, region, dw, dh);
                for (i, (a, b)) in fast.iter().zip(&slow).enumerate() {
                    assert!((a - b).abs() < 1e-3, "{region:?} to {dw}x{dh}, value {i}: {a} vs {b}");
                }
            }
        }
        // enlarging is left to resample's interpolation
        assert!(sat.shrink((10.0, 10.0, 20.0, 20.0), 12, 12).is_none());
    }

    #[test]
    fn regions_in_sequence_are_resample_bit_for_bit() {
        let g: Vec<f32> = (0..SIDE * SIDE).map(|i| ((i * 7919) % 251) as f32 * 0.37).collect();
        for size in [12, 30, 48] {
            let mut regions = Regions::new(&g, size);
            // moves along y and x, changes of size, enlarging and shrinking, the edges
            let mut r = (10.25f32, 7.5f32, 40.0f32, 33.0f32);
            for step in 0..40 {
                match step % 5 {
                    0 => r.1 += 0.5,
                    1 => r.0 -= 0.25,
                    2 => r.3 *= 1.02,
                    3 => r.2 *= 0.97,
                    _ => r.1 -= 0.75,
                }
                let (x0, y0) = (r.0.max(0.0), r.1.max(0.0));
                let (x1, y1) = ((r.0 + r.2).min(64.0), (r.1 + r.3).min(64.0));
                let want = resample(&g, SIDE, SIDE, (x0, y0, x1, y1), size, size);
                let got = regions.get(x0, y0, x1, y1);
                assert!(want.iter().zip(&got).all(|(a, b)| a.to_bits() == b.to_bits()), "size {size}, step {step}");
            }
        }
    }
}
