//! Descriptor matching: each point's nearest descriptor in the other picture, with the ratio test.

use super::*;

/// The descriptor of the same patch in a mirrored picture.
pub(super) fn mirror_desc(d: &[u64; 4]) -> [u64; 4] {
    [d[2], d[3], d[0], d[1]]
}

#[inline(always)]
pub(super) fn hamming(a: &[u64; 4], b: &[u64; 4]) -> u32 {
    (a[0] ^ b[0]).count_ones() + (a[1] ^ b[1]).count_ones() + (a[2] ^ b[2]).count_ones() + (a[3] ^ b[3]).count_ones()
}

/// Largest descriptor distance (of 256 bits) a match may have, and the ratio to the second best.
pub(super) const MAX_DISTANCE: u32 = 80;
pub(super) const RATIO: f32 = 0.85;

/// Matches: (index in a, index in b), by nearest descriptor with the ratio test. On x86-64 the
/// same search runs compiled for the bit-count instructions the CPU has (the build targets the
/// baseline without them): AVX-512 VPOPCNTDQ (eight distances at once; Ice Lake, Zen 4 and
/// later), else POPCNT (every CPU since 2008-2011). The distances are most of a verification's time.
pub(super) fn matches(a: &[Point], b: &[Point], mirror: bool) -> Vec<(usize, usize)> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512vpopcntdq") {
            // SAFETY: the CPU has the instructions the function is compiled for
            return unsafe { matches_avx512(a, b, mirror) };
        }
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: as above
            return unsafe { matches_popcnt(a, b, mirror) };
        }
    }
    matches_with(a, b, mirror)
}

/// `matches_with` eight descriptors of `b` at a time: b's descriptors as four columns of 64-bit
/// words, each row of `a` xor'ed and counted against them; per lane the two smallest
/// (distance, index) keys, the best two of all lanes at the end (the lowest index wins a tie,
/// as in the scalar loop).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vpopcntdq")]
pub(super) unsafe fn matches_avx512(a: &[Point], b: &[Point], mirror: bool) -> Vec<(usize, usize)> {
    use std::arch::x86_64::*;
    let n = b.len().div_ceil(8) * 8;
    let mut cols = vec![0u64; 4 * n];
    for (j, q) in b.iter().enumerate() {
        for w in 0..4 {
            cols[w * n + j] = q.desc[w];
        }
    }
    // padding lanes: the largest key, never chosen
    let lanes = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    let valid = |c: usize| -> __mmask8 { if c + 8 <= b.len() { 0xff } else { ((1u16 << (b.len() - c)) - 1) as __mmask8 } };
    // four points of `a` at a time share each load of b's columns
    const ROWS: usize = 4;
    let mut out = Vec::new();
    for (block, ps) in a.chunks(ROWS).enumerate() {
        let mut dv = [[_mm512_setzero_si512(); 4]; ROWS];
        for (r, p) in ps.iter().enumerate() {
            let d = if mirror { mirror_desc(&p.desc) } else { p.desc };
            dv[r] = d.map(|w| _mm512_set1_epi64(w as i64));
        }
        let mut m1 = [_mm512_set1_epi64(-1); ROWS];
        let mut m2 = [_mm512_set1_epi64(-1); ROWS];
        for c in (0..n).step_by(8) {
            let q = [0, 1, 2, 3].map(|w| _mm512_loadu_si512(cols.as_ptr().add(w * n + c) as *const _));
            // key = distance << 32 | index
            let idx = _mm512_add_epi64(lanes, _mm512_set1_epi64(c as i64));
            let mask = valid(c);
            for r in 0..ROWS {
                let mut h = _mm512_setzero_si512();
                for w in 0..4 {
                    h = _mm512_add_epi64(h, _mm512_popcnt_epi64(_mm512_xor_si512(q[w], dv[r][w])));
                }
                let key = _mm512_mask_or_epi64(_mm512_set1_epi64(-1), mask, _mm512_slli_epi64::<32>(h), idx);
                let lo = _mm512_min_epu64(m1[r], key);
                let hi = _mm512_max_epu64(m1[r], key);
                m2[r] = _mm512_min_epu64(m2[r], hi);
                m1[r] = lo;
            }
        }
        for r in 0..ps.len() {
            let mut keys = [0u64; 16];
            _mm512_storeu_si512(keys.as_mut_ptr() as *mut _, m1[r]);
            _mm512_storeu_si512(keys.as_mut_ptr().add(8) as *mut _, m2[r]);
            let (mut k1, mut k2) = (u64::MAX, u64::MAX);
            for k in keys {
                if k < k1 {
                    k2 = k1;
                    k1 = k;
                } else if k < k2 {
                    k2 = k;
                }
            }
            let (best, second) = ((k1 >> 32) as u32, (k2 >> 32) as u32);
            if best <= MAX_DISTANCE && (best as f32) < RATIO * second as f32 {
                out.push((block * ROWS + r, (k1 & 0xffff_ffff) as usize));
            }
        }
    }
    out
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
pub(super) unsafe fn matches_popcnt(a: &[Point], b: &[Point], mirror: bool) -> Vec<(usize, usize)> {
    matches_with(a, b, mirror)
}

#[inline(always)]
pub(super) fn matches_with(a: &[Point], b: &[Point], mirror: bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, p) in a.iter().enumerate() {
        let d = if mirror { mirror_desc(&p.desc) } else { p.desc };
        let (mut best, mut second, mut bj) = (u32::MAX, u32::MAX, 0);
        for (j, q) in b.iter().enumerate() {
            let h = hamming(&d, &q.desc);
            if h < best {
                second = best;
                best = h;
                bj = j;
            } else if h < second {
                second = h;
            }
        }
        if best <= MAX_DISTANCE && (best as f32) < RATIO * second as f32 {
            out.push((i, bj));
        }
    }
    out
}
