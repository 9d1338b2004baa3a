//! Geometric verification: the similarity most matches agree on, refined to an affine map, and
//! the overlap and support it implies.

use super::matching::matches;
use super::*;

/// An affine map x' = A x + t.
#[derive(Clone, Copy, Debug)]
pub(super) struct Affine {
    a: [f32; 4],
    t: [f32; 2],
}

impl Affine {
    fn apply(&self, (x, y): (f32, f32)) -> (f32, f32) {
        (self.a[0] * x + self.a[1] * y + self.t[0], self.a[2] * x + self.a[3] * y + self.t[1])
    }
    fn det(&self) -> f32 {
        self.a[0] * self.a[3] - self.a[1] * self.a[2]
    }
}

/// Least-squares affine map from `src` to `dst` (None when degenerate).
pub(super) fn fit_affine(src: &[(f32, f32)], dst: &[(f32, f32)]) -> Option<Affine> {
    let n = src.len() as f32;
    if src.len() < 3 {
        return None;
    }
    let (mx, my) = src.iter().fold((0.0, 0.0), |s, p| (s.0 + p.0 / n, s.1 + p.1 / n));
    let (ux, uy) = dst.iter().fold((0.0, 0.0), |s, p| (s.0 + p.0 / n, s.1 + p.1 / n));
    let (mut sxx, mut sxy, mut syy, mut bx0, mut bx1, mut by0, mut by1) = (0f32, 0f32, 0f32, 0f32, 0f32, 0f32, 0f32);
    for (p, q) in src.iter().zip(dst) {
        let (x, y, u, v) = (p.0 - mx, p.1 - my, q.0 - ux, q.1 - uy);
        sxx += x * x;
        sxy += x * y;
        syy += y * y;
        bx0 += x * u;
        bx1 += y * u;
        by0 += x * v;
        by1 += y * v;
    }
    let det = sxx * syy - sxy * sxy;
    if det.abs() < 1e-3 * (sxx * syy).max(1e-6) {
        return None;
    }
    let inv = [syy / det, -sxy / det, -sxy / det, sxx / det];
    let a = [inv[0] * bx0 + inv[1] * bx1, inv[2] * bx0 + inv[3] * bx1, inv[0] * by0 + inv[1] * by1, inv[2] * by0 + inv[3] * by1];
    Some(Affine { a, t: [ux - a[0] * mx - a[1] * my, uy - a[2] * mx - a[3] * my] })
}

/// A 3x3 matrix, row-major.
type Mat3 = [f64; 9];

fn mul3(a: &Mat3, b: &Mat3) -> Mat3 {
    std::array::from_fn(|k| (0..3).map(|i| a[k / 3 * 3 + i] * b[i * 3 + k % 3]).sum())
}

/// Least-squares homography (h8 = 1) from `src` to `dst`, on coordinates brought to zero mean
/// and unit spread for conditioning; None when degenerate. What a copy seen in perspective needs
/// where an affine map leaves its corners cells away.
pub(super) fn fit_homography(src: &[(f32, f32)], dst: &[(f32, f32)]) -> Option<Mat3> {
    if src.len() < 8 {
        return None;
    }
    // the normalising similarity of a point set: (p - mean) * k, k making the mean distance sqrt 2
    let norm = |p: &[(f32, f32)]| -> Mat3 {
        let n = p.len() as f64;
        let (mx, my) = p.iter().fold((0.0, 0.0), |s, q| (s.0 + q.0 as f64 / n, s.1 + q.1 as f64 / n));
        let d = p.iter().map(|q| ((q.0 as f64 - mx).powi(2) + (q.1 as f64 - my).powi(2)).sqrt()).sum::<f64>() / n;
        let k = std::f64::consts::SQRT_2 / d.max(1e-9);
        [k, 0.0, -k * mx, 0.0, k, -k * my, 0.0, 0.0, 1.0]
    };
    let (ts, td) = (norm(src), norm(dst));
    // normal equations of the 8 unknowns
    let mut ata = [[0f64; 8]; 8];
    let mut atb = [0f64; 8];
    for (p, q) in src.iter().zip(dst) {
        let (x, y) = (ts[0] * p.0 as f64 + ts[2], ts[4] * p.1 as f64 + ts[5]);
        let (u, v) = (td[0] * q.0 as f64 + td[2], td[4] * q.1 as f64 + td[5]);
        for (row, rhs) in [([x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y], u), ([0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y], v)] {
            for i in 0..8 {
                atb[i] += row[i] * rhs;
                for j in 0..8 {
                    ata[i][j] += row[i] * row[j];
                }
            }
        }
    }
    // Gaussian elimination with partial pivoting
    let scale = (0..8).map(|i| ata[i][i]).fold(0.0, f64::max).max(1e-12);
    for c in 0..8 {
        let p = (c..8).max_by(|&i, &j| ata[i][c].abs().total_cmp(&ata[j][c].abs()))?;
        if ata[p][c].abs() < 1e-9 * scale {
            return None;
        }
        ata.swap(c, p);
        atb.swap(c, p);
        for r in c + 1..8 {
            let f = ata[r][c] / ata[c][c];
            let pivot = ata[c];
            for (x, p) in ata[r][c..].iter_mut().zip(&pivot[c..]) {
                *x -= f * p;
            }
            atb[r] -= f * atb[c];
        }
    }
    let mut h = [0f64; 8];
    for c in (0..8).rev() {
        h[c] = (atb[c] - (c + 1..8).map(|k| ata[c][k] * h[k]).sum::<f64>()) / ata[c][c];
    }
    let hn: Mat3 = [h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0];
    // undo the normalisations: H = td^-1 hn ts
    let k = td[0];
    let td_inv: Mat3 = [1.0 / k, 0.0, -td[2] / k, 0.0, 1.0 / k, -td[5] / k, 0.0, 0.0, 1.0];
    let m = mul3(&td_inv, &mul3(&hn, &ts));
    (m[8].abs() > 1e-12 && m.iter().all(|v| v.is_finite())).then(|| m.map(|v| v / m[8]))
}

fn apply_h(h: &Mat3, (x, y): (f32, f32)) -> (f32, f32) {
    let (x, y) = (x as f64, y as f64);
    let w = h[6] * x + h[7] * y + h[8];
    (((h[0] * x + h[1] * y + h[2]) / w) as f32, ((h[3] * x + h[4] * y + h[5]) / w) as f32)
}

pub(super) fn wrap(a: f32) -> f32 {
    let t = std::f32::consts::TAU;
    let r = a.rem_euclid(t);
    if r > std::f32::consts::PI { r - t } else { r }
}

/// Verifies `b` against `a` with the local features: the best of the direct and the mirrored
/// matching. The matching itself is one-directional (each of the first picture's points looks for
/// its nearest in the second), so the pair is always matched in one canonical order and the result
/// turned round when that order is `b`, `a`: a pair's evidence does not depend on which picture
/// comes first.
pub fn verify(a: &Features, b: &Features) -> LocalMatch {
    if canonical_order(b, a) == std::cmp::Ordering::Less {
        return verify_ordered(b, a).inverse();
    }
    verify_ordered(a, b)
}

/// What orders two pictures' features for matching: their point counts, sizes, then descriptors.
pub(super) fn canonical_order(x: &Features, y: &Features) -> std::cmp::Ordering {
    (x.points.len(), x.width, x.height)
        .cmp(&(y.points.len(), y.width, y.height))
        .then_with(|| x.points.iter().map(|p| p.desc).cmp(y.points.iter().map(|p| p.desc)))
}

pub(super) fn verify_ordered(a: &Features, b: &Features) -> LocalMatch {
    let direct = verify_one(a, b, false);
    let mirrored = verify_one(a, b, true);
    if mirrored.inliers > direct.inliers { mirrored } else { direct }
}

pub(super) fn verify_one(a: &Features, b: &Features, mirror: bool) -> LocalMatch {
    let none = LocalMatch { mirrored: mirror, ..Default::default() };
    if a.points.len() < 4 || b.points.len() < 4 {
        return none;
    }
    let aw = a.width as f32;
    // a's points, mirrored (x -> w - 1 - x, angle -> pi - angle) when asked
    let pa: Vec<(f32, f32, f32, f32)> = a
        .points
        .iter()
        .map(|p| {
            let s = LEVEL_SCALE.powi(p.level as i32);
            if mirror { (aw - 1.0 - p.x, p.y, std::f32::consts::PI - p.angle, s) } else { (p.x, p.y, p.angle, s) }
        })
        .collect();
    let pb: Vec<(f32, f32, f32, f32)> = b.points.iter().map(|p| (p.x, p.y, p.angle, LEVEL_SCALE.powi(p.level as i32))).collect();
    let m = matches(&a.points, &b.points, mirror);
    if m.len() < 4 {
        return none;
    }
    let tol = (b.width.max(b.height) as f32 * 0.02).max(4.0);
    let tol2 = tol * tol;
    const ANGLE_TOL: f32 = 0.5;
    // hypotheses from pairs of matches: a similarity (complex z = s e^{i phi}, translation t)
    let mut best: Option<(usize, [f32; 4])> = None; // inliers, (zr, zi, tx, ty)
    let n = m.len();
    let pairs: Vec<(usize, usize)> = if n * (n - 1) / 2 <= 1500 {
        (0..n).flat_map(|i| (i + 1..n).map(move |j| (i, j))).collect()
    } else {
        let mut s: u32 = 12345;
        (0..1500)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                let i = s as usize % n;
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                let j = s as usize % n;
                (i, j)
            })
            .filter(|(i, j)| i != j)
            .collect()
    };
    // the matches' coordinates side by side, and the direction of each match's turn (b's
    // orientation minus a's) as a unit vector: a hypothesis z = s e^{i rot} agrees with a match's
    // turn within ANGLE_TOL when the cosine of their difference, (cos, sin) . (zr, zi) / s, is at
    // least cos(ANGLE_TOL) (no arctangent or remainder per test); one vectorised loop per count
    let (mx, my): (Vec<f32>, Vec<f32>) = m.iter().map(|&(i, _)| (pa[i].0, pa[i].1)).unzip();
    let (mu, mv): (Vec<f32>, Vec<f32>) = m.iter().map(|&(_, j)| (pb[j].0, pb[j].1)).unzip();
    let (mc, ms): (Vec<f32>, Vec<f32>) = m
        .iter()
        .map(|&(i, j)| {
            let (sin, cos) = (pb[j].2 - pa[i].2).sin_cos();
            (cos, sin)
        })
        .unzip();
    let cos_tol = ANGLE_TOL.cos();
    let turn_agrees = |k: usize, zr: f32, zi: f32, s: f32| mc[k] * zr + ms[k] * zi >= cos_tol * s;
    let count = |zr: f32, zi: f32, tx: f32, ty: f32, s: f32| {
        let mut c = 0usize;
        for k in 0..n {
            let (x, y, u, v) = (mx[k], my[k], mu[k], mv[k]);
            let (px, py) = (zr * x - zi * y + tx, zi * x + zr * y + ty);
            let near = (px - u) * (px - u) + (py - v) * (py - v) <= tol2;
            c += (near & turn_agrees(k, zr, zi, s)) as usize;
        }
        c
    };
    for (i, j) in pairs {
        let (ai, bi) = (pa[m[i].0], pb[m[i].1]);
        let (aj, bj) = (pa[m[j].0], pb[m[j].1]);
        let (dax, day) = (aj.0 - ai.0, aj.1 - ai.1);
        let (dbx, dby) = (bj.0 - bi.0, bj.1 - bi.1);
        let la = dax * dax + day * day;
        if la < 64.0 || dbx * dbx + dby * dby < 16.0 {
            continue;
        }
        // z = db / da
        let (zr, zi) = ((dbx * dax + dby * day) / la, (dby * dax - dbx * day) / la);
        let s = (zr * zr + zi * zi).sqrt();
        if !(0.125..=8.0).contains(&s) {
            continue;
        }
        // both matches' own orientations and scales must agree with the pair's
        if !turn_agrees(i, zr, zi, s) || !turn_agrees(j, zr, zi, s) {
            continue;
        }
        let sc = |p: (f32, f32, f32, f32), q: (f32, f32, f32, f32)| (q.3 / p.3 / s).ln().abs() <= 0.9;
        if !sc(ai, bi) || !sc(aj, bj) {
            continue;
        }
        let (tx, ty) = (bi.0 - (zr * ai.0 - zi * ai.1), bi.1 - (zi * ai.0 + zr * ai.1));
        let c = count(zr, zi, tx, ty, s);
        if best.is_none_or(|(b, _)| c > b) {
            best = Some((c, [zr, zi, tx, ty]));
        }
    }
    let Some((_, [zr, zi, tx, ty])) = best else { return none };
    let rot = zi.atan2(zr);
    let mut map = Affine { a: [zr, -zi, zi, zr], t: [tx, ty] };
    // refine: affine least squares on the inliers, twice
    let inliers_of = |map: &Affine| -> Vec<(usize, usize)> {
        m.iter()
            .copied()
            .filter(|&(i, j)| {
                let (px, py) = map.apply((pa[i].0, pa[i].1));
                let (u, v) = (pb[j].0, pb[j].1);
                (px - u) * (px - u) + (py - v) * (py - v) <= tol2 && wrap(pb[j].2 - pa[i].2 - rot).abs() <= ANGLE_TOL
            })
            .collect()
    };
    let mut inl = inliers_of(&map);
    for _ in 0..2 {
        let src: Vec<(f32, f32)> = inl.iter().map(|&(i, _)| (pa[i].0, pa[i].1)).collect();
        let dst: Vec<(f32, f32)> = inl.iter().map(|&(_, j)| (pb[j].0, pb[j].1)).collect();
        let Some(f) = fit_affine(&src, &dst) else { break };
        // keep the map near a similarity: no fold, no strong shear
        let (d, sim) = (f.det(), zr * zr + zi * zi);
        if !(d > 0.0 && (d / sim).ln().abs() < 1.0) {
            break;
        }
        let next = inliers_of(&f);
        if next.len() < inl.len() {
            break;
        }
        map = f;
        inl = next;
    }
    // one b point may be matched by several a points: count each once
    let mut used_b: Vec<usize> = inl.iter().map(|&(_, j)| j).collect();
    used_b.sort_unstable();
    used_b.dedup();
    let inliers = used_b.len();
    // the overlap: a's points that land inside b, b's points whose preimage is inside a
    let (bw, bh) = (b.width as f32, b.height as f32);
    let inside_b = |(x, y): (f32, f32)| x >= -0.5 && y >= -0.5 && x <= bw - 0.5 && y <= bh - 0.5;
    let a_over = pa.iter().filter(|p| inside_b(map.apply((p.0, p.1)))).count();
    let inv = {
        let d = map.det();
        let ia = [map.a[3] / d, -map.a[1] / d, -map.a[2] / d, map.a[0] / d];
        Affine { a: ia, t: [-(ia[0] * map.t[0] + ia[1] * map.t[1]), -(ia[2] * map.t[0] + ia[3] * map.t[1])] }
    };
    let (aw_, ah) = (a.width as f32, a.height as f32);
    let inside_a = |(x, y): (f32, f32)| x >= -0.5 && y >= -0.5 && x <= aw_ - 0.5 && y <= ah - 0.5;
    let b_over = pb.iter().filter(|p| inside_a(inv.apply((p.0, p.1)))).count();
    let support = inliers as f32 / a_over.min(b_over).max(1) as f32;
    // areas from a grid of sample points (corners and interior) of each picture
    let grid = |w: f32, h: f32| (0..9).flat_map(move |i| (0..9).map(move |j| ((i as f32 + 0.5) / 9.0 * w, (j as f32 + 0.5) / 9.0 * h)));
    let a_in_b = grid(aw_, ah).filter(|&p| inside_b(map.apply(p))).count() as f32 / 81.0;
    let b_covered = grid(bw, bh).filter(|&p| inside_a(inv.apply(p))).count() as f32 / 81.0;
    // the map the grids are compared under (copies::aligned): the affine map, or a homography
    // fitted to the same inliers where it keeps at least as many of the matches (perspective)
    let affine: Mat3 = [map.a[0], map.a[1], map.t[0], map.a[2], map.a[3], map.t[1], 0.0, 0.0, 1.0].map(|v| v as f64);
    let mut h = affine;
    let mut h_inl = inl.len();
    let corners = [(0.0, 0.0), (aw - 1.0, 0.0), (0.0, a.height as f32 - 1.0), (aw - 1.0, a.height as f32 - 1.0)];
    for _ in 0..2 {
        let keep: Vec<(usize, usize)> = m
            .iter()
            .copied()
            .filter(|&(i, j)| {
                let (px, py) = apply_h(&h, (pa[i].0, pa[i].1));
                let (u, v) = (pb[j].0, pb[j].1);
                (px - u) * (px - u) + (py - v) * (py - v) <= tol2 && wrap(pb[j].2 - pa[i].2 - rot).abs() <= ANGLE_TOL
            })
            .collect();
        if keep.len() < h_inl {
            break;
        }
        h_inl = keep.len();
        let src: Vec<(f32, f32)> = keep.iter().map(|&(i, _)| (pa[i].0, pa[i].1)).collect();
        let dst: Vec<(f32, f32)> = keep.iter().map(|&(_, j)| (pb[j].0, pb[j].1)).collect();
        // a fit that folds the picture or sends a corner to infinity is not a view of it
        let sane = |f: &Mat3| corners.iter().all(|&(x, y)| f[6] * x as f64 + f[7] * y as f64 + f[8] > 0.2) && f[0] * f[4] - f[1] * f[3] > 0.0;
        match fit_homography(&src, &dst).filter(sane) {
            Some(f) => h = f,
            None => break,
        }
    }
    // from a's own frame: a's points were mirrored first (x -> aw - 1 - x) when `mirror`
    let full = if mirror { mul3(&h, &[-1.0, 0.0, aw as f64 - 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]) } else { h };
    let full = full.map(|v| v as f32);
    LocalMatch {
        inliers: inliers as u32,
        support: support.min(1.0),
        rotation: -rot, // y points down: a positive angle in the image frame turns clockwise on screen
        scale: map.det().sqrt(),
        mirrored: mirror,
        a_in_b,
        b_covered,
        map: full,
    }
}
