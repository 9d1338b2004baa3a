//! Words of local features: short keys sampled from each point's descriptor, so that an inverted
//! file (a Lucene field, a hash map) finds the images that share points with a query without
//! comparing it against each. A crop of a page, or the page inside a screenshot, shares points
//! with its original where its embedding and thumbnail are nearer other pages.
//!
//! Each word is `bits` bits of one descriptor half (128 bits), at positions drawn once per
//! table, tagged with its table. Both halves of a descriptor give a word in the same table: a
//! mirrored picture's descriptor is the original's with its halves swapped (`detect::pattern`), so
//! its words are the original's. Two descriptors of one patch (at most ~30 of 256 bits apart, as
//! the matches of copies are) share a table's word with probability (1 - d/128)^bits per half.

use super::Features;

/// How words are cut from descriptors.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WordSpec {
    /// Tables: each samples its own bit positions.
    pub tables: u32,
    /// Bits per word (at most 24).
    pub bits: u32,
}

/// What the inverted file of the library uses.
pub const WORDS: WordSpec = WordSpec { tables: 4, bits: 24 };

/// The bit positions (0..128 within a half) of each table: drawn by a fixed generator.
fn positions(spec: WordSpec) -> Vec<Vec<u32>> {
    let mut s: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    (0..spec.tables)
        .map(|_| {
            let mut p: Vec<u32> = Vec::with_capacity(spec.bits as usize);
            while p.len() < spec.bits as usize {
                let v = (next() % 128) as u32;
                if !p.contains(&v) {
                    p.push(v);
                }
            }
            p
        })
        .collect()
}

/// The distinct words of an image's features, sorted: table in the high byte, the sampled bits below.
pub fn words(f: &Features, spec: WordSpec) -> Vec<u32> {
    words_of(&[f], spec)
}

/// The distinct words of several feature sets together (a picture's and its inner picture's), sorted.
pub fn words_of(sets: &[&Features], spec: WordSpec) -> Vec<u32> {
    let pos = positions(spec);
    let mut out = Vec::with_capacity(sets.iter().map(|f| f.points.len()).sum::<usize>() * 2 * spec.tables as usize);
    for p in sets.iter().flat_map(|f| &f.points) {
        for half in [[p.desc[0], p.desc[1]], [p.desc[2], p.desc[3]]] {
            for (t, ps) in pos.iter().enumerate() {
                let mut w = 0u32;
                for (k, &b) in ps.iter().enumerate() {
                    w |= (((half[(b / 64) as usize] >> (b % 64)) & 1) as u32) << k;
                }
                out.push(((t as u32) << 24) | w);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}
