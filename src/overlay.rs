//! Copies with something laid over them: a meme's caption, a channel's logo, a sticker, a
//! "SAMPLE" stamp. The whole-picture comparison (`copies`) correlates the two grids' gradients
//! over every cell, so a caption across a fifth of the picture (large letters with an outline:
//! strong edges where the original had sky) pulls a copy's score to 0.6-0.9, below any threshold
//! that keeps two dialogs of one program apart.
//!
//! Here the grids are cut into blocks of `BLOCK` x `BLOCK` cells and compared again with the
//! blocks an overlay would cover set aside: bands along two opposite edges (a caption above
//! and/or below, up to `MAX_BAND` rows of blocks together; columns for a picture turned by a
//! quarter) or a square in a corner (a logo, up to `MAX_CORNER` blocks a side), whichever leaves
//! the highest correlation less what it gives up (`discounted`). What is left must still hold a good part of each picture's edges
//! (`MIN_KEPT_ENERGY`): a caption over a smooth photograph covers its edges, not the photograph.
//! The shapes are what overlays take; a free choice of blocks (tried first) let look-alikes that
//! differ in a few scattered places (dreidels with other letters, cards of one suit) through as
//! often as it let captions through. Pure Rust; called by `copies::verify_prepared`.

use crate::copies::SIDE;

/// Side of a block, in cells of the SIDE x SIDE grid.
pub const BLOCK: usize = 4;
/// Blocks along a side of the grid (16).
const BLOCKS: usize = SIDE / BLOCK;
/// Bands: at most this many rows (or columns) of blocks set aside, from both edges together.
pub const MAX_BAND: usize = 6;
/// Corners: squares of at most this many blocks a side.
pub const MAX_CORNER: usize = 5;
/// The blocks kept must hold at least this share of each picture's gradient energy.
pub const MIN_KEPT_ENERGY: f32 = 0.3;
/// What a comparison with blocks set aside gives up: FLAT, and DISCOUNT per share of the grid set
/// aside. A look-alike that differs in one region (a folder icon and the same folder with an
/// emblem in its corner, playing cards of one suit) gains from it as a copy does; on the
/// invariance benchmark (docs/QUALITY.md, "Captions and logos") these kept the rules' pair
/// precision where it was, where without them each copy gained came with half a wrong pair.
pub const FLAT: f32 = 0.01;
pub const DISCOUNT: f32 = 0.1;

/// Two grids compared with their most different blocks set aside.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Uncovered {
    /// Gradient correlation over the blocks kept, in [-1, 1].
    pub score: f32,
    /// Share of the blocks set aside.
    pub covered: f32,
}

impl Uncovered {
    /// The score less what setting blocks aside gives up (`FLAT`, `DISCOUNT`); the score itself
    /// when nothing was set aside.
    pub fn discounted(&self) -> f32 {
        if self.covered > 0.0 {
            self.score - FLAT - DISCOUNT * self.covered
        } else {
            self.score
        }
    }
}

/// Whole-picture scores in [FLOOR, BELOW) are compared again with an overlay set aside.
const FLOOR: f32 = 0.0;
pub(crate) const BELOW: f32 = 0.99;

/// A whole-picture `score` of the grids with gradients `ga` and `gb` (`copies::verify_prepared`),
/// or that of the grids compared again with edge bands or a corner set aside, discounted, where
/// that is higher.
pub(crate) fn overlaid(score: f32, ga: &[f32], gb: &[f32]) -> f32 {
    if !(FLOOR..BELOW).contains(&score) {
        return score;
    }
    uncovered(ga, gb).map_or(score, |u| score.max(u.discounted()))
}

/// `a` and `b`: gradients of SIDE x SIDE grids, interleaved (d/dx, d/dy) per cell, as
/// `grids::gradient` gives them. None when either has no edges or is not of that size.
pub fn uncovered(a: &[f32], b: &[f32]) -> Option<Uncovered> {
    if a.len() != SIDE * SIDE * 2 || b.len() != a.len() {
        return None;
    }
    let n = BLOCKS;
    let e = block_energies(a, b);
    let add = |t: [f64; 3], s: [f64; 3]| [t[0] + s[0], t[1] + s[1], t[2] + s[2]];
    let total = e.iter().fold([0f64; 3], |t, &s| add(t, s));
    if total[0] <= 0.0 || total[1] <= 0.0 {
        return None;
    }
    let (min_a, min_b) = (MIN_KEPT_ENERGY as f64 * total[0], MIN_KEPT_ENERGY as f64 * total[1]);
    let mut best = Uncovered { score: (total[2] / (total[0] * total[1]).sqrt()) as f32, covered: 0.0 };
    let mut consider = |aside: [f64; 3], blocks: usize| {
        let kept = [total[0] - aside[0], total[1] - aside[1], total[2] - aside[2]];
        if kept[0] < min_a || kept[1] < min_b {
            return;
        }
        let u = Uncovered { score: (kept[2] / (kept[0] * kept[1]).sqrt()) as f32, covered: blocks as f32 / (n * n) as f32 };
        if u.discounted() > best.discounted() {
            best = u;
        }
    };
    // bands along two opposite edges (a caption above and/or below, or beside a turned picture)
    let row = |y: usize| (0..n).fold([0f64; 3], |t, x| add(t, e[y * n + x]));
    let col = |x: usize| (0..n).fold([0f64; 3], |t, y| add(t, e[y * n + x]));
    for line in [&row as &dyn Fn(usize) -> [f64; 3], &col] {
        let lines: [[f64; 3]; BLOCKS] = std::array::from_fn(line);
        for first in 0..=MAX_BAND {
            for last in 0..=MAX_BAND - first {
                if first + last == 0 {
                    continue;
                }
                let aside = lines[..first].iter().chain(&lines[n - last..]).fold([0f64; 3], |t, &s| add(t, s));
                consider(aside, (first + last) * n);
            }
        }
    }
    // a square in a corner (a logo, a badge)
    for side in 1..=MAX_CORNER {
        for (cx, cy) in [(0, 0), (n - side, 0), (0, n - side), (n - side, n - side)] {
            let aside = (cy..cy + side).flat_map(|y| (cx..cx + side).map(move |x| y * n + x)).fold([0f64; 3], |t, k| add(t, e[k]));
            consider(aside, side * side);
        }
    }
    best.score = best.score.clamp(-1.0, 1.0);
    Some(best)
}

/// Per block: a's gradient energy, b's, their product (on the stack: this runs for most pairs),
/// each summed over the block's cells row by row.
fn block_energies(a: &[f32], b: &[f32]) -> [[f64; 3]; BLOCKS * BLOCKS] {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked above); the same operations in the same order per
            // block, so the same sums as the baseline build
            return unsafe { block_energies_avx2(a, b) };
        }
    }
    block_energies_body(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn block_energies_avx2(a: &[f32], b: &[f32]) -> [[f64; 3]; BLOCKS * BLOCKS] {
    block_energies_body(a, b)
}

/// One row of cells at a time: the cells' three products in straight loops the compiler
/// vectorises, then added to their blocks in the cells' order.
#[inline(always)]
fn block_energies_body(a: &[f32], b: &[f32]) -> [[f64; 3]; BLOCKS * BLOCKS] {
    let mut e = [[0f64; 3]; BLOCKS * BLOCKS];
    let (mut ea, mut eb, mut ab) = ([0f64; SIDE], [0f64; SIDE], [0f64; SIDE]);
    for y in 0..SIDE {
        let (ra, rb) = (&a[y * SIDE * 2..(y + 1) * SIDE * 2], &b[y * SIDE * 2..(y + 1) * SIDE * 2]);
        for x in 0..SIDE {
            let (ax, ay, bx, by) = (ra[2 * x] as f64, ra[2 * x + 1] as f64, rb[2 * x] as f64, rb[2 * x + 1] as f64);
            ea[x] = ax * ax + ay * ay;
            eb[x] = bx * bx + by * by;
            ab[x] = ax * bx + ay * by;
        }
        let blocks = &mut e[(y / BLOCK) * BLOCKS..(y / BLOCK + 1) * BLOCKS];
        for (k, s) in blocks.iter_mut().enumerate() {
            for x in k * BLOCK..(k + 1) * BLOCK {
                s[0] += ea[x];
                s[1] += eb[x];
                s[2] += ab[x];
            }
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::copies::gradient;

    fn scene(seed: u64) -> Vec<f32> {
        let mut g = vec![128f32; SIDE * SIDE];
        let mut r = crate::testing::xorshift(seed);
        for _ in 0..30 {
            let (x0, y0, w, h, v) = (r(SIDE), r(SIDE), 3 + r(12), 3 + r(12), r(256) as f32);
            for y in y0..(y0 + h).min(SIDE) {
                for x in x0..(x0 + w).min(SIDE) {
                    g[y * SIDE + x] = v;
                }
            }
        }
        g
    }

    /// White bars with black outlines across the top rows: a caption's edges.
    fn captioned(g: &[f32], rows: std::ops::Range<usize>) -> Vec<f32> {
        let mut g = g.to_vec();
        for y in rows {
            for x in 2..SIDE - 2 {
                g[y * SIDE + x] = if (x / 3 + y) % 2 == 0 { 255.0 } else { 0.0 };
            }
        }
        g
    }

    #[test]
    fn a_caption_over_an_eighth_of_the_picture_is_set_aside() {
        let a = scene(1);
        let b = captioned(&a, 5..11);
        let (ga, gb) = (gradient(&a, SIDE, SIDE), gradient(&b, SIDE, SIDE));
        let u = uncovered(&ga, &gb).unwrap();
        assert!(u.score > 0.98, "{u:?}");
        assert!(u.covered > 0.1 && u.covered <= 0.375, "{u:?}");
        // the whole grids disagree much more
        let whole = uncovered_none(&ga, &gb);
        assert!(whole < 0.9, "{whole}");
    }

    fn uncovered_none(a: &[f32], b: &[f32]) -> f32 {
        let d = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>();
        d(a, b) / (d(a, a) * d(b, b)).sqrt()
    }

    #[test]
    fn another_picture_stays_apart_and_identical_ones_set_nothing_aside() {
        let (a, b) = (scene(2), scene(3));
        let (ga, gb) = (gradient(&a, SIDE, SIDE), gradient(&b, SIDE, SIDE));
        let u = uncovered(&ga, &gb).unwrap();
        assert!(u.score < 0.6, "{u:?}");
        let same = uncovered(&ga, &ga).unwrap();
        assert!(same.score > 0.9999 && same.covered == 0.0, "{same:?}");
    }

    #[test]
    fn a_caption_larger_than_the_limit_is_not_set_aside_whole() {
        let a = scene(4);
        let b = captioned(&a, 0..40);
        let u = uncovered(&gradient(&a, SIDE, SIDE), &gradient(&b, SIDE, SIDE)).unwrap();
        assert!(u.covered <= 0.375 && u.score < 0.9, "{u:?}");
    }

    /// `g` with a `w` x `h` patch at (x0, y0) painted in stripes.
    fn patched(g: &[f32], x0: usize, y0: usize, w: usize, h: usize) -> Vec<f32> {
        let mut g = g.to_vec();
        for y in y0..y0 + h {
            for x in x0..x0 + w {
                g[y * SIDE + x] = if (x + y) % 4 < 2 { 250.0 } else { 10.0 };
            }
        }
        g
    }

    #[test]
    fn a_logo_in_a_corner_and_a_caption_beside_a_turned_picture_are_set_aside() {
        let a = scene(6);
        let ga = gradient(&a, SIDE, SIDE);
        let logo = uncovered(&ga, &gradient(&patched(&a, 49, 49, 12, 12), SIDE, SIDE)).unwrap();
        assert!(logo.score > 0.98 && logo.covered > 0.0 && logo.covered < 0.1, "{logo:?}");
        let beside = uncovered(&ga, &gradient(&patched(&a, 5, 2, 7, 60), SIDE, SIDE)).unwrap();
        assert!(beside.score > 0.98 && beside.covered > 0.1, "{beside:?}");
    }

    #[test]
    fn a_difference_in_the_middle_is_not_an_overlay() {
        // a dreidel with another letter, a card of another value: not where overlays go
        let a = scene(7);
        let ga = gradient(&a, SIDE, SIDE);
        let gb = gradient(&patched(&a, 22, 22, 20, 20), SIDE, SIDE);
        let u = uncovered(&ga, &gb).unwrap();
        assert!(u.score < 0.9, "{u:?}");
        assert!((u.score - uncovered_none(&ga, &gb)).abs() < 0.05, "{u:?}");
    }

    #[test]
    fn block_energies_are_each_blocks_cells_summed_in_order() {
        let (ga, gb) = (gradient(&scene(8), SIDE, SIDE), gradient(&scene(9), SIDE, SIDE));
        let mut want = [[0f64; 3]; BLOCKS * BLOCKS];
        for y in 0..SIDE {
            for x in 0..SIDE {
                let i = (y * SIDE + x) * 2;
                let (ax, ay, bx, by) = (ga[i] as f64, ga[i + 1] as f64, gb[i] as f64, gb[i + 1] as f64);
                let s = &mut want[(y / BLOCK) * BLOCKS + x / BLOCK];
                s[0] += ax * ax + ay * ay;
                s[1] += bx * bx + by * by;
                s[2] += ax * bx + ay * by;
            }
        }
        // bit for bit, whichever path the CPU takes
        let got = block_energies(&ga, &gb);
        assert!(want.iter().flatten().zip(got.iter().flatten()).all(|(w, g)| w.to_bits() == g.to_bits()));
        assert!(block_energies_body(&ga, &gb).iter().flatten().zip(got.iter().flatten()).all(|(w, g)| w.to_bits() == g.to_bits()));
    }

    #[test]
    fn a_flat_grid_compares_nothing() {
        let flat = vec![0f32; SIDE * SIDE * 2];
        let g = gradient(&scene(5), SIDE, SIDE);
        assert_eq!(uncovered(&flat, &g), None);
        assert_eq!(uncovered(&g, &flat), None);
        assert_eq!(uncovered(&g, &g[..100]), None);
    }
}
