//! Copies under a watermark: semi-transparent text repeated over the whole picture ("SAMPLE",
//! "PREVIEW", "© studio"). Its letters cover cells all over the 64x64 grid, so no band or corner
//! can be set aside (`overlay`), and on a smooth photograph their edges are most of the copy's:
//! its gradient correlation falls to 0.6-0.9. But a watermark only adds light: the copy's grey
//! levels are the original's plus a one-signed difference where the letters are, part of the way
//! to white (seen through). Here
//! the cells that differ that way (beyond `TOLERANCE`, after the two grids' offset) are set aside
//! with their neighbours and the gradients compared over the rest, discounted as `overlay`
//! discounts a band set aside, where they lie all over the picture (`MIN_REGIONS`). A look-alike
//! differs both ways, so the cells it keeps still differ.
//! Pure Rust; called by `copies::verify_prepared`.

use crate::copies::SIDE;
use crate::overlay::{BELOW, DISCOUNT, FLAT, MIN_KEPT_ENERGY};

/// Grey levels a cell may differ by (after the grids' offset) and still count as untouched.
const TOLERANCE: f32 = 6.0;
/// Largest share of the grid that may be set aside.
const MAX_COVER: f32 = 0.6;
/// The grid's regions (REGIONS x REGIONS of them) that must hold cells set aside: a watermark is
/// repeated all over the picture; a look-alike with something added in one place (sunglasses on a
/// smiley, an emblem on an icon, a word on a box) differs one way too, but in few regions.
const REGIONS: usize = 4;
const MIN_REGIONS: usize = 10;
/// Of the cells that differ the watermark's way, the most that may differ the other way (as a share).
const MAX_OTHER_WAY: f32 = 0.02;
/// How far towards white (black) a cell may be taken and still be seen through: a share of the way.
const OPAQUE: f32 = 0.7;
/// Of the cells that differ the watermark's way, the most that may be taken further than `OPAQUE`.
const MAX_OPAQUE: f32 = 0.05;
/// Whole-picture scores in [FLOOR, `overlay::BELOW`) are compared again.
const FLOOR: f32 = 0.5;

/// A whole-picture `score` of the grids `a` and `b` (SIDE x SIDE grey levels, aligned), or that of
/// the two compared without the cells a one-signed overlay would explain, discounted, where that
/// is higher.
pub(crate) fn watermarked(score: f32, (a, ga): (&[f32], &[f32]), (b, gb): (&[f32], &[f32])) -> f32 {
    let n = SIDE * SIDE;
    if !(FLOOR..BELOW).contains(&score) || a.len() != n || b.len() != n || ga.len() != 2 * n || gb.len() != 2 * n {
        return score;
    }
    let mut r: Vec<f32> = a.iter().zip(b).map(|(x, y)| y - x).collect();
    // the untouched cells' offset (a watermark on b leaves the lowest quarter of the differences
    // untouched, one on a the highest)
    let mut sorted = r.clone();
    let low = *sorted.select_nth_unstable_by(n / 4, |p, q| p.total_cmp(q)).1;
    let high = *sorted.select_nth_unstable_by(n * 3 / 4, |p, q| p.total_cmp(q)).1;
    let mut best = score;
    for (sign, offset) in [(1.0f32, low), (-1.0, high)] {
        r.iter_mut().zip(a.iter().zip(b)).for_each(|(d, (x, y))| *d = sign * (y - x - offset));
        let over: Vec<bool> = r.iter().map(|&d| d > TOLERANCE).collect();
        let n_over = over.iter().filter(|&&o| o).count();
        let under = r.iter().filter(|&&d| d < -TOLERANCE).count();
        if n_over == 0 || under as f32 > MAX_OTHER_WAY * n_over as f32 {
            continue;
        }
        // one way only (above), and translucent: a watermark lightens what is under it by a part of
        // what is left to white; something opaque laid over (an emblem, a label) takes cells all
        // the way, a look-alike's other lines differ both ways. The picture that carries it is the
        // one with the letters' edges: more edge energy where they are.
        let energy = |g: &[f32]| (0..n).filter(|&i| over[i]).map(|i| g[2 * i] * g[2 * i] + g[2 * i + 1] * g[2 * i + 1]).sum::<f32>();
        let b_carries = energy(gb) >= energy(ga);
        // light only: a dark one would be a look-alike's extra lines on white as well (a playing
        // card's design with a thin frame drawn around the other's)
        if b_carries != (sign > 0.0) {
            continue;
        }
        let opaque = (0..n)
            .filter(|&i| over[i])
            .filter(|&i| {
                // the carrier's level moved from the other's towards white
                let (x, y) = (a[i], b[i] - offset);
                let (from, to) = if b_carries { (x, y) } else { (y, x) };
                (to - from) / (255.0 - from).max(1.0) > OPAQUE
            })
            .count();
        if opaque as f32 > MAX_OPAQUE * n_over as f32 {
            continue;
        }
        let r_side = SIDE / REGIONS;
        let mut in_region = [0usize; REGIONS * REGIONS];
        for (i, _) in over.iter().enumerate().filter(|(_, &o)| o) {
            in_region[(i / SIDE / r_side) * REGIONS + (i % SIDE) / r_side] += 1;
        }
        if in_region.iter().filter(|&&n| n >= 2).count() < MIN_REGIONS {
            continue;
        }
        // set aside: a cell lighter than the offset allows, and its four neighbours
        let covered = |i: usize| {
            let (x, y) = (i % SIDE, i / SIDE);
            over[i] || (x > 0 && over[i - 1]) || (x + 1 < SIDE && over[i + 1]) || (y > 0 && over[i - SIDE]) || (y + 1 < SIDE && over[i + SIDE])
        };
        let kept: Vec<bool> = (0..SIDE * SIDE).map(|i| !covered(i)).collect();
        let share = 1.0 - kept.iter().filter(|&&k| k).count() as f32 / (SIDE * SIDE) as f32;
        if share == 0.0 || share > MAX_COVER {
            continue;
        }
        let (mut saa, mut sbb, mut sab, mut taa, mut tbb) = (0f64, 0f64, 0f64, 0f64, 0f64);
        for i in 0..SIDE * SIDE {
            let (ax, ay, bx, by) = (ga[2 * i] as f64, ga[2 * i + 1] as f64, gb[2 * i] as f64, gb[2 * i + 1] as f64);
            let (ea, eb) = (ax * ax + ay * ay, bx * bx + by * by);
            taa += ea;
            tbb += eb;
            if kept[i] {
                saa += ea;
                sbb += eb;
                sab += ax * bx + ay * by;
            }
        }
        let min = MIN_KEPT_ENERGY as f64;
        if saa <= 0.0 || sbb <= 0.0 || saa < min * taa || sbb < min * tbb {
            continue;
        }
        let s = (sab / (saa * sbb).sqrt()) as f32;
        best = best.max(s - FLAT - DISCOUNT * share);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::copies::{dot, gradient, unit};

    /// A smooth photograph's grid: few, soft edges.
    fn photo() -> Vec<f32> {
        (0..SIDE * SIDE)
            .map(|i| {
                let (x, y) = ((i % SIDE) as f32 / SIDE as f32, (i / SIDE) as f32 / SIDE as f32);
                110.0 + 60.0 * ((x * 2.3 + y * 1.1) * 6.28).sin() + 30.0 * ((y * 3.1 - x) * 6.28).cos()
            })
            .collect()
    }

    /// Letter-like strokes (short bars a cell wide) repeated over the grid, as a tiled watermark's
    /// text lands on it; `only` keeps those in one 16x16 region.
    fn strokes(only: bool) -> Vec<bool> {
        (0..SIDE * SIDE)
            .map(|i| {
                let (x, y) = (i % SIDE, i / SIDE);
                let on = (x + 2 * y) % 9 == 0 && y % 6 < 4;
                on && (!only || (x < 16 && y < 16))
            })
            .collect()
    }

    fn score(a: &[f32], b: &[f32]) -> f32 {
        let (ga, gb) = (gradient(a, SIDE, SIDE), gradient(b, SIDE, SIDE));
        let whole = dot(&unit(&ga).unwrap(), &unit(&gb).unwrap());
        watermarked(whole, (a, &ga), (b, &gb))
    }

    fn whole(a: &[f32], b: &[f32]) -> f32 {
        dot(&unit(&gradient(a, SIDE, SIDE)).unwrap(), &unit(&gradient(b, SIDE, SIDE)).unwrap())
    }

    #[test]
    fn a_translucent_watermark_all_over_is_set_aside() {
        let a = photo();
        let s = strokes(false);
        let b: Vec<f32> = a.iter().zip(&s).map(|(&v, &on)| if on { v + 0.4 * (255.0 - v) } else { v }).collect();
        let (w, m) = (whole(&a, &b), score(&a, &b));
        assert!(w < 0.9 && m >= 0.95, "whole {w}, with the watermark set aside {m}");
        // either way round
        assert!(score(&b, &a) >= 0.95);
        // a dark one is not taken for one (extra lines on white: another design of a drawing)
        let dark: Vec<f32> = a.iter().zip(&s).map(|(&v, &on)| if on { v - 0.4 * v } else { v }).collect();
        assert_eq!(score(&a, &dark), whole(&a, &dark));
        assert_eq!(score(&dark, &a), whole(&dark, &a));
    }

    #[test]
    fn opaque_two_way_or_local_differences_are_not_watermarks() {
        let a = photo();
        let s = strokes(false);
        // opaque white letters take the cells all the way
        let opaque: Vec<f32> = a.iter().zip(&s).map(|(&v, &on)| if on { 255.0 } else { v }).collect();
        // lighter here, darker there: another picture's lines
        let mut k = 0;
        let both: Vec<f32> = a
            .iter()
            .zip(&s)
            .map(|(&v, &on)| {
                k += on as usize;
                if !on { v } else if k % 2 == 0 { v + 0.4 * (255.0 - v) } else { v - 0.4 * v }
            })
            .collect();
        // translucent, but in one place (something laid over a corner)
        let local: Vec<f32> = a.iter().zip(strokes(true)).map(|(&v, on)| if on { v + 0.4 * (255.0 - v) } else { v }).collect();
        for b in [&opaque, &both, &local] {
            let w = whole(&a, b);
            assert_eq!(score(&a, b), w, "set aside where it should not be");
        }
        // nothing to set aside, and settled or hopeless scores, are left as they are
        assert_eq!(score(&a, &a), whole(&a, &a));
        assert_eq!(watermarked(0.3, (&a, &gradient(&a, SIDE, SIDE)), (&opaque, &gradient(&opaque, SIDE, SIDE))), 0.3);
    }
}
