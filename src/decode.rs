//! Image files (JPEG, PNG, BMP, GIF, WebP, TIFF, JPEG XL) -> interleaved RGB8, with the colour rules of
//! `pixels.rs` (alpha over white, gray as (g, g, g), 16-bit scaled linearly). The pixel count is
//! checked against a limit from the file's header, before any pixel buffer is allocated, so a
//! small file that declares a huge image ("decompression bomb") is refused cheaply.
//!
//! When the caller will shrink the image anyway (it says so with `target`), a JPEG is decoded at
//! 1/2, 1/4 or 1/8 scale in the DCT domain, never below the target, so most of the work of a
//! 12-megapixel decode is skipped: by libjpeg-turbo (SIMD; 1.7-1.8x faster than jpeg-decoder on 2-12 MP photos,
//! `examples/jpeg_decoders.rs`), else by jpeg-decoder's `scale`, else in full by `image`.
//!
//! The EXIF orientation of JPEG and WebP files is applied, as photo viewers do: a phone photo
//! stored sideways with orientation 6 comes back upright. JPEG XL is decoded by `jxl-oxide` (pure
//! Rust, single-threaded here), TIFF by `image`'s `tiff` decoder (pure Rust).

use std::io::{BufRead, BufReader, Cursor, Seek};
use std::path::Path;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};

use crate::error::{Error, Result};

/// A decoded image: `width * height` pixels, 3 bytes each.
pub struct Rgb8 {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

/// Decodes the image file at `path`. `max_pixels` bounds `width * height`.
pub fn decode_file(path: &Path, max_pixels: u64) -> Result<Rgb8> {
    decode_file_for(path, max_pixels, None)
}

/// Like `decode_file`, but a JPEG may come back smaller than stored, though never smaller
/// than `target` (width, height) in either dimension.
pub fn decode_file_for(path: &Path, max_pixels: u64, target: Option<(usize, usize)>) -> Result<Rgb8> {
    let file = std::fs::File::open(path).map_err(|e| {
        let what = match e.kind() {
            std::io::ErrorKind::NotFound => "does not exist",
            std::io::ErrorKind::PermissionDenied => "cannot be read (permission denied)",
            _ => "cannot be opened",
        };
        Error::Decode(format!("image file {} {what}: {e}", path.display()))
    })?;
    if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(Error::Decode(format!("{} is a directory, not an image file", path.display())));
    }
    // Whole file in memory: the JPEG decoder reads byte by byte, which through a BufReader
    // cost 9 % of a 12-megapixel decode (perf, docs/PERFORMANCE.md).
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    // no compressed image needs more than 8 bytes a pixel: refuse absurd files before reading them
    let max_len = max_pixels.saturating_mul(8).max(64 << 20);
    if len > max_len {
        return Err(Error::ImageTooLarge(format!(
            "image file {} is {len} bytes, more than {max_len} for the pixel limit of {max_pixels}",
            path.display()
        )));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    std::io::Read::read_to_end(&mut BufReader::new(file), &mut bytes)
        .map_err(|e| Error::Decode(format!("cannot read image file {}: {e}", path.display())))?;
    decode_any(&bytes, &path.display().to_string(), max_pixels, target)
}

/// `decode_bytes` with the reduced-scale JPEG path of `decode_file_for`.
pub fn decode_bytes_for(bytes: &[u8], what: &str, max_pixels: u64, target: Option<(usize, usize)>) -> Result<Rgb8> {
    decode_any(bytes, what, max_pixels, target)
}

fn decode_any(bytes: &[u8], what: &str, max_pixels: u64, target: Option<(usize, usize)>) -> Result<Rgb8> {
    if let Some(kind) = crate::heif::sniff(bytes) {
        return crate::heif::decode(bytes, kind, what, max_pixels);
    }
    if let Some(img) = crate::raw::decode(bytes, what, max_pixels, target)? {
        return Ok(img);
    }
    if let Some(target) = target {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            if let Some(img) = decode_jpeg_turbo(bytes, what, max_pixels, target)? {
                return Ok(img);
            }
            if let Some(img) = decode_jpeg_scaled(bytes, what, max_pixels, target)? {
                return Ok(img);
            }
        }
    }
    decode_reader(Cursor::new(bytes), what, max_pixels)
}

/// libjpeg-turbo's DCT-scaled decoding straight to RGB; `Ok(None)` when it cannot decode the
/// file cleanly (CMYK, a warning such as a truncated file, an unusual header): the other
/// decoders then try, and report the error if there is one.
pub fn decode_jpeg_turbo(bytes: &[u8], what: &str, max_pixels: u64, (tw, th): (usize, usize)) -> Result<Option<Rgb8>> {
    let Ok(mut dec) = turbojpeg::Decompressor::new() else { return Ok(None) };
    let Ok(header) = dec.read_header(bytes) else { return Ok(None) };
    let (w, h) = (header.width as u64, header.height as u64);
    check_declared(what, w, h, max_pixels)?;
    if w == 0 || h == 0 || matches!(header.colorspace, turbojpeg::Colorspace::CMYK | turbojpeg::Colorspace::YCCK) {
        return Ok(None);
    }
    let orientation = exif_orientation(bytes);
    let (tw, th) = if swaps_sides(orientation) { (th, tw) } else { (tw, th) };
    // the smallest DCT scale that keeps both sides at or above the target
    let mut factor = turbojpeg::ScalingFactor::ONE;
    for f in [turbojpeg::ScalingFactor::ONE_EIGHTH, turbojpeg::ScalingFactor::ONE_QUARTER, turbojpeg::ScalingFactor::ONE_HALF] {
        if f.scale(header.width) >= tw.max(1) && f.scale(header.height) >= th.max(1) {
            factor = f;
            break;
        }
    }
    if dec.set_scaling_factor(factor).is_err() {
        return Ok(None);
    }
    let scaled = header.scaled(factor);
    let mut image = turbojpeg::Image {
        pixels: vec![0u8; scaled.width * scaled.height * 3],
        width: scaled.width,
        pitch: scaled.width * 3,
        height: scaled.height,
        format: turbojpeg::PixelFormat::RGB,
    };
    if dec.decompress(bytes, image.as_deref_mut()).is_err() {
        return Ok(None);
    }
    Ok(Some(orient(Rgb8 { width: scaled.width, height: scaled.height, data: image.pixels }, orientation)))
}

/// The EXIF orientation of a JPEG, from its APP1 segment; `NoTransforms` when there is none.
pub(crate) fn exif_orientation(jpeg: &[u8]) -> Orientation {
    let mut at = 2; // after SOI
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let marker = jpeg[at + 1];
        if marker == 0xDA || marker == 0xD9 {
            break; // start of scan / end of image: no metadata after this
        }
        let len = u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]) as usize;
        let Some(body) = jpeg.get(at + 4..at + 2 + len) else { break };
        if marker == 0xE1 && body.starts_with(b"Exif\0\0") {
            return Orientation::from_exif_chunk(&body[6..]).unwrap_or(Orientation::NoTransforms);
        }
        at += 2 + len;
    }
    Orientation::NoTransforms
}

/// DCT-domain downscaled JPEG decoding; `Ok(None)` when this decoder cannot handle the file
/// (CMYK, 12-bit, unusual headers) and the general decoder should try.
pub fn decode_jpeg_scaled(
    reader: &[u8],
    what: &str,
    max_pixels: u64,
    (tw, th): (usize, usize),
) -> Result<Option<Rgb8>> {
    let mut dec = jpeg_decoder::Decoder::new(reader);
    if dec.read_info().is_err() {
        return Ok(None);
    }
    let Some(info) = dec.info() else { return Ok(None) };
    let (w, h) = (info.width as u64, info.height as u64);
    check_declared(what, w, h, max_pixels)?;
    let fmt = info.pixel_format;
    if !matches!(fmt, jpeg_decoder::PixelFormat::RGB24 | jpeg_decoder::PixelFormat::L8) {
        return Ok(None);
    }
    let orientation = dec.exif_data().and_then(Orientation::from_exif_chunk).unwrap_or(Orientation::NoTransforms);
    // the target applies to the upright image: a quarter turn swaps the stored sides
    let (tw, th) = if swaps_sides(orientation) { (th, tw) } else { (tw, th) };
    let req = |t: usize| t.clamp(1, u16::MAX as usize) as u16;
    let Ok((sw, sh)) = dec.scale(req(tw), req(th)) else { return Ok(None) };
    let data = match dec.decode() {
        Ok(d) => d,
        Err(e) => return Err(Error::Decode(format!("cannot decode image {what}: {e}"))),
    };
    let (sw, sh) = (sw as usize, sh as usize);
    let data = match fmt {
        jpeg_decoder::PixelFormat::L8 => data.iter().flat_map(|&g| [g, g, g]).collect(),
        _ => data,
    };
    if data.len() != sw * sh * 3 {
        return Ok(None);
    }
    Ok(Some(orient(Rgb8 { width: sw, height: sh, data }, orientation)))
}

/// The pixel limit, checked against the size a file's header declares (before decoding).
pub(crate) fn check_declared(what: &str, w: u64, h: u64, max_pixels: u64) -> Result<()> {
    let pixels = w.saturating_mul(h);
    if pixels > max_pixels {
        return Err(Error::ImageTooLarge(format!(
            "image {what} declares {w}x{h} = {pixels} pixels, more than the limit of {max_pixels}; raise maxPixels if such images are expected"
        )));
    }
    Ok(())
}

fn swaps_sides(o: Orientation) -> bool {
    matches!(o, Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH)
}

/// Turns stored pixels upright by the file's EXIF orientation.
pub(crate) fn orient(img: Rgb8, o: Orientation) -> Rgb8 {
    if o == Orientation::NoTransforms || img.data.len() != img.width * img.height * 3 {
        return img;
    }
    let (w, h) = (img.width as u32, img.height as u32);
    let Some(buf) = image::RgbImage::from_raw(w, h, img.data) else {
        return Rgb8 { width: 0, height: 0, data: Vec::new() }; // not reached: the length was checked
    };
    let mut dynimg = DynamicImage::ImageRgb8(buf);
    dynimg.apply_orientation(o);
    let (width, height) = (dynimg.width() as usize, dynimg.height() as usize);
    Rgb8 { width, height, data: dynimg.into_rgb8().into_raw() }
}

/// Decodes an image held in memory; `what` names it in error messages.
pub fn decode_bytes(bytes: &[u8], what: &str, max_pixels: u64) -> Result<Rgb8> {
    decode_any(bytes, what, max_pixels, None)
}

/// The names of the formats `decode_*` reads, for error messages.
pub const FORMATS: &str = "JPEG, PNG, BMP, GIF, WebP, TIFF, JPEG XL, HEIC/HEIF, AVIF, camera RAW previews (DNG, CR2, NEF, ARW, ...)";

/// A JPEG XL codestream (`FF 0A`) or container (`00 00 00 0C 'JXL ' 0D 0A 87 0A`)?
fn is_jxl(head: &[u8]) -> bool {
    head.starts_with(&[0xFF, 0x0A]) || head.starts_with(&[0, 0, 0, 0x0C, b'J', b'X', b'L', b' ', 0x0D, 0x0A, 0x87, 0x0A])
}

fn decode_reader<R: BufRead + Seek>(mut reader: R, what: &str, max_pixels: u64) -> Result<Rgb8> {
    let bad = |e: &dyn std::fmt::Display| Error::Decode(format!("cannot decode image {what}: {e}"));
    if is_jxl(reader.fill_buf().map_err(|e| bad(&e))?) {
        let decoder = jxl_oxide::integration::JxlDecoder::new(reader).map_err(|e| bad(&e))?;
        // jxl-oxide renders through f32 planes (3 channels, 4 bytes, and a copy): 24 bytes a pixel
        return decode_with(decoder, what, max_pixels, 24);
    }
    let reader = ImageReader::new(reader).with_guessed_format().map_err(|e| bad(&e))?;
    if reader.format().is_none() {
        return Err(Error::Decode(format!("{what} is not an image in a supported format ({FORMATS}) or is empty")));
    }
    decode_with(reader.into_decoder().map_err(|e| bad(&e))?, what, max_pixels, 4)
}

/// Checks the declared size against the limit before decoding, bounds the decoder's memory (the
/// decoded image twice, `work_per_pixel` bytes a pixel of working memory, 64 MiB), and
/// applies the EXIF orientation.
fn decode_with<D: ImageDecoder>(mut decoder: D, what: &str, max_pixels: u64, work_per_pixel: u64) -> Result<Rgb8> {
    let bad = |e: &dyn std::fmt::Display| Error::Decode(format!("cannot decode image {what}: {e}"));
    let (w, h) = decoder.dimensions();
    let pixels = w as u64 * h as u64;
    check_declared(what, w as u64, h as u64, max_pixels)?;
    if pixels == 0 {
        return Err(bad(&"the image has no pixels"));
    }
    // Room for the decoded image in its own format plus our RGB copy, with decoder headroom.
    let mut limits = Limits::default();
    limits.max_alloc = Some(decoder.total_bytes().saturating_mul(2).saturating_add(pixels * work_per_pixel + (64 << 20)));
    decoder.set_limits(limits).map_err(|e| bad(&e))?;
    // a damaged EXIF block is no reason to refuse the pixels: keep them as stored
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| bad(&e))?;
    img.apply_orientation(orientation);
    Ok(to_rgb8(img))
}

/// Applies the colour rules of `pixels.rs` to a decoded image.
pub fn to_rgb8(img: DynamicImage) -> Rgb8 {
    let (width, height) = (img.width() as usize, img.height() as usize);
    let data = if img.color().has_alpha() {
        let rgba = img.into_rgba8();
        let mut out = Vec::with_capacity(width * height * 3);
        for p in rgba.as_raw().chunks_exact(4) {
            let a = p[3] as u32;
            for &c in &p[..3] {
                out.push(((c as u32 * a + 255 * (255 - a) + 127) / 255) as u8);
            }
        }
        out
    } else {
        img.into_rgb8().into_raw()
    };
    Rgb8 { width, height, data }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, ImageFormat, Luma, Rgba};

    fn encode(img: DynamicImage, fmt: ImageFormat) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        img.write_to(&mut buf, fmt).unwrap();
        buf.into_inner()
    }

    #[test]
    fn png_roundtrip_with_alpha_and_gray() {
        let rgba = ImageBuffer::from_raw(2, 1, vec![200u8, 100, 0, 255, 0, 0, 0, 0]).unwrap();
        let bytes = encode(DynamicImage::ImageRgba8(rgba), ImageFormat::Png);
        let img = decode_bytes(&bytes, "test", 100).unwrap();
        assert_eq!(img.data, [200, 100, 0, 255, 255, 255]);
        let gray: ImageBuffer<Luma<u16>, _> = ImageBuffer::from_raw(1, 1, vec![257u16 * 7]).unwrap();
        let bytes = encode(DynamicImage::ImageLuma16(gray), ImageFormat::Png);
        assert_eq!(decode_bytes(&bytes, "test", 100).unwrap().data, [7, 7, 7]);
        let _unused: Option<Rgba<u8>> = None;
    }

    #[test]
    fn tiff_roundtrips_exactly() {
        let rgb = ImageBuffer::from_fn(5, 3, |x, y| image::Rgb([x as u8 * 40, y as u8 * 80, 7]));
        let bytes = encode(DynamicImage::ImageRgb8(rgb.clone()), ImageFormat::Tiff);
        let img = decode_bytes(&bytes, "test.tiff", 100).unwrap();
        assert_eq!((img.width, img.height), (5, 3));
        assert_eq!(img.data, rgb.into_raw());
    }

    #[test]
    fn jpeg_xl_lossless_fixture_decodes_to_the_png_pixels() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/fixtures");
        let jxl = decode_file(&dir.join("rocket_131x97.jxl"), 1 << 20).unwrap();
        let png = decode_file(&dir.join("rocket_131x97.png"), 1 << 20).unwrap();
        assert_eq!((jxl.width, jxl.height), (131, 97));
        assert_eq!(jxl.data, png.data);
        // the limit comes from the header, before decoding
        assert!(matches!(decode_file(&dir.join("rocket_131x97.jxl"), 1000), Err(Error::ImageTooLarge(_))));
        // truncated: jxl-oxide renders what a progressive codestream holds, or refuses; never a crash
        let bytes = std::fs::read(dir.join("rocket_131x97.jxl")).unwrap();
        for cut in [bytes.len() / 2, 40, 13] {
            match decode_bytes(&bytes[..cut], "cut.jxl", 1 << 20) {
                Ok(img) => assert_eq!((img.width, img.height), (131, 97)),
                Err(e) => assert!(matches!(e, Error::Decode(_)), "{e:?}"),
            }
        }
        assert!(matches!(decode_bytes(&[0xFF, 0x0A, 1, 2, 3], "tiny.jxl", 1 << 20), Err(Error::Decode(_))));
    }

    #[test]
    fn pixel_limit_is_checked_from_the_header() {
        let img = DynamicImage::new_rgb8(20, 10);
        let bytes = encode(img, ImageFormat::Png);
        match decode_bytes(&bytes, "big.png", 199) {
            Err(Error::ImageTooLarge(m)) => assert!(m.contains("20x10"), "{m}"),
            other => panic!("expected ImageTooLarge, got {:?}", other.map(|i| i.width)),
        }
        assert!(decode_bytes(&bytes, "big.png", 200).is_ok());
    }

    #[test]
    fn garbage_truncation_and_empty_input_are_decode_errors() {
        let bytes = encode(DynamicImage::new_rgb8(64, 64), ImageFormat::Jpeg);
        for data in [&b""[..], &b"not an image at all"[..], &bytes[..bytes.len() / 3]] {
            assert!(matches!(decode_bytes(data, "x", 1 << 20), Err(Error::Decode(_))));
        }
    }

    #[test]
    fn jpeg_is_decoded_at_reduced_scale_but_not_below_the_target() {
        let mut img = image::RgbImage::new(400, 300);
        for (x, y, p) in img.enumerate_pixels_mut() {
            *p = image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]);
        }
        let bytes = encode(DynamicImage::ImageRgb8(img), ImageFormat::Jpeg);
        let path = std::env::temp_dir().join(format!("imgsim-scaled-{}.jpg", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let small = decode_file_for(&path, 1 << 20, Some((90, 60))).unwrap();
        let full = decode_file(&path, 1 << 20).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!((small.width, small.height), (100, 75));
        assert_eq!((full.width, full.height), (400, 300));
        assert!(matches!(decode_file_for(Path::new("/nonexistent.jpg"), 1, Some((1, 1))), Err(Error::Decode(_))));
    }

    /// `jpeg` with an EXIF block (big-endian TIFF, one IFD entry: orientation) right after SOI.
    pub(crate) fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
        let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn exif_orientation_turns_jpegs_upright_in_both_decoders() {
        // a 40x20 upright picture: left half red, right half blue; stored turned a quarter
        // clockwise (orientation 6 says "rotate 90 degrees clockwise to view")
        let upright = image::RgbImage::from_fn(40, 20, |x, _| if x < 20 { image::Rgb([255, 0, 0]) } else { image::Rgb([0, 0, 255]) });
        let stored = image::imageops::rotate270(&upright);
        let bytes = with_exif_orientation(&encode(DynamicImage::ImageRgb8(stored), ImageFormat::Jpeg), 6);
        let path = std::env::temp_dir().join(format!("imgsim-exif-{}.jpg", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let full = decode_file(&path, 1 << 20).unwrap();
        let scaled = decode_file_for(&path, 1 << 20, Some((8, 4))).unwrap();
        std::fs::remove_file(&path).ok();
        for img in [full, scaled] {
            assert!(img.width > img.height, "{}x{}", img.width, img.height);
            let px = |x: usize, y: usize| &img.data[(y * img.width + x) * 3..][..3];
            let (left, right) = (px(1, img.height / 2), px(img.width - 2, img.height / 2));
            assert!(left[0] > 200 && left[2] < 60, "left {left:?}");
            assert!(right[2] > 200 && right[0] < 60, "right {right:?}");
        }
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = decode_file(Path::new("/nonexistent/cat.jpg"), 100).err().unwrap();
        assert!(err.message().contains("/nonexistent/cat.jpg") && err.message().contains("does not exist"));
    }
}
