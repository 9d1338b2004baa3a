//! Verifies two image files as the library does and prints what it found (inner pictures, both
//! verdicts): a tool for looking at one pair.
//!
//!   cargo run --release --example verify_pair -- ORIGINAL COPY
use imgsim::copies::{self, Fingerprint};
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let load = |p: &str| { let img = imgsim::decode::decode_file_for(std::path::Path::new(p), 100_000_000, Some((224, 224))).unwrap(); eprintln!("{p}: {}x{} inner {:?}", img.width, img.height, imgsim::inner::inner_box(&img.data, img.width, img.height)); Fingerprint::from_rgb(&img.data, img.width, img.height).unwrap() };
    let (x, y) = (load(&a[1]), load(&a[2]));
    let sd = |g: &[u8]| { let n = g.len() as f32; let m = g.iter().map(|&v| v as f32).sum::<f32>() / n; (g.iter().map(|&v| (v as f32 - m).powi(2)).sum::<f32>() / n).sqrt() };
    eprintln!("grid std {} {}", sd(&x.grey), sd(&y.grey));
    eprintln!("inner of second: {:?}", y.inner.as_ref().map(|i| (i.x, i.y, i.w, i.h, i.aspect)));
    eprintln!("aspects {} {} content boxes {:?} {:?}", x.aspect, y.aspect, x.content, y.content);
    println!("{:?}", copies::verify(&x, &y, false));
    println!("{:?}", copies::verify(&x, &y, true));
}
