//! The copy-detection benchmark over the invariance benchmark's images: the whole path the library
//! runs — embeddings of the image, of its 90-degree turn and of the picture inside it (a screenshot's), the content fingerprint, candidates
//! from the embeddings (the 30 nearest database images by the better of the two views), the
//! verification of each (parts searched for the 10 nearest) — against the shipped descriptor alone.
//!
//!   bash python/fetch_bench.sh && (cd python && python -c 'from imgsim_model import benchset; benchset.prepare()')
//!   python python/copy_calibration.py --write-copies .cache/data/bench/copies-of-originals.txt
//!   IMGSIM_ORT=/abs/libonnxruntime.so cargo run --release --example copy_bench -- \
//!       --copies .cache/data/bench/copies-of-originals.txt [--dump pairs.tsv] [--rows rows.tsv] [--misses misses.tsv] [--stride N] [--model M]
//!       [--planted .cache/data/bench/planted.tsv --rows planted-rows.tsv]   (python/planted_copies.py)
//!       [--verify-timing N]   (the verification's time as ImageIndex.copies() runs it, one thread)
//!       [--fingerprint-timing N]   (the fingerprint's time, one thread, on N query files with an inner picture)
//!       [--no-inner] [--no-inner-grid] [--no-inner-local]   (without the inner picture's view / the
//!       fingerprint's inner grid / the inner picture's own local features)
//!       [--no-context]   (a copy's key without the margin over the query's other candidates)
//!       [--no-thumb]   (without the 10 candidates nearest by the grey thumbnail, as ImageIndex adds them)
//!       [--no-words | --words N]   (without / with N candidates sharing the most words of local features; 10)
//!       [--words-only]   (where the original ranks by words alone, per edit; no verification)
//!       [--screened]   (verified as ImageIndex.copies() does, CopyCalibration.verifyAllScreened: local
//!       features and parts only at cosine 0.6 or more; without it as a copy search does,
//!       CopyCalibration.verifyAgainst: every pair's local features and parts, the stronger decision)
//!       [--points-floor F]   (the embedding cosine from which a near miss's inliers may stand out;
//!       any: 0.6 until session 29)
//!       [--local-rule-floor F]   (the cosine from which the local features' own copy rule and near-miss
//!       confidence count; 0.6)
//!
//! Features are cached in .cache/data/bench/copy-features-<model>-*.bin (embeddings and grey grids),
//! copy-local-*.bin (local features), copy-colour-*.bin (chroma grids), copy-inner-<model>-*.bin
//! (inner pictures: `imgsim::inner`) and copy-inner-local-*.bin (their local features); delete them
//! after changing the fingerprint. A query with an
//! inner picture adds the 10 database images nearest to that picture's embedding to its candidates
//! (as `ImageIndex` adds the inner view's graph neighbours). Prints recall@1 and recall at precision 0.99 / 0.999 (one global threshold on
//! the verification score over each query's 10 best candidates, as python/invariance_bench.py does
//! for cosines) per edit and per kind; --dump writes every verified pair for
//! python/copy_calibration.py (the rules of the first calibration); --rows writes the verdicts as
//! the library computes them, for python/copy_decision.py, which fits the learned decision.
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::time::Instant;

use imgsim::copies::{self, Fingerprint, Verdict};
use imgsim::inner::Inner;
use imgsim::keypoints::{self, Features as Local};
use imgsim::model::{Model, Options};

const K: usize = 10; // candidate pairs per query (what a k-NN index returns), as invariance_bench.py
const POOL: usize = 30; // embedding neighbours verified per query
const PARTS: usize = 10; // of those, the most similar also searched for parts (as ImageIndex does with its own numbers)

struct Features {
    emb: Vec<f32>, // 2 * dim
    fp: Fingerprint,
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

/// `f(0..n)` on two threads, in order.
fn par_map<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let chunks: Vec<Vec<(usize, T)>> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            break;
                        }
                        mine.push((i, f(i)));
                    }
                    mine
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
    for (i, v) in chunks.into_iter().flatten() {
        out[i] = Some(v);
    }
    out.into_iter().map(|v| v.unwrap()).collect()
}

fn load_features(model: &Model, root: &Path, files: &[String], cache: &Path) -> Vec<Features> {
    let dim = model.embedding_size;
    if let Ok(mut f) = std::fs::File::open(cache) {
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).unwrap();
        let per = 8 * dim + copies::BYTES;
        if buf.len() == per * files.len() {
            return buf
                .chunks_exact(per)
                .map(|c| Features {
                    emb: c[..8 * dim].chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
                    fp: Fingerprint::from_bytes(&c[8 * dim..]).unwrap(),
                })
                .collect();
        }
    }
    let t0 = Instant::now();
    let out: Vec<Features> = par_map(files.len(), |i| {
        if i % 1000 == 0 {
            eprintln!("{i}/{} ({:.0} s)", files.len(), t0.elapsed().as_secs_f64());
        }
        let (mut emb, fp) = model.analyze_file(&root.join(&files[i])).unwrap();
        emb.truncate(2 * dim);
        Features { emb, fp }
    });
    let mut w = std::io::BufWriter::new(std::fs::File::create(cache).unwrap());
    for f in &out {
        // the image and its turn: the inner picture's view has a cache of its own (--inner)
        for v in &f.emb[..2 * dim] {
            w.write_all(&v.to_le_bytes()).unwrap();
        }
        // the grey grid alone, as a version-1 fingerprint: the local features and the chroma grid
        // have caches of their own (so this one keeps a fixed size and is found again next time)
        let mut grid = f.fp.to_bytes()[..copies::BYTES].to_vec();
        grid[0] = 1;
        w.write_all(&grid).unwrap();
    }
    eprintln!("features of {} images in {:.0} s", files.len(), t0.elapsed().as_secs_f64());
    out
}

/// Local features of each file (decoded as `Model::analyze_file` decodes), cached in `cache`.
fn load_local(root: &Path, files: &[String], cache: &Path) -> Vec<Local> {
    if let Ok(buf) = std::fs::read(cache) {
        let mut out = Vec::new();
        let mut i = 0;
        while i + 4 <= buf.len() {
            let n = u32::from_le_bytes(buf[i..i + 4].try_into().unwrap()) as usize;
            out.push(Local::from_bytes(&buf[i + 4..i + 4 + n]).unwrap());
            i += 4 + n;
        }
        if out.len() == files.len() {
            return out;
        }
    }
    let t0 = Instant::now();
    let out: Vec<Local> = par_map(files.len(), |i| {
        let img = imgsim::decode::decode_file_for(&root.join(&files[i]), 100_000_000, Some((224, 224))).unwrap();
        Local::from_grey(&copies::grey_of(&img.data), img.width, img.height)
    });
    let mut buf = Vec::new();
    for f in &out {
        let mut b = Vec::new();
        f.to_bytes(&mut b);
        buf.extend_from_slice(&(b.len() as u32).to_le_bytes());
        buf.extend_from_slice(&b);
    }
    std::fs::write(cache, buf).unwrap();
    eprintln!("local features of {} images in {:.0} s", files.len(), t0.elapsed().as_secs_f64());
    out
}

/// Chroma grids of each file (decoded as `Model::analyze_file` decodes), cached in `cache`.
fn load_colour(root: &Path, files: &[String], cache: &Path) -> Vec<Vec<u8>> {
    if let Ok(buf) = std::fs::read(cache) {
        if buf.len() == files.len() * imgsim::colour::BYTES {
            return buf.chunks_exact(imgsim::colour::BYTES).map(|c| c.to_vec()).collect();
        }
    }
    let t0 = Instant::now();
    let out: Vec<Vec<u8>> = par_map(files.len(), |i| {
        let img = imgsim::decode::decode_file_for(&root.join(&files[i]), 100_000_000, Some((224, 224))).unwrap();
        copies::colour_of(&img.data, img.width, img.height).unwrap()
    });
    std::fs::write(cache, out.concat()).unwrap();
    eprintln!("chroma grids of {} images in {:.0} s", files.len(), t0.elapsed().as_secs_f64());
    out
}

/// Content boxes of each file (`Fingerprint::content`), cached in `cache`.
fn load_box(root: &Path, files: &[String], cache: &Path) -> Vec<[f32; 4]> {
    if let Ok(buf) = std::fs::read(cache) {
        if buf.len() == files.len() * 16 {
            return buf.chunks_exact(16).map(|c| std::array::from_fn(|k| f32::from_le_bytes(c[4 * k..4 * k + 4].try_into().unwrap()))).collect();
        }
    }
    let t0 = Instant::now();
    let out: Vec<[f32; 4]> = par_map(files.len(), |i| {
        let img = imgsim::decode::decode_file_for(&root.join(&files[i]), 100_000_000, Some((224, 224))).unwrap();
        copies::content_of(&img.data, img.width, img.height).unwrap()
    });
    std::fs::write(cache, out.iter().flat_map(|b| b.iter().flat_map(|v| v.to_le_bytes())).collect::<Vec<u8>>()).unwrap();
    eprintln!("content boxes of {} images in {:.0} s", files.len(), t0.elapsed().as_secs_f64());
    out
}

/// `--inner`: per file, the picture inside its canvas (`imgsim::inner::inner_box`): its embedding
/// and the fingerprint's `Inner` (empty and None when it has none); cached in `cache`.
fn load_inner(model: &Model, root: &Path, files: &[String], cache: &Path) -> Vec<(Vec<f32>, Option<Inner>)> {
    let dim = model.embedding_size;
    let per = 4 * dim + imgsim::inner::BYTES;
    if let Ok(buf) = std::fs::read(cache) {
        let mut out = Vec::new();
        let mut i = 0;
        while i < buf.len() {
            if buf[i] == 1 {
                let emb = buf[i + 1..i + 1 + 4 * dim].chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
                out.push((emb, Some(Inner::from_bytes(&buf[i + 1 + 4 * dim..i + 1 + per]).unwrap())));
                i += 1 + per;
            } else {
                out.push((Vec::new(), None));
                i += 1;
            }
        }
        if out.len() == files.len() {
            return out;
        }
    }
    let t0 = Instant::now();
    let p = &model.preprocess;
    let out: Vec<(Vec<f32>, Option<Inner>)> = par_map(files.len(), |i| {
        let img = imgsim::decode::decode_file_for(&root.join(&files[i]), 100_000_000, Some((224, 224))).unwrap();
        let found = imgsim::inner::inner_box(&img.data, img.width, img.height);
        let Some(inner) = Fingerprint::from_rgb_with(&img.data, img.width, img.height, found).unwrap().inner else {
            return (Vec::new(), None);
        };
        let (x0, y0, x1, y1) = found.unwrap();
        let (cw, ch) = (x1 - x0, y1 - y0);
        let mut crop = Vec::with_capacity(cw * ch * 3);
        for y in y0..y1 {
            crop.extend_from_slice(&img.data[(y * img.width + x0) * 3..(y * img.width + x1) * 3]);
        }
        let mut t = vec![0f32; p.tensor_len()];
        imgsim::preprocess::to_tensor(&crop, cw, ch, p, &mut t).unwrap();
        (model.run(&t, 1).unwrap(), Some(inner))
    });
    let mut buf = Vec::new();
    for (v, inner) in &out {
        buf.push(inner.is_some() as u8);
        if let Some(inner) = inner {
            for x in v {
                buf.extend_from_slice(&x.to_le_bytes());
            }
            inner.to_bytes(&mut buf);
        }
    }
    std::fs::write(cache, buf).unwrap();
    eprintln!("inner pictures of {} images: {} found, {:.0} s", files.len(), out.iter().filter(|v| v.1.is_some()).count(), t0.elapsed().as_secs_f64());
    out
}

/// The inner pictures' own local features (`Inner::local`, fingerprint version 5) of the files
/// whose `inner` is found, cached in `cache` (a u32 byte count, then the features, per file).
fn load_inner_local(root: &Path, files: &[String], inner: &mut [(Vec<f32>, Option<Inner>)], cache: &Path) {
    let read = |buf: &[u8]| -> Option<Vec<Local>> {
        let mut out = Vec::new();
        let mut i = 0;
        while i + 4 <= buf.len() {
            let n = u32::from_le_bytes(buf[i..i + 4].try_into().unwrap()) as usize;
            out.push(if n == 0 { Local::default() } else { Local::from_bytes(&buf[i + 4..i + 4 + n]).ok()? });
            i += 4 + n;
        }
        (out.len() == files.len()).then_some(out)
    };
    let out = match std::fs::read(cache).ok().and_then(|b| read(&b)) {
        Some(out) => out,
        None => {
            let t0 = Instant::now();
            let out: Vec<Local> = par_map(files.len(), |i| {
                if inner[i].1.is_none() {
                    return Local::default();
                }
                let img = imgsim::decode::decode_file_for(&root.join(&files[i]), 100_000_000, Some((224, 224))).unwrap();
                let found = imgsim::inner::inner_box(&img.data, img.width, img.height);
                Fingerprint::from_rgb_with(&img.data, img.width, img.height, found).unwrap().inner.map(|i| i.local).unwrap_or_default()
            });
            let mut buf = Vec::new();
            for f in &out {
                let mut b = Vec::new();
                if !f.points.is_empty() || f.width > 0 {
                    f.to_bytes(&mut b);
                }
                buf.extend_from_slice(&(b.len() as u32).to_le_bytes());
                buf.extend_from_slice(&b);
            }
            std::fs::write(cache, buf).unwrap();
            eprintln!("inner pictures' local features of {} images in {:.0} s", files.len(), t0.elapsed().as_secs_f64());
            out
        }
    };
    for ((_, i), l) in inner.iter_mut().zip(out) {
        if let Some(i) = i {
            i.local = l;
        }
    }
}

/// `--fingerprint-timing N`: on the first N query files (every 7th) that hold a picture on a
/// canvas, one thread, the median time of the whole fingerprint (`Fingerprint::from_rgb_with`, the
/// inner box given) and of the part that version 5 adds (the inner picture's own local features),
/// the decoding and the box search apart.
fn fingerprint_timing(root: &Path, files: &[String], n: usize) {
    let (mut whole, mut inner_local) = (Vec::new(), Vec::new());
    for f in files.iter().step_by(7) {
        if whole.len() >= n {
            break;
        }
        let img = imgsim::decode::decode_file_for(&root.join(f), 100_000_000, Some((224, 224))).unwrap();
        let Some((x0, y0, x1, y1)) = imgsim::inner::inner_box(&img.data, img.width, img.height) else { continue };
        let grey = copies::grey_of(&img.data);
        let crop: Vec<f32> = (y0..y1).flat_map(|y| grey[y * img.width + x0..y * img.width + x1].to_vec()).collect();
        let median = |mut run: Box<dyn FnMut()>| {
            let mut t: Vec<f64> = (0..5).map(|_| { let s = Instant::now(); run(); s.elapsed().as_secs_f64() * 1e3 }).collect();
            t.sort_by(|a, b| a.total_cmp(b));
            t[2]
        };
        let (rgb, (w, h)) = (&img.data, (img.width, img.height));
        whole.push(median(Box::new(|| { std::hint::black_box(Fingerprint::from_rgb_with(rgb, w, h, Some((x0, y0, x1, y1))).unwrap()); })));
        inner_local.push(median(Box::new(|| { std::hint::black_box(Local::from_grey(&crop, x1 - x0, y1 - y0)); })));
    }
    let mid = |v: &mut Vec<f64>| { v.sort_by(|a, b| a.total_cmp(b)); v[v.len() / 2] };
    println!("fingerprint of {} query files with an inner picture, one thread: median {:.2} ms, of which the inner picture's local features {:.2} ms", whole.len(), mid(&mut whole), mid(&mut inner_local));
}

/// The candidates of a query with an inner picture: the POOL nearest by its own embedding and the
/// INNER nearest by its inner picture's, each once at its better cosine, nearest first.
fn with_inner(mut sims: Vec<(f32, usize)>, inner: &[f32], db: &[Features], dim: usize) -> Vec<(f32, usize)> {
    if inner.is_empty() {
        return sims;
    }
    let mut more = candidates(inner, db, dim);
    more.truncate(INNER);
    for (s, j) in more {
        match sims.iter_mut().find(|e| e.1 == j) {
            Some(e) => e.0 = e.0.max(s),
            None => sims.push((s, j)),
        }
    }
    sims.sort_by(|a, b| b.0.total_cmp(&a.0));
    sims
}

const INNER: usize = 10;

/// Images sharing the most words of local features added to a query's candidates, and the share
/// of the images a word may be in and still count (dev.imgsim.index.CopyWords.NEIGHBOURS, MAX_SHARE).
const WORD_NEIGHBOURS: usize = 30;
const WORD_MAX_SHARE: f64 = 0.02;
const WORD_PARTS: usize = 2;

/// An inverted file of the database's local-feature words (`keypoints::words`), as
/// dev.imgsim.index.CopyWords keeps them in a Lucene field: a query's candidates gain the N images
/// sharing the most words with it, each word weighing its inverse document frequency, words in
/// more than `max_df` images skipped.
struct WordIndex {
    postings: HashMap<u32, Vec<u32>>,
    n: usize,
    spec: keypoints::words::WordSpec,
}

impl WordIndex {
    fn new(db: &[Features], spec: keypoints::words::WordSpec) -> WordIndex {
        let mut postings: HashMap<u32, Vec<u32>> = HashMap::new();
        for (j, f) in db.iter().enumerate() {
            let mut w = keypoints::words::words(&f.fp.local, spec);
            if let Some(i) = &f.fp.inner {
                w.extend(keypoints::words::words(&i.local, spec));
                w.sort_unstable();
                w.dedup();
            }
            for x in w {
                postings.entry(x).or_default().push(j as u32);
            }
        }
        WordIndex { postings, n: db.len(), spec }
    }

    fn top(&self, q: &Fingerprint, n: usize, max_df: usize, votes: &mut Vec<f32>) -> Vec<(f32, usize)> {
        let mut w = keypoints::words::words(&q.local, self.spec);
        if let Some(i) = &q.inner {
            w.extend(keypoints::words::words(&i.local, self.spec));
            w.sort_unstable();
            w.dedup();
        }
        votes.clear();
        votes.resize(self.n, 0.0);
        for x in w {
            if let Some(p) = self.postings.get(&x) {
                if p.len() > max_df {
                    continue;
                }
                let idf = (self.n as f32 / p.len() as f32).ln();
                for &j in p {
                    votes[j as usize] += idf;
                }
            }
        }
        let mut best: Vec<(f32, usize)> = votes.iter().enumerate().filter(|e| *e.1 > 0.0).map(|(j, &v)| (v, j)).collect();
        let k = n.min(best.len());
        if k == 0 {
            return best;
        }
        best.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0));
        best.truncate(k);
        best.sort_by(|a, b| b.0.total_cmp(&a.0));
        best
    }
}

/// Candidates added by the grey thumbnail (`thumbnail`), as `ImageIndex` adds the thumbnail
/// field's graph neighbours (`--no-thumb`: without them).
const THUMB: usize = 10;

/// A 16x16 thumbnail turned clockwise by a half and by three quarters (dev.imgsim.index.Copies.turns):
/// a copy turned by 180 or 270 degrees (PIL's ROTATE_180, ROTATE_270), which the embedding's two
/// views (the image and its quarter turn, ROTATE_90) do not bring near.
fn thumb_turns(t: &[f32]) -> Vec<Vec<f32>> {
    let quarter = |t: &[f32]| (0..256).map(|i| t[(15 - i % 16) * 16 + i / 16]).collect::<Vec<f32>>();
    let half = quarter(&quarter(t));
    let three = quarter(&half);
    vec![half, three]
}

/// The thumbnail similarity a neighbour of a turned thumbnail needs to join the candidates
/// (dev.imgsim.index.Copies.TURNED_THUMB_MIN; `--thumb-turns-min X`, `--no-thumb-turns`).
const TURNED_THUMB_MIN: f32 = 0.9;

/// The library's thumbnail of a fingerprint (dev.imgsim.CopyFeatures.thumbnail): the 64x64 grey
/// grid averaged to 16x16, at zero mean and unit length; None for a flat grid.
fn thumbnail(fp: &Fingerprint) -> Option<Vec<f32>> {
    thumbnail_of(&fp.grey)
}

/// The thumbnail of a 64x64 grey grid (a fingerprint's, or its inner picture's).
fn thumbnail_of(grey: &[u8]) -> Option<Vec<f32>> {
    let mut t = vec![0f32; 256];
    for (i, &v) in grey.iter().enumerate() {
        let (x, y) = (i % 64, i / 64);
        t[(y / 4) * 16 + x / 4] += v as f32 / 16.0;
    }
    let mean = t.iter().sum::<f32>() / 256.0;
    t.iter_mut().for_each(|v| *v -= mean);
    let norm = t.iter().map(|v| v * v).sum::<f32>().sqrt();
    (norm >= 1.0).then(|| t.iter().map(|v| v / norm).collect())
}

/// `sims` with the THUMB database images nearest to the query's thumbnail added, each at its
/// embedding similarity (the best of the query's views against the image), nearest first.
fn with_thumb(mut sims: Vec<(f32, usize)>, q: &Features, q_inner: &[f32], thumb: &Option<Vec<f32>>, db: &[Features], db_thumbs: &[Option<Vec<f32>>], dim: usize, turns: Option<f32>) -> Vec<(f32, usize)> {
    let Some(t) = thumb else { return sims };
    // the thumbnail as stored, then (`turns`: at least that thumbnail similarity) turned by 180 and 270 degrees
    let mut views = vec![(t.clone(), f32::NEG_INFINITY)];
    if let Some(min) = turns {
        views.extend(thumb_turns(t).into_iter().map(|v| (v, min)));
    }
    let mut found: Vec<usize> = Vec::new();
    for (t, min) in &views {
        let mut near: Vec<(f32, usize)> = db_thumbs.iter().enumerate().filter_map(|(j, d)| d.as_ref().map(|d| (dot(t, d), j))).collect();
        let n = THUMB.min(near.len());
        if n == 0 {
            return sims;
        }
        near.select_nth_unstable_by(n - 1, |a, b| b.0.total_cmp(&a.0));
        found.extend(near[..n].iter().filter(|e| e.0 >= *min).map(|e| e.1));
    }
    for j in found {
        if sims.iter().any(|e| e.1 == j) {
            continue;
        }
        let e = &db[j].emb;
        let mut s = dot(&q.emb[..dim], &e[..dim]).max(dot(&q.emb[..dim], &e[dim..2 * dim]));
        if !q_inner.is_empty() {
            s = s.max(dot(q_inner, &e[..dim]));
        }
        sims.push((s, j));
    }
    sims.sort_by(|a, b| b.0.total_cmp(&a.0));
    sims
}

/// The library's ranking (dev.imgsim.CopyCalibration.defaults(), ImageIndex.searchCopies) of one
/// pair: a pair verified as a copy ranks by its confidence (2 + confidence), above every pair that
/// is not, which ranks by its embedding cosine + its near-miss confidence; a pair both rules call a
/// copy has the two confidences combined; the colour veto makes a copy a look-alike. `in_context`
/// then weighs the query's candidates together. The rule's numbers are CopyCalibration's (keep
/// them in step).
fn decision_key(v: &Verdict, cos: f32) -> f32 {
    let threshold = match v.alignment {
        copies::Alignment::None => f32::INFINITY,
        copies::Alignment::Whole if v.aspect_mismatch > 0.2 => f32::INFINITY,
        copies::Alignment::Whole => 0.95,
        _ => 0.93 + 0.03 * (1.0 / v.area.max(0.01)).ln(),
    };
    let sig = |x: f32| 1.0 / (1.0 + (-x).exp());
    let local = cos >= local_rule_floor() && (v.local.inliers >= 120 && v.local.support >= 0.5 || v.local.inliers >= 80 && v.local.support >= 0.7);
    let local_conf = sig(2.2 + 0.05 * (v.local.inliers as f32 - 120.0));
    // the colour veto (dev.imgsim.CopyCalibration.decide): the same drawing in other colours is at
    // most a look-alike of confidence 0.1
    let vetoed = v.hue_mismatch >= 0.3;
    let copy = if v.score >= threshold {
        let grid_conf = sig(1.46 + 28.0 * (v.score - threshold));
        // both rules: the two confidences combined as independent evidence
        Some(if local { 1.0 - (1.0 - grid_conf) * (1.0 - local_conf) } else { grid_conf })
    } else if local {
        Some(local_conf)
    } else {
        None
    };
    match copy {
        Some(c) if !vetoed => 2.0 + c,
        Some(c) => cos + c.min(0.1),
        None => {
            // a near miss (CopyCalibration.decideRules): the stronger evidence below its rule;
            // ranked by cosine + confidence as dev.imgsim.index.Copies orders the rest
            let grid = if threshold.is_finite() { sig(1.46 + 40.0 * (v.score - threshold)) } else { 0.0 };
            let near = if cos >= local_rule_floor() && v.local.inliers > 0 { grid.max(local_conf) } else { grid };
            cos + if vetoed { near.min(0.1) } else { near }
        }
    }
}

/// `dev.imgsim.CopyCalibration.withSearchContext` as `ImageIndex.searchCopies` applies it: a copy
/// (key >= 2) whose verification score stands out from every other candidate's among the first
/// CONTEXT (most similar first, as `candidates` returns them) gets the margin as further evidence;
/// a near miss (key = cosine + confidence) is a copy (of confidence at most 0.98) when, of
/// confidence >= 0.3, it reaches 0.9 with that margin, or when its local inliers (>= 10, at any
/// cosine, colours not vetoed) stand out from every other candidate's so that
/// q = 1 / (1 + exp(-(-3.5 + 0.75 ln(1 + n) + 4.75 ln((1 + n) / (1 + m))))) >= 0.9.
fn in_context(scored: &mut [Scored]) {
    let n = scored.len().min(CONTEXT);
    if n <= 5 {
        return;
    }
    let (mut best, mut second, mut at) = (f32::NEG_INFINITY, f32::NEG_INFINITY, usize::MAX);
    let (mut most, mut second_most, mut most_at) = (0u32, 0u32, usize::MAX);
    for (i, c) in scored[..n].iter().enumerate() {
        if c.score > best {
            (second, best, at) = (best, c.score, i);
        } else if c.score > second {
            second = c.score;
        }
        if c.inliers > most {
            (second_most, most, most_at) = (most, c.inliers, i);
        } else if c.inliers > second_most {
            second_most = c.inliers;
        }
    }
    let sig = |x: f32| 1.0 / (1.0 + (-x).exp());
    for (i, c) in scored.iter_mut().enumerate() {
        let q = sig(-1.0 + 40.0 * (c.score - if i == at { second } else { best }));
        if c.key >= 2.0 {
            c.key = 2.0 + 1.0 - (1.0 - (c.key - 2.0)) * (1.0 - q);
            continue;
        }
        let near = c.key - c.cos;
        let p = 1.0 - (1.0 - near) * (1.0 - q);
        let points = if !c.vetoed && c.cos >= points_floor() && c.inliers >= STAND_OUT_INLIERS {
            let (k, m) = (c.inliers as f32, if i == most_at { second_most } else { most } as f32);
            sig(POINTS.0 + POINTS.1 * (1.0 + k).ln() + POINTS.2 * ((1.0 + k) / (1.0 + m)).ln())
        } else {
            0.0
        };
        if near >= 0.3 && p >= 0.9 || points >= 0.9 {
            c.key = 2.0 + (1.0 - (1.0 - p) * (1.0 - points)).min(0.98);
        }
    }
}

/// One verified candidate of a query: its ranking key (`decision_key`), database image,
/// verification score, cosine, local inliers (0 below LOCAL_FLOOR when screened: the library
/// then does not match them) and whether the colour veto made it a look-alike.
struct Scored {
    key: f32,
    j: usize,
    score: f32,
    cos: f32,
    inliers: u32,
    vetoed: bool,
}

impl Scored {
    fn new(v: &Verdict, cos: f32, j: usize) -> Scored {
        Scored {
            key: decision_key(v, cos),
            j,
            score: v.score,
            cos,
            // screened, the library matches no local features below LOCAL_FLOOR
            inliers: if cos >= LOCAL_FLOOR || !SCREENED.load(Ordering::Relaxed) { v.local.inliers } else { 0 },
            vetoed: v.hue_mismatch >= 0.3,
        }
    }
}

/// The neighbours a copy search measures a copy's margin against (`dev.imgsim.index.Copies.NEIGHBOURS`).
const CONTEXT: usize = 20;

/// Below this embedding cosine the library, screened (ImageIndex.copies()), neither matches local
/// features nor searches parts, and the local features' own rule does not count (CopyCalibration).
const LOCAL_FLOOR: f32 = 0.6;
const PARTS_FLOOR: f32 = 0.6;
/// `--screened`: verified as ImageIndex.copies() does; read where pairs are scored.
static SCREENED: AtomicBool = AtomicBool::new(false);
/// `--points-floor F`: the cosine from which a near miss's inliers may stand out (any unless set,
/// as the library since session 29); `--local-rule-floor F`: from which the local features' own
/// rule and near-miss confidence count (LOCAL_FLOOR unless set). Bits 0 mean "unset".
static POINTS_FLOOR: AtomicU32 = AtomicU32::new(0);
static LOCAL_RULE_FLOOR: AtomicU32 = AtomicU32::new(0);
fn floor_of(f: &AtomicU32, unset: f32) -> f32 {
    match f.load(Ordering::Relaxed) {
        0 => unset,
        bits => f32::from_bits(bits),
    }
}
fn local_rule_floor() -> f32 {
    floor_of(&LOCAL_RULE_FLOOR, LOCAL_FLOOR)
}
fn points_floor() -> f32 {
    floor_of(&POINTS_FLOOR, f32::NEG_INFINITY)
}
/// Sets a floor from `--name F` where given (0.0 stored as -0.0, the same floor, so that bits 0 stay "unset").
fn set_floor(f: &AtomicU32, args: &[String], name: &str) {
    if let Some(v) = arg(args, name) {
        let v: f32 = v.parse().unwrap_or_else(|_| panic!("{name} needs a number: {v}"));
        f.store(if v == 0.0 { (-0.0f32).to_bits() } else { v.to_bits() }, Ordering::Relaxed);
    }
}

/// dev.imgsim.SearchContext's logistic of a near miss's inliers standing out (offset, ln(1 + n),
/// ln((1 + n) / (1 + m))), and CopyCalibration.STAND_OUT_INLIERS.
const POINTS: (f32, f32, f32) = (-3.5, 0.75, 4.75);
const STAND_OUT_INLIERS: u32 = 10;

/// One verdict as the floats dev.imgsim.internal.Native.verify returns (`--rows`, for python/copy_decision.py):
/// query, database image, true, edit, kind, cosine, parts searched, rank, then the 14 VERDICT_* values.
#[allow(clippy::too_many_arguments)]
fn write_row(w: &mut impl Write, qi: usize, j: usize, t: bool, edit: usize, kind: &str, cos: f32, v: &Verdict, parts: bool, rank: usize) {
    let alignment = match v.alignment {
        copies::Alignment::None => 0,
        copies::Alignment::Whole => 1,
        copies::Alignment::AInB => 2,
        copies::Alignment::BInA => 3,
    };
    let l = &v.local;
    writeln!(
        w,
        "{qi}\t{j}\t{}\t{edit}\t{kind}\t{cos}\t{}\t{rank}\t{}\t{}\t{}\t{alignment}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        t as u8,
        parts as u8,
        v.score,
        v.whole,
        v.transform,
        v.area,
        v.aspect_mismatch,
        l.inliers,
        l.support,
        l.dihedral(),
        l.a_in_b,
        l.b_covered,
        l.scale,
        v.block_worst,
        v.block_mean,
        v.hue_mismatch
    )
    .unwrap();
}

/// `--verify-timing N`: the verification as `ImageIndex.copies()` runs it, on one thread: N
/// database images (every 11th), each against its 24 nearest by either view in one
/// `copies::verify_many` call (parts searched for the 6 nearest, local features where the cosine is
/// >= 0.6, as `Copies` and `Match` ask), five times; prints the fastest and the median run. A
/// steadier measure of the verification's arithmetic than a whole `dupes` run on a shared machine.
fn verify_timing(db: &[Features], dim: usize, n: usize) {
    let work: Vec<(usize, Vec<Fingerprint>, Vec<u32>)> = (0..n)
        .map(|k| {
            let i = (k * 11) % db.len();
            let q = &db[i].emb[..dim];
            let mut sims: Vec<(f32, usize)> = db.iter().enumerate().filter(|&(j, _)| j != i).map(|(j, d)| (dot(q, &d.emb[..dim]).max(dot(q, &d.emb[dim..])), j)).collect();
            sims.sort_by(|a, b| b.0.total_cmp(&a.0));
            sims.truncate(24);
            let bs = sims.iter().map(|&(_, j)| db[j].fp.clone()).collect();
            let flags = sims.iter().enumerate().map(|(r, &(s, _))| (r < 6) as u32 | (((s >= 0.6) as u32) << 1)).collect();
            (i, bs, flags)
        })
        .collect();
    let mut runs = Vec::new();
    let mut check = 0f64;
    for _ in 0..5 {
        let t = Instant::now();
        for (i, bs, flags) in &work {
            for v in copies::verify_many(&db[*i].fp, bs, flags) {
                check += v.score as f64 + v.local.inliers as f64;
            }
        }
        runs.push(t.elapsed().as_secs_f64());
    }
    let mut sorted = runs.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    println!("verify_many over {n} images x 24 pairs, one thread: fastest {:.3} s, median {:.3} s (runs {runs:.3?}; checksum {check:.3})", sorted[0], sorted[2]);
}

/// The POOL database images nearest to a query embedding by the better of their two stored views, nearest first.
fn candidates(qv: &[f32], db: &[Features], dim: usize) -> Vec<(f32, usize)> {
    let mut sims: Vec<(f32, usize)> =
        db.iter().enumerate().map(|(j, d)| (dot(qv, &d.emb[..dim]).max(dot(qv, &d.emb[dim..])), j)).collect();
    sims.select_nth_unstable_by(POOL, |a, b| b.0.total_cmp(&a.0));
    sims.truncate(POOL);
    sims.sort_by(|a, b| b.0.total_cmp(&a.0));
    sims
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Recall at the lowest global threshold with >= `precision` true pairs among the candidates at or above it.
fn recall_at(cands: &[(f32, bool, usize)], queries: usize, precision: f64) -> (Vec<bool>, f32) {
    let mut c = cands.to_vec();
    c.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut tp = 0usize;
    let mut last_ok = None;
    for (i, &(s, t, _)) in c.iter().enumerate() {
        tp += t as usize;
        let group_end = i + 1 == c.len() || c[i + 1].0 < s;
        if group_end && tp as f64 / (i + 1) as f64 >= precision {
            last_ok = Some(i);
        }
    }
    let mut found = vec![false; queries];
    let Some(last) = last_ok else { return (found, f32::INFINITY) };
    for &(_, t, q) in &c[..=last] {
        if t {
            found[q] = true;
        }
    }
    (found, c[last].0)
}

/// `--planted FILE` (python/planted_copies.py): copies of distractors as queries, each verified
/// against its 30 nearest database images as the benchmark's queries are; writes `--rows` (query
/// 1,000,000 + 16 x source + copy number, so python/copy_decision.py keeps a source's copies in
/// one fold) and prints recall@1 of the embedding and of the hand-set decision.
#[allow(clippy::too_many_arguments)]
fn planted(
    args: &[String],
    list: &str,
    bench: &Path,
    model: &Model,
    db: &[Features],
    db_files: &[String],
    originals: &[serde_json::Value],
    distractors: &[serde_json::Value],
    same_as: &HashMap<usize, usize>,
) {
    let lines: Vec<Vec<String>> = std::fs::read_to_string(list)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    let files: Vec<String> = lines.iter().map(|l| l[0].clone()).collect();
    let tag = format!("planted{}", files.len());
    let mut qs = load_features(model, bench, &files, &bench.join(format!("copy-features-{tag}.bin")));
    let local = load_local(bench, &files, &bench.join(format!("copy-local-{tag}.bin")));
    let colour = load_colour(bench, &files, &bench.join(format!("copy-colour-{tag}.bin")));
    let boxes = load_box(bench, &files, &bench.join(format!("copy-box-{tag}.bin")));
    for (((f, l), c), b) in qs.iter_mut().zip(local).zip(colour).zip(boxes) {
        if !f.fp.flat {
            f.fp.local = l;
        }
        f.fp.colour = c;
        f.fp.content = b;
    }
    let dim = model.embedding_size;
    let use_thumb = !args.iter().any(|a| a == "--no-thumb");
    let turns = (!args.iter().any(|a| a == "--no-thumb-turns")).then(|| arg(args, "--thumb-turns-min").map(|v| v.parse().unwrap()).unwrap_or(TURNED_THUMB_MIN));
    let db_thumbs: Vec<Option<Vec<f32>>> = db.iter().map(|f| if f.fp.flat { None } else { thumbnail(&f.fp) }).collect();
    let mut rows = std::io::BufWriter::new(std::fs::File::create(arg(args, "--rows").expect("--planted needs --rows FILE")).unwrap());
    let (mut cos1, mut ver1) = (0usize, 0usize);
    let mut per_copy = HashMap::new();
    for (i, q) in qs.iter().enumerate() {
        let source: usize = lines[i][1].parse().unwrap();
        let edit: usize = lines[i][2].parse().unwrap();
        let copy = per_copy.entry(source).or_insert(0usize);
        let qi = 1_000_000 + 16 * source + *copy;
        *copy += 1;
        let kind = distractors[source - originals.len()]["kind"].as_str().unwrap_or("?");
        // a distractor that is an original turned or mirrored: that original and its other such distractors too
        let is_true = |j: usize| {
            j == source || same_as.get(&source).is_some_and(|&o| j == o || same_as.get(&j) == Some(&o))
        };
        let sims = candidates(&q.emb[..dim], db, dim);
        cos1 += is_true(sims[0].1) as usize;
        let sims = if use_thumb { with_thumb(sims, q, &[], &thumbnail(&q.fp).filter(|_| !q.fp.flat), db, &db_thumbs, dim, turns) } else { sims };
        let mut scored = Vec::new();
        for (rank, &(s, j)) in sims.iter().enumerate() {
            let local = s >= LOCAL_FLOOR;
            let vw = copies::verify_with(&db[j].fp, &q.fp, false, local);
            write_row(&mut rows, qi, j, is_true(j), edit, kind, s, &vw, false, rank);
            if rank < PARTS && local {
                let mut vp = copies::verify_with(&db[j].fp, &q.fp, true, false);
                vp.local = vw.local;
                write_row(&mut rows, qi, j, is_true(j), edit, kind, s, &vp, true, rank);
            }
            let v = copies::verify(&db[j].fp, &q.fp, rank < PARTS);
            scored.push(Scored::new(&v, s, j));
        }
        in_context(&mut scored);
        let best = scored.iter().fold((f32::NEG_INFINITY, 0usize), |b, c| if c.key > b.0 { (c.key, c.j) } else { b });
        ver1 += is_true(best.1) as usize;
    }
    println!(
        "{} planted copies among {} database images ({}): recall@1 embedding {:.3}, hand-set decision {:.3}",
        qs.len(),
        db_files.len(),
        list,
        cos1 as f64 / qs.len() as f64,
        ver1 as f64 / qs.len() as f64
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let ort = std::env::var("IMGSIM_ORT").expect("IMGSIM_ORT: absolute path of libonnxruntime.so");
    imgsim::runtime::init(Path::new(&ort)).unwrap();
    let model_path = arg(&args, "--model").map(PathBuf::from).unwrap_or(root.join("models/image-similarity.onnx"));
    let model = Model::load(&model_path, Options { pool_size: 2, max_pixels: 100_000_000, ..Default::default() }).unwrap();
    let dim = model.embedding_size;
    let bench = root.join(".cache/data/bench");
    let man: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(bench.join("manifest.json")).unwrap()).unwrap();
    let list = |k: &str| man[k].as_array().unwrap().clone();
    let (originals, distractors, queries) = (list("originals"), list("distractors"), list("queries"));
    let mut db_files: Vec<String> = originals.iter().chain(&distractors).map(|o| o["file"].as_str().unwrap().to_string()).collect();
    let q_files: Vec<String> = queries.iter().map(|q| q["file"].as_str().unwrap().to_string()).collect();
    let tag = model_path.file_stem().unwrap().to_string_lossy().to_string();
    let db = load_features(&model, &bench, &db_files, &bench.join(format!("copy-features-{tag}-db{}.bin", db_files.len())));
    let qs = load_features(&model, &bench, &q_files, &bench.join(format!("copy-features-{tag}-q{}.bin", q_files.len())));
    // distractors that are an original turned or mirrored count as that original (copies_of_originals)
    let mut same_as: HashMap<usize, usize> = HashMap::new();
    if let Some(p) = arg(&args, "--copies") {
        for line in std::fs::read_to_string(p).unwrap().lines() {
            let mut it = line.split_whitespace().map(|v| v.parse::<usize>().unwrap());
            if let (Some(d), Some(o)) = (it.next(), it.next()) {
                same_as.insert(originals.len() + d, o);
            }
        }
    }
    // the local features (fingerprint version 2) cached on their own: the cached fingerprints may be version 1
    let (mut db, mut qs) = (db, qs);
    let db_local = load_local(&bench, &db_files, &bench.join(format!("copy-local-db{}.bin", db_files.len())));
    let q_local = load_local(&bench, &q_files, &bench.join(format!("copy-local-q{}.bin", q_files.len())));
    let db_colour = load_colour(&bench, &db_files, &bench.join(format!("copy-colour-db{}.bin", db_files.len())));
    let q_colour = load_colour(&bench, &q_files, &bench.join(format!("copy-colour-q{}.bin", q_files.len())));
    let db_box = load_box(&bench, &db_files, &bench.join(format!("copy-box-db{}.bin", db_files.len())));
    let q_box = load_box(&bench, &q_files, &bench.join(format!("copy-box-q{}.bin", q_files.len())));
    for (((f, l), c), b) in
        db.iter_mut().zip(db_local).chain(qs.iter_mut().zip(q_local)).zip(db_colour.into_iter().chain(q_colour)).zip(db_box.into_iter().chain(q_box))
    {
        if !f.fp.flat {
            f.fp.local = l;
        }
        f.fp.colour = c;
        f.fp.content = b;
    }
    db_files.truncate(db.len());
    let no = originals.len();
    if let Some(n) = arg(&args, "--verify-timing") {
        verify_timing(&db, dim, n.parse().unwrap());
        return;
    }
    if let Some(n) = arg(&args, "--fingerprint-timing") {
        fingerprint_timing(&bench, &q_files, n.parse().unwrap());
        return;
    }
    if let Some(p) = arg(&args, "--planted") {
        planted(&args, &p, &bench, &model, &db, &db_files, &originals, &distractors, &same_as);
        return;
    }
    let edits: Vec<String> = man["edits"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_string()).collect();
    let t0 = Instant::now();
    // per query: candidates from the embeddings (best of the two stored views), verified
    let mut dump = arg(&args, "--dump").map(|p| std::io::BufWriter::new(std::fs::File::create(p).unwrap()));
    let mut rows = arg(&args, "--rows").map(|p| std::io::BufWriter::new(std::fs::File::create(p).unwrap()));
    let mut misses = arg(&args, "--misses").map(|p| std::io::BufWriter::new(std::fs::File::create(p).unwrap()));
    let mut cos_cands = Vec::new();
    let mut ver_cands = Vec::new();
    let mut cos_rank1 = vec![false; qs.len()];
    let mut ver_rank1 = vec![false; qs.len()];
    let mut verify_ns = Vec::new(); // with the part search
    let mut whole_ns = Vec::new(); // whole pictures only
    let mut local_ns = Vec::new(); // local features
    let stride: usize = arg(&args, "--stride").map(|v| v.parse().unwrap()).unwrap_or(1);
    // the library's path: a query that is a picture on a canvas also searches by its inner picture
    let inner_view = !args.iter().any(|a| a == "--no-inner");
    // the search's own evidence: a copy standing out from the query's other candidates (library default)
    let no_context = args.iter().any(|a| a == "--no-context");
    let mut db_inner_emb: Vec<Vec<f32>> = vec![Vec::new(); db.len()];
    let q_inner: Vec<Vec<f32>> = if inner_view {
        let mut db_inner = load_inner(&model, &bench, &db_files, &bench.join(format!("copy-inner-{tag}-db{}.bin", db_files.len())));
        let mut q_inner = load_inner(&model, &bench, &q_files, &bench.join(format!("copy-inner-{tag}-q{}.bin", q_files.len())));
        // the inner pictures' own local features (fingerprint version 5; `--no-inner-local`: as version 4)
        if !args.iter().any(|a| a == "--no-inner-local") {
            load_inner_local(&bench, &db_files, &mut db_inner, &bench.join(format!("copy-inner-local-db{}.bin", db_files.len())));
            load_inner_local(&bench, &q_files, &mut q_inner, &bench.join(format!("copy-inner-local-q{}.bin", q_files.len())));
        }
        let no_grid = args.iter().any(|a| a == "--no-inner-grid");
        for (f, (_, inner)) in db.iter_mut().zip(&db_inner).chain(qs.iter_mut().zip(&q_inner)) {
            if !no_grid && !f.fp.flat {
                f.fp.inner = inner.clone();
            }
        }
        db_inner_emb = db_inner.into_iter().map(|(v, _)| v).collect();
        q_inner.into_iter().map(|(v, _)| v).collect()
    } else {
        vec![Vec::new(); qs.len()]
    };
    // the library's thumbnail field: its graph neighbours join the candidates (`--no-thumb`: without)
    let use_thumb = !args.iter().any(|a| a == "--no-thumb");
    let turns = (!args.iter().any(|a| a == "--no-thumb-turns")).then(|| arg(&args, "--thumb-turns-min").map(|v| v.parse().unwrap()).unwrap_or(TURNED_THUMB_MIN));
    // the library's: a query with an inner picture also looks up that picture's thumbnail (`--no-inner-thumb`: without)
    let inner_thumb = !args.iter().any(|a| a == "--no-inner-thumb");
    let db_thumbs: Vec<Option<Vec<f32>>> = db.iter().map(|f| if f.fp.flat { None } else { thumbnail(&f.fp) }).collect();
    let q_thumbs: Vec<Option<Vec<f32>>> = qs.iter().map(|f| if f.fp.flat { None } else { thumbnail(&f.fp) }).collect();
    // the library's: candidates by the words of local features (dev.imgsim.index.CopyWords: `--words N`, 30;
    // `--no-words`; `--word-tables T`, `--word-bits B` to try other words, `--word-max-df D`: words in more images skipped)
    let words_n: usize = if args.iter().any(|a| a == "--no-words") { 0 } else { arg(&args, "--words").map(|v| v.parse().unwrap()).unwrap_or(WORD_NEIGHBOURS) };
    let word_index = (words_n > 0).then(|| {
        let spec = keypoints::words::WordSpec {
            tables: arg(&args, "--word-tables").map(|v| v.parse().unwrap()).unwrap_or(keypoints::words::WORDS.tables),
            bits: arg(&args, "--word-bits").map(|v| v.parse().unwrap()).unwrap_or(keypoints::words::WORDS.bits),
        };
        let t = Instant::now();
        let w = WordIndex::new(&db, spec);
        let total: usize = w.postings.values().map(|p| p.len()).sum();
        eprintln!("word index {spec:?}: {} words, {total} postings in {:.1} s", w.postings.len(), t.elapsed().as_secs_f64());
        w
    });
    // `--word-parts P`: the first P images by words are also searched for parts (as dev.imgsim.index.CopyWords.PARTS)
    let word_parts_n: usize = arg(&args, "--word-parts").map(|v| v.parse().unwrap()).unwrap_or(WORD_PARTS);
    let mut word_parts: Vec<usize> = Vec::new();
    let word_max_df: usize = arg(&args, "--word-max-df").map(|v| v.parse().unwrap()).unwrap_or(((WORD_MAX_SHARE * db.len() as f64) as usize).max(2));
    let words_only = args.iter().any(|a| a == "--words-only");
    // --screened: verify as ImageIndex.copies() does (see the main loop)
    let screened = args.iter().any(|a| a == "--screened");
    SCREENED.store(screened, Ordering::Relaxed);
    set_floor(&LOCAL_RULE_FLOOR, &args, "--local-rule-floor");
    set_floor(&POINTS_FLOOR, &args, "--points-floor");
    let mut votes = Vec::new();
    let (mut word_ns, mut word_rank) = (Vec::new(), Vec::new());
    for (qi, q) in qs.iter().enumerate() {
        if qi % stride != 0 {
            continue;
        }
        let target = queries[qi]["original"].as_u64().unwrap() as usize;
        let is_true = |j: usize| j == target || same_as.get(&j) == Some(&target);
        let sims = with_inner(candidates(&q.emb[..dim], &db, dim), &q_inner[qi], &db, dim);
        let sims = if use_thumb { with_thumb(sims, q, &q_inner[qi], &q_thumbs[qi], &db, &db_thumbs, dim, turns) } else { sims };
        let sims = match (inner_thumb, q.fp.inner.as_ref()) {
            (true, Some(i)) => with_thumb(sims, q, &q_inner[qi], &thumbnail_of(&i.grey), &db, &db_thumbs, dim, None),
            _ => sims,
        };
        let sims = match &word_index {
            Some(wi) => {
                let t = Instant::now();
                let top = wi.top(&q.fp, words_n.max(100), word_max_df, &mut votes);
                word_parts = top.iter().take(word_parts_n.min(words_n)).map(|e| e.1).collect();
                word_ns.push(t.elapsed().as_nanos() as f64);
                let had = sims.iter().any(|e| is_true(e.1));
                // where the original ranks by words (-1: not among the first 100), and whether the other sources had it
                word_rank.push((top.iter().position(|e| is_true(e.1)).map(|p| p as i64).unwrap_or(-1), had, qi));
                let mut sims = sims;
                for &(_, j) in top.iter().take(words_n) {
                    if sims.iter().any(|e| e.1 == j) {
                        continue;
                    }
                    let e = &db[j].emb;
                    let mut s = dot(&q.emb[..dim], &e[..dim]).max(dot(&q.emb[..dim], &e[dim..2 * dim]));
                    if !q_inner[qi].is_empty() {
                        s = s.max(dot(&q_inner[qi], &e[..dim]));
                    }
                    sims.push((s, j));
                }
                sims.sort_by(|a, b| b.0.total_cmp(&a.0));
                sims
            }
            None => sims,
        };
        if words_only {
            continue;
        }
        cos_rank1[qi] = is_true(sims[0].1);
        for &(s, j) in sims.iter().take(K) {
            cos_cands.push((s, is_true(j), qi));
        }
        let mut scored: Vec<Scored> = Vec::new();
        for (rank, &(s, j)) in sims.iter().enumerate() {
            // the library compares an inner picture where its embedding is close to the other image's
            let near = |x: &[f32], y: &[f32]| !x.is_empty() && dot(x, y) >= LOCAL_FLOOR;
            let inner = near(&q_inner[qi], &db[j].emb[..dim]) || near(&db_inner_emb[j], &q.emb[..dim]);
            let t = Instant::now();
            let parts = rank < PARTS || word_parts.contains(&j);
            let mut key_of_whole = None;
            let v: Verdict = if screened {
                // dev.imgsim.CopyCalibration.verifyAllScreened (ImageIndex.copies()): local features
                // at cosine >= LOCAL_FLOOR; where the pair is not a copy and its parts may be
                // searched (cosine >= PARTS_FLOOR), the rules decide on a second verdict, the part
                // search without the local features, carrying the first's local slots
                let mut v = copies::verify_opts(&db[j].fp, &q.fp, false, s >= LOCAL_FLOOR, inner);
                if parts && s >= PARTS_FLOOR && decision_key(&v, s) < 2.0 {
                    let mut vp = copies::verify_opts(&db[j].fp, &q.fp, true, false, inner);
                    vp.local = v.local;
                    v = vp;
                }
                v
            } else {
                // CopyCalibration.verifyAgainst (ImageIndex.searchCopies): every pair's local
                // features; where its parts are searched, a second verdict, the part search without the local features (carrying the
                // first's local slots), and the stronger decision of the two stands
                // (Match.stronger: a copy found whole stays whole where the part covers 0.9 of the
                // picture, with the part's confidence)
                let v = copies::verify_opts(&db[j].fp, &q.fp, false, true, inner);
                if parts {
                    let mut vp = copies::verify_opts(&db[j].fp, &q.fp, true, false, inner);
                    vp.local = v.local;
                    let (kw, kp) = (decision_key(&v, s), decision_key(&vp, s));
                    if kp <= kw {
                        v
                    } else if kw >= 2.0 && vp.area >= 0.9 {
                        key_of_whole = Some(kp);
                        v
                    } else {
                        vp
                    }
                } else {
                    v
                }
            };
            if parts { &mut verify_ns } else { &mut whole_ns }.push(t.elapsed().as_nanos() as f64);
            let t = Instant::now();
            let lm = keypoints::verify(&db[j].fp.local, &q.fp.local);
            local_ns.push(t.elapsed().as_nanos() as f64);
            if let Some(w) = dump.as_mut() {
                writeln!(
                    w,
                    "{qi}\t{j}\t{}\t{}\t{s:.4}\t{:.4}\t{:.4}\t{}\t{:?}\t{:.3}\t{:.3}\t{}\t{:.3}\t{:.3}\t{:.3}\t{}\t{:.3}\t{:.3}\t{}",
                    is_true(j) as u8,
                    edits.iter().position(|e| e == queries[qi]["edit"].as_str().unwrap()).unwrap(),
                    v.score,
                    v.whole,
                    v.transform,
                    v.alignment,
                    v.area,
                    v.aspect_mismatch,
                    lm.inliers,
                    lm.support,
                    lm.rotation,
                    lm.scale,
                    lm.mirrored as u8,
                    lm.a_in_b,
                    lm.b_covered,
                    rank
                )
                .unwrap();
            }
            if let Some(w) = rows.as_mut() {
                // the verdicts dev.imgsim.Match.verify computes: whole pictures (local features at
                // cosine >= 0.6); then, for the nearest, the part search with the same local slots
                let kind = originals[target]["kind"].as_str().unwrap_or("?");
                let edit = edits.iter().position(|e| e == queries[qi]["edit"].as_str().unwrap()).unwrap();
                let local = s >= LOCAL_FLOOR;
                let vw = copies::verify_opts(&db[j].fp, &q.fp, false, local, inner);
                write_row(w, qi, j, is_true(j), edit, kind, s, &vw, false, rank);
                if rank < PARTS && local {
                    let mut vp = copies::verify_opts(&db[j].fp, &q.fp, true, false, inner);
                    vp.local = vw.local;
                    write_row(w, qi, j, is_true(j), edit, kind, s, &vp, true, rank);
                }
            }
            let mut sc = Scored::new(&v, s, j);
            sc.key = key_of_whole.unwrap_or(sc.key);
            scored.push(sc);
        }
        if !no_context {
            in_context(&mut scored);
        }
        scored.sort_by(|a, b| b.key.total_cmp(&a.key));
        ver_rank1[qi] = is_true(scored[0].j);
        if let (Some(w), false) = (misses.as_mut(), ver_rank1[qi]) {
            // a query whose first verified candidate is not its original: that one, and where the original ranks
            let (pos, key) = scored.iter().enumerate().find(|(_, c)| is_true(c.j)).map(|(i, c)| (i as i64, c.key)).unwrap_or((-1, f32::NAN));
            let top = &scored[0];
            let kind = originals[target]["kind"].as_str().unwrap_or("?");
            writeln!(w, "{qi}\t{}\t{kind}\t{}\t{:.4}\t{:.4}\t{}\t{pos}\t{key:.4}\t{}", queries[qi]["edit"].as_str().unwrap_or("?"), q_files[qi], top.key, top.score, db_files[top.j], db_files[target]).unwrap();
        }
        for c in scored.iter().take(K) {
            ver_cands.push((c.key, is_true(c.j), qi));
        }
        if qi % 1000 == 0 {
            eprintln!("query {qi}/{} ({:.0} s)", qs.len(), t0.elapsed().as_secs_f64());
        }
    }
    if word_index.is_some() {
        word_ns.sort_by(|a, b| a.total_cmp(b));
        let missing: Vec<&(i64, bool, usize)> = word_rank.iter().filter(|r| !r.1).collect();
        let within = |v: &[&(i64, bool, usize)], n: i64| v.iter().filter(|r| r.0 >= 0 && r.0 < n).count();
        let all: Vec<&(i64, bool, usize)> = word_rank.iter().collect();
        eprintln!(
            "words: lookup median {:.2} ms; original within the first 1/5/10/{words_n}/100 by words: all {} queries {}/{}/{}/{}/{}; the {} the other sources miss {}/{}/{}/{}/{}",
            word_ns[word_ns.len() / 2] / 1e6,
            all.len(), within(&all, 1), within(&all, 5), within(&all, 10), within(&all, words_n as i64), within(&all, 100),
            missing.len(), within(&missing, 1), within(&missing, 5), within(&missing, 10), within(&missing, words_n as i64), within(&missing, 100)
        );
        let mut by_edit: HashMap<String, (usize, usize)> = HashMap::new();
        for r in &missing {
            let e = by_edit.entry(queries[r.2]["edit"].as_str().unwrap().to_string()).or_default();
            e.0 += 1;
            e.1 += (r.0 >= 0 && r.0 < words_n as i64) as usize;
        }
        let mut v: Vec<_> = by_edit.into_iter().collect();
        v.sort();
        eprintln!("missed by the other sources, found by words (edit: found/missed): {}", v.iter().map(|(e, (m, f))| format!("{e} {f}/{m}")).collect::<Vec<_>>().join(", "));
        if words_only {
            return;
        }
    }
    verify_ns.sort_by(|a, b| a.total_cmp(b));
    whole_ns.sort_by(|a, b| a.total_cmp(b));
    local_ns.sort_by(|a, b| a.total_cmp(b));
    eprintln!("local verification median {:.0} us, p99 {:.0} us", local_ns[local_ns.len() / 2] / 1e3, local_ns[local_ns.len() * 99 / 100] / 1e3);
    let (cos99, cos_thr) = recall_at(&cos_cands, qs.len(), 0.99);
    let (ver99, ver_thr) = recall_at(&ver_cands, qs.len(), 0.99);
    let (ver999, ver_thr3) = recall_at(&ver_cands, qs.len(), 0.999);
    let mean = |v: &[bool], sel: &dyn Fn(usize) -> bool| {
        let (n, t) = (0..v.len()).filter(|&i| i % stride == 0 && sel(i)).fold((0, 0), |(n, t), i| (n + 1, t + v[i] as usize));
        t as f64 / n.max(1) as f64
    };
    println!("# copy detection on the invariance benchmark\n");
    println!(
        "{} originals x {} edits = {} queries; database {} images; {} embedding neighbours verified per query{}; model {}\n",
        no,
        edits.len(),
        qs.len(),
        db.len(),
        POOL,
        match (use_thumb, words_n) {
            (true, 0) => format!(" (and the {THUMB} nearest by the grey thumbnail)"),
            (true, n) => format!(" (and the {THUMB} nearest by the grey thumbnail, the {n} sharing the most words of local features)"),
            (false, 0) => String::new(),
            (false, n) => format!(" (and the {n} sharing the most words of local features)"),
        },
        model_path.display()
    );
    println!("| method | recall@1 | recall at precision 0.99 (threshold) | at 0.999 |");
    println!("|---|---|---|---|");
    let views = if inner_view { "best of 2 stored views; the query's inner picture too" } else { "best of 2 stored views" };
    println!("| embedding ({views}) | {:.3} | {:.3} ({cos_thr:.4}) | - |", mean(&cos_rank1, &|_| true), mean(&cos99, &|_| true));
    println!(
        "| + verification, calibrated decision (key: 2 + margin for copies, cosine otherwise) | {:.3} | {:.3} ({ver_thr:.4}) | {:.3} ({ver_thr3:.4}) |",
        mean(&ver_rank1, &|_| true),
        mean(&ver99, &|_| true),
        mean(&ver999, &|_| true)
    );
    println!("\n| edit | recall@1 embedding | recall@1 verified | recall@p0.99 embedding | verified | verified @p0.999 |");
    println!("|---|---|---|---|---|---|");
    for e in &edits {
        let sel = |i: usize| queries[i]["edit"].as_str() == Some(e.as_str());
        println!(
            "| {e} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            mean(&cos_rank1, &sel),
            mean(&ver_rank1, &sel),
            mean(&cos99, &sel),
            mean(&ver99, &sel),
            mean(&ver999, &sel)
        );
    }
    let kinds: Vec<String> = {
        let mut k: Vec<String> = originals.iter().map(|o| o["kind"].as_str().unwrap().to_string()).collect();
        k.dedup();
        k
    };
    println!("\n| kind | recall@1 verified | recall@p0.99 verified |");
    println!("|---|---|---|");
    for k in &kinds {
        let sel = |i: usize| originals[queries[i]["original"].as_u64().unwrap() as usize]["kind"].as_str() == Some(k.as_str());
        println!("| {k} | {:.3} | {:.3} |", mean(&ver_rank1, &sel), mean(&ver99, &sel));
    }
    println!(
        "\nverification of one pair, 1 thread: whole pictures only median {:.0} us; with the part search median {:.0} us, p99 {:.0} us; run {:.0} s",
        whole_ns[whole_ns.len() / 2] / 1e3,
        verify_ns[verify_ns.len() / 2] / 1e3,
        verify_ns[verify_ns.len() * 99 / 100] / 1e3,
        t0.elapsed().as_secs_f64()
    );
}
