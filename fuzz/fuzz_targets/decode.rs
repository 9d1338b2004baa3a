//! Arbitrary bytes as an image file: decoding (all formats, and JPEG at reduced scale) must return
//! Ok or Err, never panic, hang or allocate past the pixel limit.
#![no_main]
use imgsim::decode::{decode_bytes, decode_bytes_for};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limit = 1 << 22;
    if let Ok(img) = decode_bytes(data, "fuzz", limit) {
        assert_eq!(img.data.len(), img.width * img.height * 3);
    }
    if let Ok(img) = decode_bytes_for(data, "fuzz", limit, Some((32, 24))) {
        assert_eq!(img.data.len(), img.width * img.height * 3);
    }
});
