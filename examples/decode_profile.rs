//! W3's decoding stage alone, for profiling (docs/PERFORMANCE.md):
//!   cargo build --release --example decode_profile
//!   perf record -g target/release/examples/decode_profile build/bench/w3-12mp.jpg 30 && perf report
use std::time::Instant;

fn main() {
    let _ = env_logger::try_init(); // RUST_LOG=debug shows the core's log records
    let a: Vec<String> = std::env::args().collect();
    let path = std::path::Path::new(a.get(1).map(String::as_str).unwrap_or("build/bench/w3-12mp.jpg"));
    let n: usize = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    let mut times = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        let img = imgsim::decode::decode_file_for(path, 1 << 28, Some((224, 224))).expect("decode");
        std::hint::black_box(&img.data);
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let full = Instant::now();
    let img = imgsim::decode::decode_file(path, 1 << 28).expect("decode");
    println!(
        "scaled decode to {}x{} and back: median {:.1} ms over {n}; full-size decode ({}x{}) {:.1} ms",
        imgsim::decode::decode_file_for(path, 1 << 28, Some((224, 224))).map(|i| i.width).unwrap_or(0),
        imgsim::decode::decode_file_for(path, 1 << 28, Some((224, 224))).map(|i| i.height).unwrap_or(0),
        times[n / 2],
        img.width,
        img.height,
        full.elapsed().as_secs_f64() * 1e3
    );
}
