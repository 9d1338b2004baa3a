//! imgsim's native core: turns images (Java raster arrays or files) into the input tensor of an
//! ONNX image-embedding model and runs it with ONNX Runtime. The Java package `dev.imgsim`
//! calls it through `jni/`; everything else is plain Rust, testable without a JVM.

pub mod aligned;
mod av1;
mod blocks;
pub mod checksum;
pub mod colour;
pub mod copies;
pub mod decode;
pub mod error;
pub mod heif;
pub mod inner;
pub mod keypoints;
mod jni;
pub mod model;
mod correlate;
mod grids;
mod overlay;
mod parts;
mod resolution;
mod watermark;
pub mod pixels;
pub mod pool;
pub mod preprocess;
pub mod raw;
pub mod rerank;
pub mod runtime;
pub mod text;
pub mod text_config;
#[cfg(test)]
mod testing;

pub use error::{Error, Result};

/// mimalloc instead of glibc's malloc (linux-x86_64): copy verification allocates and frees
/// small grids for every candidate pair, and glibc's malloc was ~10 % of `dupes`' time at 100k.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
