//! Arbitrary bytes as a TIFF-based camera RAW (or RAF) file: the IFD walk and preview choice must
//! return Ok(None), Ok(image) or a named Err, never panic, loop or read out of bounds.
#![no_main]
use imgsim::raw::decode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for target in [None, Some((32, 24))] {
        if let Ok(Some(img)) = decode(data, "fuzz", 1 << 22, target) {
            assert_eq!(img.data.len(), img.width * img.height * 3);
        }
    }
});
