//! Helpers for the crate's unit tests (compiled only for them).

/// A deterministic xorshift generator: each call gives a number in `0..n`.
pub(crate) fn xorshift(seed: u64) -> impl FnMut(usize) -> usize {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move |n: usize| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s % n as u64) as usize
    }
}
