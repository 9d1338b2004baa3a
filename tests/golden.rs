//! The Rust core reproduces the golden embeddings that onnxruntime (Python) computed for the
//! fixture images (models/fixtures/golden.json), and the shipped model is shaped as documented.
//! Needs ONNX Runtime: `gradle test` extracts it from the onnxruntime jar and sets
//! IMGSIM_TEST_ORT; plain `cargo test` without it reports the test as skipped.

use imgsim::decode::decode_file;
use imgsim::model::{Model, Options};
use imgsim::preprocess::to_tensor;

mod common;
use common::{root, runtime};

fn options() -> Options {
    Options { pool_size: 1, max_pixels: 1 << 26, ..Options::default() }
}

#[test]
fn golden_fixtures_are_reproduced() {
    if !runtime() {
        return;
    }
    let model = Model::load(&root().join("models/image-similarity.onnx"), options()).unwrap();
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("models/fixtures/golden.json")).unwrap()).unwrap();
    let mut checked = 0;
    for item in golden["images"].as_array().unwrap() {
        let file = item["file"].as_str().unwrap();
        let expected: Vec<f32> = item["onnxruntime"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
        let img = decode_file(&root().join("models/fixtures").join(file), 1 << 26).unwrap();
        let mut t = vec![0f32; model.preprocess.tensor_len()];
        to_tensor(&img.data, img.width, img.height, &model.preprocess, &mut t).unwrap();
        let got = model.run(&t, 1).unwrap();
        let max = expected.iter().zip(&got).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        let tol = if file.contains("_224x224") { 1e-4 } else { 1e-2 }; // resize rounding, see QUALITY.md
        assert!(max <= tol, "{file}: max abs diff {max}");
        checked += 1;
    }
    assert!(checked >= 3);
}

#[test]
fn shipped_model_is_shaped_as_documented() {
    if !runtime() {
        return;
    }
    let model = Model::load(&root().join("models/image-similarity.onnx"), options()).unwrap();
    assert_eq!((model.input_name.as_str(), model.output_name.as_str()), ("input", "output"));
    assert_eq!(model.input_shape, vec![-1, 3, -1, -1]);
    assert_eq!((model.preprocess.width, model.preprocess.height), (224, 224));
    assert!(model.embedding_size <= 1024);
    let meta: std::collections::HashMap<_, _> = model.metadata.iter().cloned().collect();
    assert_eq!(meta["imgsim.embedding_size"], model.embedding_size.to_string());
    let small = Model::load(&root().join("models/image-similarity.onnx"), Options { width: Some(131), height: Some(97), ..options() }).unwrap();
    assert_eq!(small.embedding_size, model.embedding_size);
}
