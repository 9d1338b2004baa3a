//! The local features of a query's inner picture (the picture on a canvas, `imgsim::inner`) against
//! its candidates, beside the whole canvas's: why fingerprint version 5 keeps them
//! (docs/QUALITY.md, "A picture's own points"). Per query of the given edits (every STRIDE-th
//! original): whether it has an inner picture, then for its original (None when not among the
//! candidates) the inliers of the canvas's features, of the inner picture's, their support and the
//! cosine, and for the best wrong candidate (cosine >= 0.6, among the first 20) the canvas's and
//! the inner picture's inliers and support.
//!
//!   cargo run --release --example inner_points -- .cache/data/bench/copy-rows.tsv 27,17 2 > inner-points.tsv
//!
//! (rows from `copy_bench --rows`; edits 17 and 27 are "pad into canvas" and "caption + pad").
use imgsim::copies;
use imgsim::keypoints::{self, Features};
use std::collections::HashMap;
use std::path::Path;
fn feats(p: &Path) -> (Features, Option<Features>) {
    let img = imgsim::decode::decode_file_for(p, 100_000_000, Some((224, 224))).unwrap();
    let g = copies::grey_of(&img.data);
    let whole = Features::from_grey(&g, img.width, img.height);
    let inner = imgsim::inner::inner_box(&img.data, img.width, img.height).map(|(x0, y0, x1, y1)| {
        let (w, h) = (x1 - x0, y1 - y0);
        let mut c = Vec::with_capacity(w * h);
        for y in y0..y1 { c.extend_from_slice(&g[y * img.width + x0..y * img.width + x1]); }
        Features::from_grey(&c, w, h)
    });
    (whole, inner)
}
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let bench = Path::new(".cache/data/bench");
    let man: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(bench.join("manifest.json")).unwrap()).unwrap();
    let db: Vec<String> = man["originals"].as_array().unwrap().iter().chain(man["distractors"].as_array().unwrap()).map(|o| o["file"].as_str().unwrap().to_string()).collect();
    let qf: Vec<String> = man["queries"].as_array().unwrap().iter().map(|o| o["file"].as_str().unwrap().to_string()).collect();
    let edits: Vec<usize> = a[2].split(',').map(|v| v.parse().unwrap()).collect();
    let stride: usize = a.get(3).map(|v| v.parse().unwrap()).unwrap_or(1);
    // rows: per query, candidates (j, true, cos)
    let mut cands: HashMap<usize, Vec<(usize, bool, f32)>> = HashMap::new();
    for line in std::fs::read_to_string(&a[1]).unwrap().lines() {
        let c: Vec<&str> = line.split('\t').collect();
        let (q, j, t, e, cos): (usize, usize, bool, usize, f32) = (c[0].parse().unwrap(), c[1].parse().unwrap(), c[2] == "1", c[3].parse().unwrap(), c[5].parse().unwrap());
        if c[6] == "1" || !edits.contains(&e) || (q / 28) % stride != 0 { continue; }
        cands.entry(q).or_default().push((j, t, cos));
    }
    let mut qs: Vec<usize> = cands.keys().copied().collect();
    qs.sort();
    let mut cache: HashMap<usize, Features> = HashMap::new();
    for q in qs {
        let (w, inner) = feats(&bench.join(&qf[q]));
        let mut v = cands[&q].clone();
        v.sort_by(|x, y| y.2.partial_cmp(&x.2).unwrap());
        v.dedup_by_key(|x| x.0);
        let mut best_wrong = (0u32, 0u32, 0f32);
        let mut truth = None;
        for &(j, t, cos) in v.iter().take(20) {
            if cos < 0.6 { continue; }
            let d = cache.entry(j).or_insert_with(|| feats(&bench.join(&db[j])).0);
            let mw = keypoints::verify(&w, d);
            let mi = inner.as_ref().map(|f| keypoints::verify(f, d)).unwrap_or_default();
            if t { truth = Some((mw.inliers, mi.inliers, mi.support, cos)); } else if mi.inliers.max(mw.inliers) > best_wrong.0.max(best_wrong.1) { best_wrong = (mw.inliers, mi.inliers, mi.support); }
        }
        println!("{q}\t{}\t{}\t{:?}\t{:?}", q % 28, inner.is_some(), truth, best_wrong);
    }
}
