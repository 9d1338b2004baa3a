//! HEIF-family files (ISO base media file format, `ftyp` box): HEIC/HEIF photos (HEVC) by
//! `heic-decoder`, AVIF (AV1) by rav1d (`av1.rs`) with `avif-parse` for the container. Both
//! decoders are pure Rust; the declared size is checked against the pixel limit before any pixel is decoded,
//! and alpha is composited over white as for every other format (`pixels.rs`).
//!
//! HEIC rotation and mirroring (`irot`/`imir`) and clean-aperture crops are applied by the
//! decoder; AVIF files come back as coded (avif-parse does not read `irot`/`imir`).

use image::{DynamicImage, ImageBuffer};

use crate::decode::{to_rgb8, Rgb8};
use crate::error::{Error, Result};

/// Which decoder a HEIF-family file needs, from its `ftyp` brands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Heic,
    Avif,
}

/// Sniffs an `ftyp` box at the start of `head`: `Some(kind)` for HEIF-family brands.
pub fn sniff(head: &[u8]) -> Option<Kind> {
    if head.len() < 16 || &head[4..8] != b"ftyp" {
        return None;
    }
    let size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let end = size.clamp(16, head.len());
    // major brand, minor version, then compatible brands, 4 bytes each
    let brands: Vec<&[u8]> = std::iter::once(&head[8..12]).chain(head[16..end].chunks_exact(4)).collect();
    let has = |b: &[u8]| brands.iter().any(|x| *x == b);
    if &head[8..12] == b"avif" || &head[8..12] == b"avis" {
        return Some(Kind::Avif);
    }
    if ["heic", "heix", "heim", "heis", "hevc", "hevx", "heif"].iter().any(|b| has(b.as_bytes())) {
        return Some(Kind::Heic);
    }
    if has(b"avif") || has(b"avis") {
        return Some(Kind::Avif);
    }
    if has(b"mif1") || has(b"msf1") {
        return Some(Kind::Heic); // a generic HEIF image: HEVC is by far the most common codec
    }
    None
}

/// Decodes a HEIC/HEIF or AVIF file held in memory.
pub fn decode(bytes: &[u8], kind: Kind, what: &str, max_pixels: u64) -> Result<Rgb8> {
    match kind {
        Kind::Heic => decode_heic(bytes, what, max_pixels),
        Kind::Avif => decode_avif(bytes, what, max_pixels),
    }
}

fn bad(what: &str, format: &str, e: &dyn std::fmt::Display) -> Error {
    Error::Decode(format!("cannot decode {format} image {what}: {e}"))
}

fn decode_heic(bytes: &[u8], what: &str, max_pixels: u64) -> Result<Rgb8> {
    let info = heic_decoder::probe(bytes).map_err(|e| bad(what, "HEIC", &e))?;
    // grid tiles and the coded picture are as large as the display picture or larger
    let (w, h) = (info.coded_width.max(info.width) as u64, info.coded_height.max(info.height) as u64);
    crate::decode::check_declared(what, w, h, max_pixels)?;
    let image = heic_decoder::decode(bytes).map_err(|e| bad(what, "HEIC", &e))?;
    let dynimg = if image.alpha.is_some() {
        let rgba = image.to_rgba8().map_err(|e| bad(what, "HEIC", &e))?;
        ImageBuffer::from_raw(rgba.width as u32, rgba.height as u32, rgba.data).map(DynamicImage::ImageRgba8)
    } else {
        let rgb = image.to_rgb8().map_err(|e| bad(what, "HEIC", &e))?;
        ImageBuffer::from_raw(rgb.width as u32, rgb.height as u32, rgb.data).map(DynamicImage::ImageRgb8)
    };
    let dynimg = dynimg.ok_or_else(|| bad(what, "HEIC", &"the decoder returned a buffer of the wrong size"))?;
    finish(dynimg, what, "HEIC")
}

fn decode_avif(bytes: &[u8], what: &str, max_pixels: u64) -> Result<Rgb8> {
    let parsed = avif_parse::read_avif(&mut &bytes[..]).map_err(|e| bad(what, "AVIF", &e))?;
    let meta = parsed.primary_item_metadata().map_err(|e| bad(what, "AVIF", &e))?;
    crate::decode::check_declared(what, meta.max_frame_width.get() as u64, meta.max_frame_height.get() as u64, max_pixels)?;
    let color = crate::av1::decode(&parsed.primary_item, max_pixels).map_err(|e| bad(what, "AVIF", &e))?;
    let (w, h) = (color.width, color.height);
    let mut rgb: Vec<f32> = if color.bits == 8 {
        color.data8.iter().map(|&v| v as f32 / 255.0).collect()
    } else {
        let max = ((1u32 << color.bits) - 1) as f32;
        color.data16.iter().map(|&v| v as f32 / max).collect()
    };
    if let Some(alpha_item) = &parsed.alpha_item {
        let alpha = crate::av1::decode(alpha_item, max_pixels).map_err(|e| bad(what, "AVIF", &format!("alpha: {e}")))?;
        if (alpha.width, alpha.height) != (w, h) {
            return Err(bad(what, "AVIF", &"the alpha plane's size differs from the image's"));
        }
        let max = ((1u32 << alpha.bits) - 1) as f32;
        for (i, px) in rgb.chunks_exact_mut(3).enumerate() {
            let a = if alpha.bits == 8 { alpha.data8[3 * i] as f32 / 255.0 } else { alpha.data16[3 * i] as f32 / max };
            for c in px {
                // over white; a premultiplied colour already holds c * a
                *c = if parsed.premultiplied_alpha { *c + (1.0 - a) } else { *c * a + (1.0 - a) };
            }
        }
    }
    let data = rgb.into_iter().map(|c| (c.clamp(0.0, 1.0) * 255.0 + 0.5) as u8).collect();
    if w == 0 || h == 0 {
        return Err(bad(what, "AVIF", &"the image has no pixels"));
    }
    Ok(Rgb8 { width: w, height: h, data })
}

fn finish(img: DynamicImage, what: &str, format: &str) -> Result<Rgb8> {
    if img.width() == 0 || img.height() == 0 {
        return Err(bad(what, format, &"the image has no pixels"));
    }
    Ok(to_rgb8(img))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&((16 + 4 * compatible.len()) as u32).to_be_bytes());
        v.extend_from_slice(b"ftyp");
        v.extend_from_slice(major);
        v.extend_from_slice(&[0, 0, 0, 0]);
        for c in compatible {
            v.extend_from_slice(*c);
        }
        v.extend_from_slice(&[0; 8]);
        v
    }

    fn fixtures() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/fixtures")
    }

    /// mean absolute difference per sample between two decodes of the same picture
    fn mad(a: &Rgb8, b: &Rgb8) -> f64 {
        assert_eq!((a.width, a.height), (b.width, b.height));
        a.data.iter().zip(&b.data).map(|(&x, &y)| (x as f64 - y as f64).abs()).sum::<f64>() / a.data.len() as f64
    }

    #[test]
    fn lossy_heic_and_avif_fixtures_match_the_png() {
        use crate::decode::decode_file;
        let png = decode_file(&fixtures().join("rocket_131x97.png"), 1 << 20).unwrap();
        // heif-enc -q 90; avifenc --min 10 --max 20 (8 and 10 bits): odd sizes, 4:2:0, limited range
        for (name, most) in [("rocket_131x97.heic", 3.0), ("rocket_131x97.avif", 3.0), ("rocket_131x97_10bit.avif", 3.0)] {
            if name.ends_with(".avif") && !crate::av1::BUILT {
                match decode_file(&fixtures().join(name), 1 << 20) {
                    Err(Error::Decode(m)) => assert!(m.contains("AVIF decoding is built for linux-x86_64 only"), "{m}"),
                    _ => panic!("{name}: expected the named error of a build without AVIF"),
                }
                continue;
            }
            let img = decode_file(&fixtures().join(name), 1 << 20).unwrap();
            let d = mad(&img, &png);
            assert!(d < most, "{name}: mean difference {d:.2} from the PNG");
            // the declared size is checked before decoding
            assert!(matches!(decode_file(&fixtures().join(name), 131 * 97 - 1), Err(Error::ImageTooLarge(_))), "{name}");
        }
    }

    #[test]
    fn avif_decodes_as_libavif_and_dav1d_do() {
        if !crate::av1::BUILT {
            return; // lossy_heic_and_avif_fixtures_match_the_png checks the named error instead
        }
        // the fixtures' *.avifdec.png: avifdec 1.0.1 (dav1d 1.0.0), `-d 8` for the 10-bit file
        use crate::decode::decode_file;
        for name in ["rocket_131x97.avif", "rocket_131x97_10bit.avif"] {
            let img = decode_file(&fixtures().join(name), 1 << 20).unwrap();
            let reference = decode_file(&fixtures().join(format!("{name}.avifdec.png")), 1 << 20).unwrap();
            let most = img.data.iter().zip(&reference.data).map(|(&a, &b)| (a as i32 - b as i32).abs()).max();
            assert!(mad(&img, &reference) < 0.1 && most <= Some(1), "{name}: {most:?}");
        }
    }

    #[test]
    fn alpha_is_composited_over_white() {
        use crate::decode::decode_file;
        let png = decode_file(&fixtures().join("alpha_64x48.png"), 1 << 20).unwrap();
        // the left half is transparent: white, as from the PNG; avifenc -l is lossless (identity matrix)
        for (name, most) in [("alpha_64x48.avif", 0.01), ("alpha_64x48.heic", 2.0)] {
            if name.ends_with(".avif") && !crate::av1::BUILT {
                continue;
            }
            let img = decode_file(&fixtures().join(name), 1 << 20).unwrap();
            let d = mad(&img, &png);
            assert!(d < most, "{name}: mean difference {d:.2} from the PNG");
            assert!(img.data[..3 * 32].iter().all(|&v| v >= 250), "{name}: transparent pixels are white");
        }
    }

    #[test]
    fn damaged_files_are_named_errors() {
        for name in ["rocket_131x97.heic", "rocket_131x97.avif", "alpha_64x48.avif"] {
            let bytes = std::fs::read(fixtures().join(name)).unwrap();
            for cut in [bytes.len() - 1, bytes.len() / 2, 64, 20] {
                match crate::decode::decode_bytes(&bytes[..cut], name, 1 << 20) {
                    Ok(img) => assert_eq!(img.data.len(), img.width * img.height * 3),
                    Err(e) => assert!(matches!(e, Error::Decode(ref m) if m.contains(name)), "{e:?}"),
                }
            }
            let mut flipped = bytes.clone();
            for i in (bytes.len() / 3..bytes.len()).step_by(7) {
                flipped[i] ^= 0x5A;
            }
            if let Ok(img) = crate::decode::decode_bytes(&flipped, name, 1 << 20) {
                assert_eq!(img.data.len(), img.width * img.height * 3);
            }
        }
    }

    #[test]
    fn brands_pick_the_decoder() {
        assert_eq!(sniff(&ftyp(b"heic", &[b"mif1", b"heic"])), Some(Kind::Heic));
        assert_eq!(sniff(&ftyp(b"mif1", &[b"mif1", b"heic"])), Some(Kind::Heic));
        assert_eq!(sniff(&ftyp(b"avif", &[b"mif1", b"miaf"])), Some(Kind::Avif));
        assert_eq!(sniff(&ftyp(b"mif1", &[b"avif", b"miaf"])), Some(Kind::Avif));
        assert_eq!(sniff(&ftyp(b"isom", &[b"mp41"])), None); // a video
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n0000000000"), None);
        assert_eq!(sniff(b"\0\0\0\x18ftyp"), None); // cut short
    }
}
