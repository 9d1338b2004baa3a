//! Shared by the integration tests: the repository root and ONNX Runtime.
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Loads ONNX Runtime from IMGSIM_TEST_ORT (`gradle test` sets it); false (test skipped) without it.
pub fn runtime() -> bool {
    match std::env::var("IMGSIM_TEST_ORT") {
        Ok(p) if !p.is_empty() => {
            imgsim::runtime::init(Path::new(&p)).expect("load ONNX Runtime");
            true
        }
        _ => {
            eprintln!("skipped: set IMGSIM_TEST_ORT to an absolute libonnxruntime.so path (gradle test does)");
            false
        }
    }
}
