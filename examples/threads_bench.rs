//! Experiment: ONNX Runtime thread settings for 1 and 2 concurrent callers (docs/PERFORMANCE.md).
//! usage: threads_bench <libonnxruntime.so> <model.onnx> <mode> <callers>
//! modes: session1 (1 intra-op thread per session), session2 (2 per session),
//!        global (one process-wide pool of 2 threads, spinning), global-nospin
use std::sync::{Arc, Barrier};
use std::time::Instant;

use ort::environment::GlobalThreadPoolOptions;
use ort::session::Session;
use ort::value::TensorRef;

fn main() {
    let _ = env_logger::try_init(); // RUST_LOG=debug shows the core's log records
    let a: Vec<String> = std::env::args().collect();
    let (lib, model, mode, callers): (&str, &str, &str, usize) = (&a[1], &a[2], &a[3], a[4].parse().unwrap());
    let mut b = ort::init_from(lib).unwrap().with_name("bench");
    if mode.starts_with("global") {
        let mut g = GlobalThreadPoolOptions::default().with_intra_threads(2).unwrap();
        g = g.with_spin_control(mode == "global").unwrap();
        b = b.with_global_thread_pool(g);
    }
    let env = b.build().unwrap();
    let bytes = std::fs::read(model).unwrap();
    let barrier = Arc::new(Barrier::new(callers));
    let per = 3 * 224 * 224;
    let n = 48 / callers;
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..callers {
            let barrier = barrier.clone();
            let env = &env;
            let bytes = &bytes;
            s.spawn(move || {
                let mut sb = Session::builder(env).unwrap();
                if mode == "session1" {
                    sb = sb.with_intra_threads(1).unwrap();
                } else if mode == "session2" {
                    sb = sb.with_intra_threads(2).unwrap();
                }
                let mut sess = sb.commit_from_memory(bytes).unwrap();
                let x = vec![0.1f32; per];
                for _ in 0..5 {
                    let t = TensorRef::from_array_view(([1usize, 3, 224, 224], &x[..])).unwrap();
                    sess.run(ort::inputs!["input" => t]).unwrap();
                }
                barrier.wait();
                let mut lat = Vec::new();
                for _ in 0..n {
                    let s0 = Instant::now();
                    let t = TensorRef::from_array_view(([1usize, 3, 224, 224], &x[..])).unwrap();
                    sess.run(ort::inputs!["input" => t]).unwrap();
                    lat.push(s0.elapsed().as_secs_f64() * 1000.0);
                }
                lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
                println!("{mode} callers={callers}: median latency {:.2} ms", lat[lat.len() / 2]);
            });
        }
    });
    let _ = t0;
}
