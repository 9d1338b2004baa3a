//! Colour evidence for the copy verification. The grey grids and the local features are blind to
//! colour by design (a grayscale or recoloured copy is still a copy), so a blue puzzle piece and
//! its green twin, two flags in one layout or one folder icon in four colours verify as copies of
//! each other. The fingerprint keeps a coarse chroma grid of its content box; once the grey grids
//! have aligned two pictures, [`hue_mismatch`] is the share of the cells coloured in both whose
//! hues point more than 90 degrees apart. A copy, even with its saturation or hue shifted by the
//! usual amounts, keeps its cells' hues within that; a grayscale copy has no coloured cells and
//! gives no evidence either way.

use crate::copies::transformed;

/// The chroma grid is SIDE x SIDE cells of the content box.
pub const SIDE: usize = 16;
/// Serialised size: the two chroma planes, one signed byte a cell each.
pub const BYTES: usize = 2 * SIDE * SIDE;
/// Chroma (in the grid's units: half of B - Y and of R - Y, in 8-bit levels) under which a cell
/// gives no evidence. Only vivid colour counts: a white-balance shift by 30 % turns near-grey
/// cells' hues by any angle, and a sepia tint stays below it (checked on the benchmark's 340
/// originals: at 30 neither is ever measured as a mismatch, where 6 vetoed 10-27 and 71 of them),
/// while drawings, icons and flags in other colours are far above it.
const MIN_CHROMA: f32 = 30.0;
/// Fewer cells (of 256) coloured in both pictures than this: no evidence (a small coloured logo
/// pasted over a coloured spot must not decide alone). 16 until session 14; at 8 the benchmark's
/// rows called copies lose 35 more to the veto, none of them a copy (docs/QUALITY.md, "What the
/// wrong pairs are": a camera lens in orange and in blue has fewer than 16 vivid cells).
const MIN_CELLS: usize = 8;

/// The chroma of one RGB8 pixel: [(B - Y) / 2, (R - Y) / 2], BT.601 luma.
#[inline]
pub fn chroma(p: &[u8]) -> [f32; 2] {
    let (r, g, b) = (p[0] as f32, p[1] as f32, p[2] as f32);
    let y = 0.299 * r + 0.587 * g + 0.114 * b;
    [0.5 * (b - y), 0.5 * (r - y)]
}

/// The two chroma planes of interleaved RGB8 at full size (`chroma` of every pixel): what the
/// fingerprint's row-at-a-time grid must equal (a test checks it).
#[cfg(test)]
pub(crate) fn planes(rgb: &[u8]) -> (Vec<f32>, Vec<f32>) {
    rgb.chunks_exact(3).map(|p| {
        let [u, v] = chroma(p);
        (u, v)
    }).unzip()
}

/// Serialises the grid: the u plane then the v plane, each value rounded to a signed byte.
pub fn to_bytes(u: &[f32], v: &[f32]) -> Vec<u8> {
    u.iter().chain(v).map(|x| x.round().clamp(-127.0, 127.0) as i8 as u8).collect()
}

fn unpack(b: &[u8]) -> (Vec<f32>, Vec<f32>) {
    let f: Vec<f32> = b.iter().map(|&x| x as i8 as f32).collect();
    (f[..SIDE * SIDE].to_vec(), f[SIDE * SIDE..].to_vec())
}

/// Where the grey grids found one picture in the other: the smaller (`a` turned, when
/// `a_is_small`) covers the fractions `(x, y, w, h)` of the larger's content box.
#[derive(Clone, Copy, Debug)]
pub struct Part {
    pub a_is_small: bool,
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// The share of the aligned cells, coloured in both pictures, whose hues differ by more than 90
/// degrees; -1 when either grid is missing (an older fingerprint) or fewer than a few cells are
/// coloured in both (grey pictures, a grayscale copy). `a` is turned by `transform` (as
/// `Verdict::transform`) before it is compared; `part`: where the smaller picture lies in the
/// larger (None: whole pictures).
pub fn hue_mismatch(a: &[u8], b: &[u8], transform: u8, part: Option<Part>) -> f32 {
    if a.len() != BYTES || b.len() != BYTES {
        return -1.0;
    }
    let (au, av) = unpack(a);
    let (au, av) = (transformed(&au, SIDE, transform), transformed(&av, SIDE, transform));
    let (bu, bv) = unpack(b);
    let cell = |u: &[f32], v: &[f32], i: usize| (u[i], v[i]);
    let mut pairs: Vec<((f32, f32), (f32, f32))> = Vec::with_capacity(SIDE * SIDE);
    match part {
        None => {
            for i in 0..SIDE * SIDE {
                pairs.push((cell(&au, &av, i), cell(&bu, &bv, i)));
            }
        }
        Some(p) => {
            let ((su, sv), (gu, gv)) = if p.a_is_small { ((&au, &av), (&bu, &bv)) } else { ((&bu, &bv), (&au, &av)) };
            // every cell of the larger picture whose centre lies inside the part, half a small cell in
            for y in 0..SIDE {
                for x in 0..SIDE {
                    let (cx, cy) = ((x as f32 + 0.5) / SIDE as f32, (y as f32 + 0.5) / SIDE as f32);
                    let (fx, fy) = ((cx - p.x) / p.w, (cy - p.y) / p.h);
                    let margin = 0.5 / SIDE as f32;
                    if !(margin..=1.0 - margin).contains(&fx) || !(margin..=1.0 - margin).contains(&fy) {
                        continue;
                    }
                    let (sx, sy) = (((fx * SIDE as f32) as usize).min(SIDE - 1), ((fy * SIDE as f32) as usize).min(SIDE - 1));
                    let (gi, si) = (y * SIDE + x, sy * SIDE + sx);
                    let (small, big) = (cell(su, sv, si), cell(gu, gv, gi));
                    pairs.push(if p.a_is_small { (small, big) } else { (big, small) });
                }
            }
        }
    }
    let (mut coloured, mut apart) = (0usize, 0usize);
    for ((ua, va), (ub, vb)) in pairs {
        if ua.hypot(va) < MIN_CHROMA || ub.hypot(vb) < MIN_CHROMA {
            continue;
        }
        coloured += 1;
        if ua * ub + va * vb < 0.0 {
            apart += 1;
        }
    }
    if coloured < MIN_CELLS {
        -1.0
    } else {
        apart as f32 / coloured as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(f: impl Fn(usize, usize) -> (f32, f32)) -> Vec<u8> {
        let (mut u, mut v) = (vec![0f32; SIDE * SIDE], vec![0f32; SIDE * SIDE]);
        for y in 0..SIDE {
            for x in 0..SIDE {
                (u[y * SIDE + x], v[y * SIDE + x]) = f(x, y);
            }
        }
        to_bytes(&u, &v)
    }

    #[test]
    fn the_same_colours_agree_other_hues_disagree_and_grey_abstains() {
        let blue = grid(|_, _| (40.0, -5.0));
        let green = grid(|_, _| (-30.0, -30.0));
        let grey = grid(|_, _| (1.0, -1.0));
        assert_eq!(hue_mismatch(&blue, &blue, 0, None), 0.0);
        assert_eq!(hue_mismatch(&blue, &green, 0, None), 1.0);
        assert_eq!(hue_mismatch(&blue, &grey, 0, None), -1.0);
        assert_eq!(hue_mismatch(&blue, &[], 0, None), -1.0, "an older fingerprint has no grid");
        // a hue turned by 60 degrees is still the same picture's colour
        let (c, s) = (60f32.to_radians().cos(), 60f32.to_radians().sin());
        let turned = grid(|_, _| (40.0 * c + 5.0 * s, 40.0 * s - 5.0 * c));
        assert_eq!(hue_mismatch(&blue, &turned, 0, None), 0.0);
    }

    #[test]
    fn a_small_coloured_area_decides_from_eight_cells() {
        // a coloured spot on grey (a camera lens in orange and in blue): 9 cells are evidence,
        // 6 are too few to decide
        let spot = |c: (f32, f32), w: usize| grid(move |x, y| if x < w && y < 3 { c } else { (1.0, -1.0) });
        let (orange, blue) = ((-30.0, 40.0), (40.0, -5.0));
        assert_eq!(hue_mismatch(&spot(orange, 3), &spot(blue, 3), 0, None), 1.0);
        assert_eq!(hue_mismatch(&spot(orange, 3), &spot(orange, 3), 0, None), 0.0);
        assert_eq!(hue_mismatch(&spot(orange, 2), &spot(blue, 2), 0, None), -1.0);
    }

    #[test]
    fn the_grid_is_turned_before_it_is_compared_and_parts_are_mapped() {
        // left half red, right half blue; turned 180 degrees it is left blue, right red
        let lr = grid(|x, _| if x < SIDE / 2 { (-20.0, 50.0) } else { (40.0, -5.0) });
        let rl = grid(|x, _| if x < SIDE / 2 { (40.0, -5.0) } else { (-20.0, 50.0) });
        assert_eq!(hue_mismatch(&lr, &rl, 0, None), 1.0);
        assert_eq!(hue_mismatch(&lr, &rl, 2, None), 0.0);
        assert_eq!(hue_mismatch(&lr, &rl, 4, None), 0.0, "mirrored");
        // the right half of lr is all blue: a blue picture in that place agrees, a red one does not
        let blue = grid(|_, _| (40.0, -5.0));
        let red = grid(|_, _| (-20.0, 50.0));
        let right = Part { a_is_small: false, x: 0.5, y: 0.0, w: 0.5, h: 1.0 };
        assert_eq!(hue_mismatch(&lr, &blue, 0, Some(right)), 0.0);
        assert_eq!(hue_mismatch(&lr, &red, 0, Some(right)), 1.0);
        let small_a = Part { a_is_small: true, ..right };
        assert_eq!(hue_mismatch(&blue, &lr, 0, Some(small_a)), 0.0);
    }
}
