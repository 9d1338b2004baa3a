//! Micro-benchmarks of the pure-Rust stages next to a memcpy of the same bytes, on this machine
//! (docs/PERFORMANCE.md):  cargo run --release --example microbench
use std::hint::black_box;
use std::time::Instant;

use imgsim::pixels::{to_rgb8, Format, Layout, Samples};
use imgsim::preprocess::{self, Preprocess};

fn median_us(mut f: impl FnMut(), n: usize) -> f64 {
    for _ in 0..3 {
        f();
    }
    let mut t: Vec<f64> = (0..n)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    t[n / 2]
}

fn row(name: &str, bytes: usize, us: f64, memcpy_gbs: Option<f64>) -> f64 {
    let gbs = bytes as f64 / us / 1e3;
    match memcpy_gbs {
        Some(m) => println!("| {name} | {:.1} MB | {us:.0} us | {gbs:.2} GB/s | {:.0} % |", bytes as f64 / 1e6, 100.0 * gbs / m),
        None => println!("| {name} | {:.1} MB | {us:.0} us | {gbs:.2} GB/s | 100 % |", bytes as f64 / 1e6),
    }
    gbs
}

fn main() {
    let _ = env_logger::try_init(); // RUST_LOG=debug shows the core's log records
    let (w, h) = (1920usize, 1080usize);
    let bgr: Vec<u8> = (0..w * h * 3).map(|i| (i * 31 % 251) as u8).collect();
    let ints: Vec<i32> = (0..w * h).map(|i| (i as i32).wrapping_mul(0x9E3779B1u32 as i32) & 0xFFFFFF).collect();
    let mut dst = vec![0u8; w * h * 3];
    println!("| stage (1920x1080 source) | bytes read | median | throughput | of memcpy |");
    println!("|---|---|---|---|---|");
    let mc = row("memcpy of the 3-byte raster", bgr.len(), median_us(|| dst.copy_from_slice(black_box(&bgr)), 200), None);
    let bgr_layout = Layout {
        width: w,
        height: h,
        offset: 0,
        scanline_stride: w * 3,
        pixel_stride: 3,
        format: Format::Interleaved { r: 2, g: 1, b: 0, a: None },
        premultiplied: false,
    };
    let mut rgb = Vec::new();
    row("3BYTE_BGR -> RGB8 (pixels.rs)", bgr.len(), median_us(|| to_rgb8(Samples::U8(black_box(&bgr)), &bgr_layout, &mut rgb).unwrap(), 100), Some(mc));
    let int_layout = Layout { scanline_stride: w, pixel_stride: 1, format: Format::Packed { r_shift: 16, g_shift: 8, b_shift: 0, a_shift: None }, ..bgr_layout };
    row("INT_RGB -> RGB8 (pixels.rs)", ints.len() * 4, median_us(|| to_rgb8(Samples::I32(black_box(&ints)), &int_layout, &mut rgb).unwrap(), 100), Some(mc));
    let p = Preprocess { width: 224, height: 224, mean: [0.5; 3], std: [0.5; 3] };
    let mut t = vec![0f32; p.tensor_len()];
    row("resize RGB8 -> 224x224 (fast_image_resize)", bgr.len(), median_us(|| { black_box(preprocess::resize(&bgr, w, h, 224, 224).unwrap()); }, 100), Some(mc));
    row("3BYTE_BGR -> tensor, direct (resize + normalise)", bgr.len(), median_us(|| { preprocess::tensor_direct(Samples::U8(&bgr), &bgr_layout, &p, &mut t).unwrap(); }, 100), Some(mc));
    row("INT_RGB -> tensor, direct (resize + normalise)", ints.len() * 4, median_us(|| { preprocess::tensor_direct(Samples::I32(&ints), &int_layout, &p, &mut t).unwrap(); }, 100), Some(mc));
    let small: Vec<u8> = bgr[..224 * 224 * 3].to_vec();
    let mut d2 = vec![0u8; small.len()];
    let mc2 = median_us(|| d2.copy_from_slice(black_box(&small)), 2000);
    println!("| memcpy of 224x224x3 | 0.15 MB | {mc2:.1} us | {:.2} GB/s | 100 % |", small.len() as f64 / mc2 / 1e3);
    let small_layout = Layout { width: 224, height: 224, scanline_stride: 224 * 3, ..bgr_layout };
    let us = median_us(|| to_rgb8(Samples::U8(black_box(&small)), &small_layout, &mut rgb).unwrap(), 2000);
    println!("| 224x224 3BYTE_BGR -> RGB8 | 0.15 MB | {us:.1} us | {:.2} GB/s | {:.0} % |", small.len() as f64 / us / 1e3, 100.0 * mc2 / us);
    let us = median_us(|| preprocess::to_tensor(black_box(&small), 224, 224, &p, &mut t).unwrap(), 2000);
    println!("| 224x224 RGB8 -> normalised tensor | 0.15 MB | {us:.1} us | {:.2} GB/s | {:.0} % |", small.len() as f64 / us / 1e3, 100.0 * mc2 / us);
}
