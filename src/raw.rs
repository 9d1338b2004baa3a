//! Camera RAW files (DNG, CR2, NEF, ARW, the other TIFF-based ones: PEF, SRW, ORF, RW2, ..., and
//! Fujifilm RAF)
//! are read through the JPEG preview the camera embeds, not by demosaicing the sensor data: that
//! preview is the camera's own rendering (white balance, tone curve, lens corrections), usually at
//! full or near-full size, and what a photo browser shows. This module walks the TIFF structure
//! (TIFF 6.0: the IFD chain and `SubIFDs`, tag 330) and returns the largest baseline or
//! progressive JPEG it finds, found through `JPEGInterchangeFormat` (513/514) or a single JPEG
//! strip (compression 6 or 7), never the CFA/linear raw data itself (a lossless JPEG in CR2 and
//! DNG). The IFD0 `Orientation` (274) turns it upright unless the preview carries its own EXIF
//! orientation.
//!
//! A TIFF that is not a RAW file (no DNGVersion, no CR2 signature, no CFA or vendor-compressed
//! image) is left to the TIFF decoder.

use image::metadata::Orientation;

use crate::decode::Rgb8;
use crate::error::{Error, Result};

/// At most this many IFDs are visited in one file (a loop of offsets ends here too).
const MAX_IFDS: usize = 64;
/// At most this many entries are read from one IFD.
const MAX_ENTRIES: usize = 1024;

#[derive(Clone, Copy)]
struct Tiff<'a> {
    bytes: &'a [u8],
    big_endian: bool,
}

impl Tiff<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let b = self.bytes.get(at..at.checked_add(2)?)?;
        Some(if self.big_endian { u16::from_be_bytes([b[0], b[1]]) } else { u16::from_le_bytes([b[0], b[1]]) })
    }
    fn u32(&self, at: usize) -> Option<u32> {
        let b = self.bytes.get(at..at.checked_add(4)?)?;
        let b = [b[0], b[1], b[2], b[3]];
        Some(if self.big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    }
}

/// One IFD entry's values as integers (SHORT, LONG, BYTE or IFD types; others are skipped).
#[derive(Default, Clone)]
struct Entry {
    tag: u16,
    values: Vec<u32>,
}

#[derive(Default)]
struct Ifd {
    entries: Vec<Entry>,
}

impl Ifd {
    fn get(&self, tag: u16) -> Option<&[u32]> {
        self.entries.iter().find(|e| e.tag == tag).map(|e| e.values.as_slice())
    }
    fn first(&self, tag: u16) -> Option<u32> {
        self.get(tag).and_then(|v| v.first().copied())
    }
}

const COMPRESSION: u16 = 259;
const PHOTOMETRIC: u16 = 262;
const STRIP_OFFSETS: u16 = 273;
const ORIENTATION: u16 = 274;
const STRIP_BYTE_COUNTS: u16 = 279;
const SUB_IFDS: u16 = 330;
const JPEG_IF: u16 = 513;
const JPEG_IF_LENGTH: u16 = 514;
const DNG_VERSION: u16 = 0xC612;
const CR2_SLICE: u16 = 0xC640;

/// Photometric interpretations of sensor data: CFA (Bayer) and linear raw.
const RAW_PHOTOMETRIC: [u32; 2] = [32803, 34892];
/// Compressions only RAW files use (Nikon, Sony, Panasonic, Pentax, Kodak, Olympus ...).
const RAW_COMPRESSION: [u32; 7] = [34713, 32767, 32769, 32770, 34316, 65000, 65535];

fn read_ifd(t: Tiff, at: usize) -> Option<(Ifd, u32)> {
    let n = t.u16(at)? as usize;
    let mut ifd = Ifd::default();
    for i in 0..n.min(MAX_ENTRIES) {
        let e = at + 2 + 12 * i;
        let tag = t.u16(e)?;
        let kind = t.u16(e + 2)?;
        let count = t.u32(e + 4)? as usize;
        let size = match kind {
            1 | 7 => 1, // BYTE, UNDEFINED
            3 => 2,     // SHORT
            4 | 13 => 4, // LONG, IFD
            _ => continue,
        };
        // a few values are enough for every tag read here; strips of a preview are one or a few
        let count = count.min(256);
        let inline = size * count <= 4;
        let base = if inline { e + 8 } else { t.u32(e + 8)? as usize };
        let mut values = Vec::with_capacity(count);
        for k in 0..count {
            let v = match size {
                1 => *t.bytes.get(base.checked_add(k)?)? as u32,
                2 => t.u16(base.checked_add(2 * k)?)? as u32,
                _ => t.u32(base.checked_add(4 * k)?)?,
            };
            values.push(v);
        }
        ifd.entries.push(Entry { tag, values });
    }
    let next = t.u32(at + 2 + 12 * n).unwrap_or(0);
    Some((ifd, next))
}

/// The file's IFDs: the IFD0 chain, then every `SubIFDs` child (breadth first).
fn ifds(t: Tiff, first: u32) -> Vec<Ifd> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut queue = std::collections::VecDeque::from([first]);
    while let Some(at) = queue.pop_front() {
        if at == 0 || out.len() >= MAX_IFDS || !seen.insert(at) {
            continue;
        }
        let Some((ifd, next)) = read_ifd(t, at as usize) else { continue };
        queue.push_front(next); // the chain before the children: IFD0, IFD1, ... keep their order
        if let Some(subs) = ifd.get(SUB_IFDS) {
            queue.extend(subs.iter().copied());
        }
        out.push(ifd);
    }
    out
}

/// What a RAW file offers: its JPEG previews and the IFD0 orientation.
struct Previews<'a> {
    jpegs: Vec<&'a [u8]>,
    orientation: Orientation,
    format: &'static str,
}

/// `None` when `bytes` is not a TIFF-based RAW file (or a Fujifilm RAF).
fn previews(bytes: &[u8]) -> Option<Previews<'_>> {
    if bytes.starts_with(b"FUJIFILMCCD-RAW ") {
        // RAF: a big-endian header whose offsets 84 and 88 give the embedded JPEG (with its own EXIF)
        let be = |at: usize| bytes.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
        let (off, len) = (be(84)?, be(88)?);
        let jpegs = off.checked_add(len).and_then(|end| bytes.get(off..end)).into_iter().collect();
        return Some(Previews { jpegs, orientation: Orientation::NoTransforms, format: "RAF" });
    }
    let big_endian = match bytes.get(..2)? {
        b"II" => false,
        b"MM" => true,
        _ => return None,
    };
    let t = Tiff { bytes, big_endian };
    let magic = t.u16(2)?;
    // 42: TIFF (DNG, CR2, NEF, ARW, PEF, SRW ...); Olympus ORF: "RO"/"RS"; Panasonic RW2: 0x55
    let vendor_magic = match magic {
        42 => None,
        0x4F52 | 0x5352 => Some("ORF"),
        0x55 => Some("RW2"),
        _ => return None,
    };
    let cr2 = bytes.get(8..10) == Some(b"CR");
    let all = ifds(t, t.u32(4)?);
    let ifd0 = all.first()?;
    let dng = ifd0.get(DNG_VERSION).is_some();
    let sensor = all.iter().any(|i| {
        i.first(PHOTOMETRIC).is_some_and(|p| RAW_PHOTOMETRIC.contains(&p))
            || i.first(COMPRESSION).is_some_and(|c| RAW_COMPRESSION.contains(&c))
    });
    if !(dng || cr2 || sensor || vendor_magic.is_some()) {
        return None;
    }
    let format = if dng {
        "DNG"
    } else if cr2 {
        "CR2"
    } else {
        vendor_magic.unwrap_or("camera RAW")
    };
    let mut jpegs = Vec::new();
    let mut push = |off: u32, len: u32| {
        let (off, len) = (off as usize, len as usize);
        if let Some(j) = off.checked_add(len).and_then(|end| bytes.get(off..end)) {
            if j.starts_with(&[0xFF, 0xD8]) && !jpegs.iter().any(|k: &&[u8]| k.as_ptr() == j.as_ptr()) {
                jpegs.push(j);
            }
        }
    };
    for ifd in &all {
        let raw_data = ifd.first(PHOTOMETRIC).is_some_and(|p| RAW_PHOTOMETRIC.contains(&p))
            || ifd.get(CR2_SLICE).is_some();
        if let (Some(off), Some(len)) = (ifd.first(JPEG_IF), ifd.first(JPEG_IF_LENGTH)) {
            push(off, len);
        }
        if raw_data {
            continue;
        }
        if matches!(ifd.first(COMPRESSION), Some(6 | 7)) {
            if let (Some(offs), Some(lens)) = (ifd.get(STRIP_OFFSETS), ifd.get(STRIP_BYTE_COUNTS)) {
                if offs.len() == 1 && lens.len() == 1 {
                    push(offs[0], lens[0]);
                }
            }
        }
    }
    let orientation = ifd0
        .first(ORIENTATION)
        .and_then(|o| u8::try_from(o).ok())
        .and_then(Orientation::from_exif)
        .unwrap_or(Orientation::NoTransforms);
    Some(Previews { jpegs, orientation, format })
}

/// The width and height a JPEG's frame header declares, for a baseline, extended or progressive
/// (Huffman) JPEG; `None` for lossless (SOF3, the raw data of CR2/DNG) and arithmetic-coded ones.
fn jpeg_size(j: &[u8]) -> Option<(u32, u32)> {
    if !j.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut at = 2;
    while at + 4 <= j.len() {
        if j[at] != 0xFF {
            return None;
        }
        let marker = j[at + 1];
        if marker == 0xFF {
            at += 1; // fill byte
            continue;
        }
        let len = u16::from_be_bytes([j[at + 2], j[at + 3]]) as usize;
        match marker {
            0xC0..=0xC2 => {
                let h = u16::from_be_bytes([*j.get(at + 5)?, *j.get(at + 6)?]) as u32;
                let w = u16::from_be_bytes([*j.get(at + 7)?, *j.get(at + 8)?]) as u32;
                return (w > 0 && h > 0).then_some((w, h));
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xDA | 0xD9 => return None,
            _ => at += 2 + len,
        }
    }
    None
}

/// Decodes a TIFF-based RAW file through its largest JPEG preview; `Ok(None)` when `bytes` is
/// not such a file (a plain TIFF, or not TIFF at all).
pub fn decode(bytes: &[u8], what: &str, max_pixels: u64, target: Option<(usize, usize)>) -> Result<Option<Rgb8>> {
    let Some(p) = previews(bytes) else { return Ok(None) };
    let mut sized: Vec<(u64, &[u8])> =
        p.jpegs.iter().filter_map(|j| jpeg_size(j).map(|(w, h)| (w as u64 * h as u64, *j))).collect();
    sized.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.len().cmp(&a.1.len())));
    let mut last_error = None;
    for (_, jpeg) in sized {
        let own = crate::decode::exif_orientation(jpeg) != Orientation::NoTransforms;
        let decoded = match target {
            Some(_) => crate::decode::decode_bytes_for(jpeg, what, max_pixels, target),
            None => crate::decode::decode_bytes(jpeg, what, max_pixels),
        };
        match decoded {
            Ok(img) => return Ok(Some(if own { img } else { crate::decode::orient(img, p.orientation) })),
            Err(e @ Error::ImageTooLarge(_)) => return Err(e),
            Err(e) => last_error = Some(e),
        }
    }
    let why = match last_error {
        Some(e) => format!(": {e}"),
        None => String::new(),
    };
    Err(Error::Decode(format!(
        "{} file {what} has no embedded JPEG preview imgsim can decode (camera RAW files are read through their preview; the sensor data is not demosaiced){why}",
        p.format
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/fixtures")
    }

    fn mad(a: &Rgb8, b: &image::RgbImage) -> f64 {
        assert_eq!((a.width as u32, a.height as u32), b.dimensions());
        a.data.iter().zip(b.as_raw()).map(|(&x, &y)| (x as f64 - y as f64).abs()).sum::<f64>() / a.data.len() as f64
    }

    #[test]
    fn previews_of_the_raw_fixtures_decode_upright() {
        // python/make_raw_fixtures.py: the rocket PNG as each format's preview (JPEG quality 95)
        let png = image::open(fixtures().join("rocket_131x97.png")).unwrap().into_rgb8();
        let cw = image::imageops::rotate90(&png);
        let ccw = image::imageops::rotate270(&png);
        for (name, upright) in [
            ("rocket_preview.dng", &png), // SubIFD preview (compression 7), beside a 16x12 thumbnail
            ("rocket_preview.cr2", &cw),  // IFD0 JPEG strip, Orientation 6; IFD3 raw (lossless) skipped
            ("rocket_preview.nef", &png), // big-endian, SubIFD JPEGInterchangeFormat
            ("rocket_preview.arw", &ccw), // IFD0 JPEGInterchangeFormat, Orientation 8
        ] {
            let bytes = std::fs::read(fixtures().join(name)).unwrap();
            let img = decode(&bytes, name, 1 << 20, None).unwrap().expect(name);
            let d = mad(&img, upright);
            assert!(d < 3.0, "{name}: mean difference {d:.2} from the upright PNG");
            // through the general entry point, and at a reduced scale (the JPEG's DCT scaling)
            let all = crate::decode::decode_bytes(&bytes, name, 1 << 20).unwrap();
            assert_eq!(all.data, img.data, "{name}");
            let small = crate::decode::decode_bytes_for(&bytes, name, 1 << 20, Some((40, 40))).unwrap();
            assert!(small.width >= 40 && small.height >= 40 && small.width < img.width, "{name}: {}x{}", small.width, small.height);
            assert_eq!(small.width > small.height, img.width > img.height, "{name}: upright at reduced scale");
            // the preview's declared size is checked against the limit
            assert!(matches!(decode(&bytes, name, 1000, None), Err(Error::ImageTooLarge(_))), "{name}");
            // cut short: a named error (or a smaller preview), never a crash
            for cut in [bytes.len() / 2, 200, 9] {
                match crate::decode::decode_bytes(&bytes[..cut], name, 1 << 20) {
                    Ok(i) => assert_eq!(i.data.len(), i.width * i.height * 3),
                    Err(e) => assert!(matches!(e, Error::Decode(ref m) if m.contains(name)), "{e:?}"),
                }
            }
        }
    }

    #[test]
    fn a_raf_file_gives_its_jpeg() {
        let png = image::open(fixtures().join("rocket_131x97.png")).unwrap().into_rgb8();
        let mut jpeg = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(png.clone()).write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
        let jpeg = jpeg.into_inner();
        let mut f = b"FUJIFILMCCD-RAW 0201FF383501".to_vec();
        f.resize(100, 0);
        f[84..88].copy_from_slice(&100u32.to_be_bytes());
        f[88..92].copy_from_slice(&(jpeg.len() as u32).to_be_bytes());
        f.extend_from_slice(&jpeg);
        let img = decode(&f, "x.raf", 1 << 20, None).unwrap().unwrap();
        assert!(mad(&img, &png) < 4.0);
        f[88..92].copy_from_slice(&(jpeg.len() as u32 + 1).to_be_bytes()); // past the end
        assert!(matches!(decode(&f, "x.raf", 1 << 20, None), Err(Error::Decode(m)) if m.contains("RAF file x.raf has no embedded JPEG preview")));
    }

    #[test]
    fn plain_tiff_and_other_files_are_not_raw() {
        let img = image::RgbImage::from_pixel(3, 2, image::Rgb([1, 2, 3]));
        let mut tiff = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img).write_to(&mut tiff, image::ImageFormat::Tiff).unwrap();
        assert!(decode(tiff.get_ref(), "plain.tiff", 1 << 20, None).unwrap().is_none());
        assert!(decode(b"\xFF\xD8\xFF\xE0", "x.jpg", 1 << 20, None).unwrap().is_none());
        assert!(decode(b"II", "short", 1 << 20, None).unwrap().is_none());
    }

    #[test]
    fn a_raw_without_a_preview_is_a_named_error() {
        // IFD0 with DNGVersion only, no image data
        let mut f = b"II*\0\x08\0\0\0".to_vec();
        f.extend_from_slice(&1u16.to_le_bytes());
        f.extend_from_slice(&DNG_VERSION.to_le_bytes());
        f.extend_from_slice(&1u16.to_le_bytes());
        f.extend_from_slice(&4u32.to_le_bytes());
        f.extend_from_slice(&[1, 4, 0, 0]);
        f.extend_from_slice(&0u32.to_le_bytes());
        match decode(&f, "empty.dng", 1 << 20, None) {
            Err(Error::Decode(m)) => assert!(m.contains("DNG file empty.dng has no embedded JPEG preview"), "{m}"),
            _ => panic!("expected a decode error"),
        }
    }

    #[test]
    fn an_ifd_loop_ends() {
        // IFD0 whose next-IFD offset points back at itself, with a SubIFDs entry pointing at it too
        let mut f = b"II*\0\x08\0\0\0".to_vec();
        f.extend_from_slice(&2u16.to_le_bytes());
        for (tag, v) in [(PHOTOMETRIC, 32803u32), (SUB_IFDS, 8)] {
            f.extend_from_slice(&tag.to_le_bytes());
            f.extend_from_slice(&4u16.to_le_bytes());
            f.extend_from_slice(&1u32.to_le_bytes());
            f.extend_from_slice(&v.to_le_bytes());
        }
        f.extend_from_slice(&8u32.to_le_bytes());
        assert!(matches!(decode(&f, "loop.nef", 1 << 20, None), Err(Error::Decode(_))));
    }
}
