//! Decoding speed per format: each file of a folder (python/format_speed.py writes one photo in
//! every format) decoded in full, and for embedding (`decode_file_for` at 224x224: JPEG, and the
//! JPEG preview inside a DNG, are then decoded at a DCT-reduced scale), one thread, median of N
//! runs, with ms per megapixel and the ratio to the JPEG file's time.
//!
//!     cargo run --release --example format_speed -- DIR [RUNS]
use std::path::PathBuf;
use std::time::Instant;

use imgsim::decode::{decode_file, decode_file_for};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn time(runs: usize, f: impl Fn() -> (usize, usize)) -> (f64, (usize, usize)) {
    let size = f(); // warm-up
    (median((0..runs).map(|_| { let t = Instant::now(); f(); t.elapsed().as_secs_f64() * 1e3 }).collect()), size)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(args.get(1).expect("usage: format_speed DIR [RUNS]"));
    let runs: usize = args.get(2).map(|r| r.parse().expect("RUNS")).unwrap_or(7);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let limit = 1 << 28;
    let mut rows = Vec::new();
    for path in &files {
        let full = |p: &PathBuf| { let i = decode_file(p, limit).unwrap(); (i.width, i.height) };
        let small = |p: &PathBuf| { let i = decode_file_for(p, limit, Some((224, 224))).unwrap(); (i.width, i.height) };
        let (ms, (w, h)) = time(runs, || full(path));
        let (ms_small, _) = time(runs, || small(path));
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::metadata(path).unwrap().len();
        rows.push((name, bytes, w, h, ms, ms_small));
    }
    let jpeg = rows.iter().find(|r| r.0.ends_with(".jpg")).map(|r| (r.4, r.5));
    println!("| file | bytes | size | full decode ms | ms/MP | vs JPEG | for embedding (224) ms | vs JPEG |");
    println!("|---|---|---|---|---|---|---|---|");
    for (name, bytes, w, h, ms, ms_small) in rows {
        let mp = (w * h) as f64 / 1e6;
        let (rf, rs) = jpeg.map(|(j, js)| (ms / j, ms_small / js)).unwrap_or((f64::NAN, f64::NAN));
        println!("| {name} | {bytes} | {w}x{h} | {ms:.0} | {:.1} | {rf:.2}x | {ms_small:.0} | {rs:.2}x |", ms / mp);
    }
    println!("(median of {runs} runs, one thread)");
}
