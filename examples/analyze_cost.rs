//! What `analyze` (copy features, what `ImageIndex.addAll` runs) spends per image, stage by stage,
//! one thread (one ONNX Runtime session of one thread), medians over the files (docs/QUALITY.md,
//! "What indexing costs"):
//!
//!     IMGSIM_ORT=... cargo run --release --example analyze_cost -- build/bench/photos/large-8-12mp [N]
use std::path::PathBuf;
use std::time::Instant;

use imgsim::copies::Fingerprint;
use imgsim::model::{Model, Options};
use imgsim::{decode, inner, preprocess};

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(args.get(1).expect("usage: analyze_cost DIR [N]"));
    let n: usize = args.get(2).map(|v| v.parse().unwrap()).unwrap_or(60);
    let ort = std::env::var("IMGSIM_ORT").expect("IMGSIM_ORT: absolute path of libonnxruntime.so");
    imgsim::runtime::init(std::path::Path::new(&ort)).expect("ONNX Runtime");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let model = Model::load(
        &root.join("models/image-similarity.onnx"),
        Options {
            pool_size: 1,
            intra_threads: 1,
            max_pixels: 100_000_000,
            ..Default::default()
        },
    )
    .unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.truncate(n);
    let p = &model.preprocess;
    let per = p.tensor_len();
    let target = (p.width, p.height);
    let names = [
        "decode",
        "inner box",
        "fingerprint",
        "of which local features",
        "tensors (1 view)",
        "inference, 1 view",
        "inference, 2 views in one run",
        "analyze_file",
        "embed (tensor_from_file + run)",
    ];
    let mut t: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let mut inner_found = 0;
    for (i, f) in files.iter().enumerate() {
        let s = Instant::now();
        let img = decode::decode_file_for(f, 100_000_000, Some(target)).unwrap();
        let d = ms(s);
        let s = Instant::now();
        let found = inner::inner_box(&img.data, img.width, img.height);
        let ib = ms(s);
        let s = Instant::now();
        let fp = Fingerprint::from_rgb_with(&img.data, img.width, img.height, found).unwrap();
        let fpt = ms(s);
        inner_found += fp.inner.is_some() as usize;
        let grey = imgsim::copies::grey_of(&img.data);
        let s = Instant::now();
        std::hint::black_box(imgsim::keypoints::Features::from_grey(
            &grey, img.width, img.height,
        ));
        let lt = ms(s);
        let mut tensor = vec![0f32; 2 * per];
        let s = Instant::now();
        preprocess::to_tensor(&img.data, img.width, img.height, p, &mut tensor[..per]).unwrap();
        let tt = ms(s);
        tensor.copy_within(..per, per);
        let s = Instant::now();
        std::hint::black_box(model.run(&tensor[..per], 1).unwrap());
        let one = ms(s);
        let s = Instant::now();
        std::hint::black_box(model.run(&tensor, 2).unwrap());
        let two = ms(s);
        let s = Instant::now();
        std::hint::black_box(model.analyze_file(f).unwrap());
        let an = ms(s);
        let s = Instant::now();
        let mut one_tensor = vec![0f32; per];
        model.tensor_from_file(f, &mut one_tensor).unwrap();
        std::hint::black_box(model.run(&one_tensor, 1).unwrap());
        let em = ms(s);
        if i >= 3 {
            for (k, v) in [d, ib, fpt, lt, tt, one, two, an, em]
                .into_iter()
                .enumerate()
            {
                t[k].push(v);
            }
        }
    }
    println!(
        "{} files of {} ({} with an inner picture), one thread, median ms per image:",
        files.len(),
        dir.display(),
        inner_found
    );
    for (k, name) in names.iter().enumerate() {
        println!("| {name} | {:.2} ms |", median(t[k].clone()));
    }
}
