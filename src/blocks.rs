//! Fine differences of two aligned grids: the grey grids of a whole-picture alignment, each at
//! zero mean and unit variance, compared in 8x8 blocks of 8x8 cells (`copies::Verdict::block_worst`,
//! `block_mean`): a look-alike that differs in one place has one bad block, a copy edited as a
//! whole raises all blocks a little. Pure Rust; called by `copies::verify_prepared`.

use crate::copies::{FLAT_STD, SIDE};
use crate::grids::lane_sum;

/// Side of a block of `block_residual`, in cells of the SIDE x SIDE grid.
const BLOCK: usize = 8;

/// (worst block, mean over blocks) of the mean absolute difference of two SIDE x SIDE grey grids,
/// each normalised to zero mean and unit variance; (0, 0) when either is flat.
#[cfg(test)]
pub(crate) fn block_residual(a: &[f32], b: &[f32]) -> (f32, f32) {
    match (normalised(a), normalised(b)) {
        (Some(a), Some(b)) => block_residual_of(&a, &b),
        _ => (0.0, 0.0),
    }
}

/// A grid at zero mean and unit variance; None when flat.
pub(crate) fn normalised(g: &[f32]) -> Option<Vec<f32>> {
    let n = g.len() as f32;
    let mean = lane_sum(g, |x| x) / n;
    let var = lane_sum(g, |x| (x - mean) * (x - mean)) / n;
    (var > FLAT_STD * FLAT_STD).then(|| g.iter().map(|x| (x - mean) / var.sqrt()).collect())
}

/// `block_residual` of two `normalised` grids.
pub(crate) fn block_residual_of(a: &[f32], b: &[f32]) -> (f32, f32) {
    let blocks = SIDE / BLOCK;
    let (mut worst, mut sum) = (0f32, 0f32);
    for by in 0..blocks {
        for bx in 0..blocks {
            let mut d = 0f32;
            for y in by * BLOCK..(by + 1) * BLOCK {
                let row = y * SIDE + bx * BLOCK;
                d += a[row..row + BLOCK].iter().zip(&b[row..row + BLOCK]).map(|(x, y)| (x - y).abs()).sum::<f32>();
            }
            let d = d / (BLOCK * BLOCK) as f32;
            worst = worst.max(d);
            sum += d;
        }
    }
    (worst, sum / (blocks * blocks) as f32)
}

