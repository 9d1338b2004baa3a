//! The two DCT-scaled JPEG decoders side by side on the same files, one thread, medians:
//! `cargo run --release --example jpeg_decoders -- build/bench/photos/large-8-12mp [N]`.
//! This measurement is why libjpeg-turbo is tried first (src/decode.rs).
use std::path::PathBuf;
use std::time::Instant;

use imgsim::decode::{decode_jpeg_scaled, decode_jpeg_turbo};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let _ = env_logger::try_init(); // RUST_LOG=debug shows the core's log records
    let dir = PathBuf::from(std::env::args().nth(1).expect("usage: jpeg_decoders DIR [N]"));
    let n: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(40);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("readable folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("jpg")))
        .collect();
    files.sort();
    files.truncate(n);
    let (mut turbo, mut plain) = (Vec::new(), Vec::new());
    for f in &files {
        let bytes = std::fs::read(f).expect("readable file");
        for round in 0..3 {
            let t = Instant::now();
            let a = decode_jpeg_turbo(&bytes, "x", u64::MAX, (224, 224)).expect("decodes").expect("turbo handles it");
            let ta = t.elapsed().as_secs_f64() * 1e3;
            let t = Instant::now();
            let b = decode_jpeg_scaled(&bytes, "x", u64::MAX, (224, 224)).expect("decodes").expect("jpeg-decoder handles it");
            let tb = t.elapsed().as_secs_f64() * 1e3;
            if round == 0 && f == &files[0] { println!("sizes: turbo {}x{}, jpeg-decoder {}x{}", a.width, a.height, b.width, b.height); }
            if round > 0 {
                turbo.push(ta);
                plain.push(tb);
            }
        }
    }
    let (t, p) = (median(turbo), median(plain));
    println!("{} JPEGs in {}: libjpeg-turbo scaled {t:.2} ms, jpeg-decoder scaled {p:.2} ms (median per file, 1 thread): {:.2}x", files.len(), dir.display(), p / t);
}
