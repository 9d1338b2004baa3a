//! Arbitrary bytes after a HEIF-family `ftyp` header: the HEIC (heic-decoder) and AVIF (avif-parse
//! and rav1d) paths must return Ok or a named Err, never panic, hang or allocate past the pixel limit.
#![no_main]
use imgsim::decode::decode_bytes;
use imgsim::heif::{decode, sniff, Kind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limit = 1 << 22;
    // through the sniffer when the input says what it is, and each decoder directly either way
    if sniff(data).is_some() {
        if let Ok(img) = decode_bytes(data, "fuzz", limit) {
            assert_eq!(img.data.len(), img.width * img.height * 3);
        }
    }
    for kind in [Kind::Heic, Kind::Avif] {
        if let Ok(img) = decode(data, kind, "fuzz", limit) {
            assert_eq!(img.data.len(), img.width * img.height * 3);
        }
    }
});
