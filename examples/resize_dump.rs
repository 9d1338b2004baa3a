//! Debug aid: decode an image with imgsim's decoder, resize it to WxH with imgsim's resize and
//! write the raw RGB bytes, to compare with Pillow (python/check_resize.py).
fn main() {
    let _ = env_logger::try_init(); // RUST_LOG=debug shows the core's log records
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 5 {
        eprintln!("usage: resize_dump <image> <width> <height> <out.rgb>");
        std::process::exit(2);
    }
    let img = imgsim::decode::decode_file(std::path::Path::new(&a[1]), u64::MAX).expect("decode");
    let (w, h): (usize, usize) = (a[2].parse().expect("width"), a[3].parse().expect("height"));
    let out = imgsim::preprocess::resize(&img.data, img.width, img.height, w, h).expect("resize");
    std::fs::write(&a[4], out).expect("write");
}
