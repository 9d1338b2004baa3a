//! The part search of copy verification: one picture (turned or mirrored) slid over the other at
//! nine sizes (10-90 % of its area) on a 16x16 grid, the best placements refined at 32x32 and
//! 64x64 and to a quarter pixel. What finds a crop, a padded or captioned copy, a screenshot
//! around a picture. Called by `copies::verify_with`; grids are `copies`' (gradients, resampling).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::copies::{dot, gradient, halve, resample, unit, COARSE, SIDE, TINY};

/// Placements from the tiny grid refined on the coarse one.
const PART_REFINE: usize = 16;
/// Area fractions at which the smaller picture is searched inside the larger.
const PART_AREAS: [f32; 9] = [0.9, 0.75, 0.62, 0.5, 0.4, 0.3, 0.22, 0.15, 0.1];

/// Summed-area table of the gradient energy of a `side` x `side` grid ((side + 1)^2 values).
struct Integral {
    side: usize,
    sq: Vec<f64>,
}

impl Integral {
    fn new(grad: &[f32], side: usize) -> Integral {
        let n = side + 1;
        let mut sq = vec![0f64; n * n];
        for y in 0..side {
            let mut rq = 0f64;
            for x in 0..side {
                let (dx, dy) = (grad[(y * side + x) * 2] as f64, grad[(y * side + x) * 2 + 1] as f64);
                rq += dx * dx + dy * dy;
                sq[(y + 1) * n + x + 1] = sq[y * n + x + 1] + rq;
            }
        }
        Integral { side, sq }
    }

    /// Gradient energy of the window (ox, oy, tw, th).
    fn energy(&self, ox: usize, oy: usize, tw: usize, th: usize) -> f32 {
        let n = self.side + 1;
        let t = &self.sq;
        (t[(oy + th) * n + ox + tw] - t[(oy + th) * n + ox] - t[oy * n + ox + tw] + t[oy * n + ox]) as f32
    }
}

/// Cosine of a unit template (tw x th gradients) with the gradients of `big` in the window at (ox, oy).
fn window_ncc(t: &[f32], tw: usize, th: usize, big: &[f32], ii: &Integral, ox: usize, oy: usize) -> f32 {
    let e = ii.energy(ox, oy, tw, th);
    if e <= 0.0025 * (tw * th) as f32 {
        return -1.0;
    }
    let bs = ii.side;
    let mut d = 0f32;
    for y in 0..th {
        d += dot(&big[((oy + y) * bs + ox) * 2..((oy + y) * bs + ox + tw) * 2], &t[y * tw * 2..(y + 1) * tw * 2]);
    }
    (d / e.sqrt()).clamp(-1.0, 1.0)
}

pub(crate) struct Side {
    /// grey levels (templates are resampled from them)
    fine: Vec<f32>,
    /// gradients at each level
    fine_g: Vec<f32>,
    coarse: Vec<f32>,
    tiny: Vec<f32>,
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
pub(crate) fn side_of(fine: Vec<f32>, aspect: f32) -> Side {
    let coarse = halve(&fine, SIDE);
    let tiny = halve(&coarse, COARSE);
    let (fine_g, coarse_g, tiny_g) = (gradient(&fine, SIDE, SIDE), gradient(&coarse, COARSE, COARSE), gradient(&tiny, TINY, TINY));
    Side {
        fine_ii: Integral::new(&fine_g, SIDE),
        coarse_ii: Integral::new(&coarse_g, COARSE),
        tiny_ii: Integral::new(&tiny_g, TINY),
        fine,
        fine_g,
        coarse: coarse_g,
        tiny: tiny_g,
        aspect,
        templates: RefCell::new(HashMap::new()),
    }
}

impl Side {
    fn level(&self, side: usize) -> (&[f32], &Integral) {
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
        let t = unit(&gradient(&resample(&self.fine, SIDE, SIDE, (0.0, 0.0, SIDE as f32, SIDE as f32), tw, th), tw, th)).map(Rc::new);
        self.templates.borrow_mut().insert((tw, th), t.clone());
        t
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
    let (grid, ii) = big.level(side);
    let (x_range, y_range) = match radius {
        None => (0..=side - tw, 0..=side - th),
        Some(r) => {
            let (cx, cy) = ((p.fx * side as f32).round() as usize, (p.fy * side as f32).round() as usize);
            let (cx, cy) = (cx.min(side - tw), cy.min(side - th));
            (cx.saturating_sub(r)..=(cx + r).min(side - tw), cy.saturating_sub(r)..=(cy + r).min(side - th))
        }
    };
    let mut best: Option<Place> = None;
    for oy in y_range {
        for ox in x_range.clone() {
            let s = window_ncc(&tmpl, tw, th, grid, ii, ox, oy);
            if best.map_or(true, |b| s > b.score) {
                best = Some(Place { score: s, fx: ox as f32 / side as f32, fy: oy as f32 / side as f32, ..p });
            }
        }
    }
    best
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

/// Sub-pixel refinement of a placement on the fine grid: the larger picture's region is resampled
/// at fractional coordinates to the compared size and moved / resized by coordinate descent
/// (steps of 1/2 and 1/4 pixel, 2 % and 1 % of the size).
fn subpixel(small: &Side, big: &Side, p: Place) -> Place {
    let n = SIDE as f32;
    let size = ((p.fw.min(p.fh) * n).round() as usize).clamp(12, 48);
    let Some(want) = small.template(size, size) else { return p };
    let score = |r: [f32; 4]| -> f32 {
        let [x, y, w, h] = r;
        if x < -0.01 || y < -0.01 || x + w > n + 0.01 || y + h > n + 0.01 || w < 4.0 || h < 4.0 {
            return -1.0;
        }
        let region = resample(&big.fine, SIDE, SIDE, (x.max(0.0), y.max(0.0), (x + w).min(n), (y + h).min(n)), size, size);
        let g = gradient(&region, size, size);
        let e = g.iter().map(|v| v * v).sum::<f32>();
        if e <= 0.0025 * (size * size) as f32 {
            return -1.0;
        }
        (dot(&want, &g) / e.sqrt()).clamp(-1.0, 1.0)
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
