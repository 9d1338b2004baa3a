//! Raster layouts -> interleaved 8-bit RGB.
//!
//! A `Layout` describes where each pixel's samples live in a flat array (the way a Java
//! `SampleModel` does: offset, scanline stride, pixel stride, band positions), so the backing
//! array of a `BufferedImage` can be read in place, sub-images included. Pure Rust, no JNI
//! types: unit-tested and fuzzed on its own.
//!
//! Colour rules (the same for every layout and for decoded files, see `decode.rs`):
//! - alpha is composited onto white: straight alpha `c*a/255 + 255*(1-a/255)`,
//!   premultiplied alpha `c + 255 - a` (the stored colour is already `c*a/255`);
//! - a gray sample `g` is RGB `(g, g, g)`; no gamma curve is applied;
//! - 16-bit samples scale linearly to 8 bits, rounded: `round(v * 255 / 65535)`.

use crate::error::{invalid, Result};

/// The backing array of a raster.
#[derive(Clone, Copy, Debug)]
pub enum Samples<'a> {
    U8(&'a [u8]),
    U16(&'a [u16]),
    /// One packed pixel per element (Java `int[]` of `TYPE_INT_*` images).
    I32(&'a [i32]),
}

impl Samples<'_> {
    fn len(&self) -> usize {
        match self {
            Samples::U8(s) => s.len(),
            Samples::U16(s) => s.len(),
            Samples::I32(s) => s.len(),
        }
    }
}

/// How the samples of one pixel are arranged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One 32-bit element per pixel holding 8-bit channels at these bit shifts
    /// (`TYPE_INT_RGB`: r 16, g 8, b 0; `TYPE_INT_BGR`: r 0, g 8, b 16).
    Packed {
        r_shift: u32,
        g_shift: u32,
        b_shift: u32,
        a_shift: Option<u32>,
    },
    /// Separate elements for each band, at these offsets from the pixel's first element
    /// (`TYPE_3BYTE_BGR`: r 2, g 1, b 0).
    Interleaved {
        r: usize,
        g: usize,
        b: usize,
        a: Option<usize>,
    },
    /// One gray band at this offset from the pixel's first element.
    Gray { band: usize },
}

/// Where the pixels of a `width` x `height` image live in a flat array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub width: usize,
    pub height: usize,
    /// Index of the first element of pixel (0, 0).
    pub offset: usize,
    /// Elements between the starts of two rows.
    pub scanline_stride: usize,
    /// Elements between the starts of two neighbouring pixels in a row (1 for `Packed`).
    pub pixel_stride: usize,
    pub format: Format,
    /// Colour samples are premultiplied by alpha (ignored without an alpha band).
    pub premultiplied: bool,
}

impl Layout {
    /// Checks that every sample the layout addresses lies inside an array of `len` elements
    /// and that the shifts and band offsets make sense. Called before any sample is read.
    pub fn validate(&self, len: usize) -> Result<()> {
        if self.width == 0 || self.height == 0 {
            return invalid!("image has no pixels: {}x{}", self.width, self.height);
        }
        let max_band = match self.format {
            Format::Packed {
                r_shift,
                g_shift,
                b_shift,
                a_shift,
            } => {
                for s in [Some(r_shift), Some(g_shift), Some(b_shift), a_shift]
                    .into_iter()
                    .flatten()
                {
                    if s > 24 {
                        return invalid!("packed channel shift {s} does not fit an 8-bit channel in 32 bits");
                    }
                }
                0
            }
            Format::Interleaved { r, g, b, a } => r.max(g).max(b).max(a.unwrap_or(0)),
            Format::Gray { band } => band,
        };
        if self.pixel_stride == 0 && self.width > 1 {
            return invalid!("pixel stride is 0");
        }
        if self.scanline_stride == 0 && self.height > 1 {
            return invalid!("scanline stride is 0");
        }
        let last = (self.height - 1)
            .checked_mul(self.scanline_stride)
            .and_then(|v| v.checked_add((self.width - 1).checked_mul(self.pixel_stride)?))
            .and_then(|v| v.checked_add(self.offset))
            .and_then(|v| v.checked_add(max_band));
        match last {
            Some(last) if last < len => Ok(()),
            _ => invalid!(
                "raster layout ({}x{}, offset {}, scanline stride {}, pixel stride {}) reaches past the end of its {}-element array",
                self.width,
                self.height,
                self.offset,
                self.scanline_stride,
                self.pixel_stride,
                len
            ),
        }
    }
}

#[inline(always)]
fn u16_to_u8(v: u16) -> u8 {
    ((v as u32 * 255 + 32767) / 65535) as u8
}

#[inline(always)]
fn over_white_straight(c: u8, a: u8) -> u8 {
    let (c, a) = (c as u32, a as u32);
    ((c * a + 255 * (255 - a) + 127) / 255) as u8
}

#[inline(always)]
fn over_white_premultiplied(c: u8, a: u8) -> u8 {
    (c as u32 + 255 - a as u32).min(255) as u8
}

/// Converts the pixels `layout` describes into interleaved RGB, 3 bytes a pixel, row-major,
/// replacing the contents of `out`. Compiled twice; the AVX2 copy is chosen at run time.
pub fn to_rgb8(samples: Samples<'_>, layout: &Layout, out: &mut Vec<u8>) -> Result<()> {
    layout.validate(samples.len())?;
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports the features the function is compiled for.
        return unsafe { to_rgb8_avx2(samples, layout, out) };
    }
    to_rgb8_body(samples, layout, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn to_rgb8_avx2(samples: Samples<'_>, layout: &Layout, out: &mut Vec<u8>) -> Result<()> {
    to_rgb8_body(samples, layout, out)
}

#[inline(always)]
fn to_rgb8_body(samples: Samples<'_>, layout: &Layout, out: &mut Vec<u8>) -> Result<()> {
    let (w, h) = (layout.width, layout.height);
    out.clear();
    out.resize(w * h * 3, 0);
    let pre = layout.premultiplied;
    let composite = if pre {
        over_white_premultiplied
    } else {
        over_white_straight
    };
    match (samples, layout.format) {
        (Samples::I32(s), Format::Packed { r_shift, g_shift, b_shift, a_shift }) => {
            let stride = layout.pixel_stride.max(1);
            let px = |v: i32| {
                let v = v as u32;
                let (r, g, b) = ((v >> r_shift) as u8, (v >> g_shift) as u8, (v >> b_shift) as u8);
                match a_shift {
                    None => [r, g, b],
                    Some(a) => {
                        let a = (v >> a) as u8;
                        [composite(r, a), composite(g, a), composite(b, a)]
                    }
                }
            };
            let row_elems = (layout.width - 1) * stride + 1;
            let bytewise = a_shift.is_none() && [r_shift, g_shift, b_shift].iter().all(|&v| v % 8 == 0);
            for_rows(s, layout, row_elems, out, |row, dst| {
                if stride == 1 && bytewise && cfg!(target_endian = "little") {
                    // SAFETY: any i32 is 4 valid bytes; little-endian puts bits 0-7 in byte 0.
                    let bytes = unsafe { std::slice::from_raw_parts(row.as_ptr() as *const u8, row.len() * 4) };
                    let idx = [(r_shift / 8) as usize, (g_shift / 8) as usize, (b_shift / 8) as usize];
                    shuffle::bytes4(bytes, dst, idx);
                } else if stride == 1 {
                    for (d, &v) in dst.chunks_exact_mut(3).zip(row) {
                        d.copy_from_slice(&px(v));
                    }
                } else {
                    for (d, &v) in dst.chunks_exact_mut(3).zip(row.iter().step_by(stride)) {
                        d.copy_from_slice(&px(v));
                    }
                }
            });
        }
        (Samples::U8(s), Format::Interleaved { r, g, b, a }) => {
            let ps = layout.pixel_stride;
            // the shuffle reads whole 3-byte pixels: the last one must fit even if its unused
            // bytes lie past the last band (found by fuzzing)
            let whole = (layout.height - 1) * layout.scanline_stride + 3 * layout.width + layout.offset <= s.len();
            match a {
                None if ps == 3 && (r, g, b) == (0, 1, 2) => for_rows(s, layout, 3 * layout.width, out, |row, dst| {
                    dst.copy_from_slice(row);
                }),
                // bands inside the 3-byte pixel (a custom layout may place them past it)
                None if ps == 3 && r < 3 && g < 3 && b < 3 && whole => for_rows(s, layout, 3 * layout.width, out, |row, dst| {
                    shuffle::bytes3(row, dst, [r, g, b]);
                }),
                None => for_rows_strided(s, layout, out, |p| [p[r], p[g], p[b]]),
                Some(a) => for_rows_strided(s, layout, out, |p| {
                    let al = p[a];
                    [composite(p[r], al), composite(p[g], al), composite(p[b], al)]
                }),
            }
        }
        (Samples::U16(s), Format::Interleaved { r, g, b, a }) => match a {
            None => for_rows_strided(s, layout, out, |p| {
                [u16_to_u8(p[r]), u16_to_u8(p[g]), u16_to_u8(p[b])]
            }),
            Some(a) => for_rows_strided(s, layout, out, |p| {
                let al = u16_to_u8(p[a]);
                [
                    composite(u16_to_u8(p[r]), al),
                    composite(u16_to_u8(p[g]), al),
                    composite(u16_to_u8(p[b]), al),
                ]
            }),
        },
        (Samples::U8(s), Format::Gray { band }) => for_rows_strided(s, layout, out, |p| {
            let g = p[band];
            [g, g, g]
        }),
        (Samples::U16(s), Format::Gray { band }) => for_rows_strided(s, layout, out, |p| {
            let g = u16_to_u8(p[band]);
            [g, g, g]
        }),
        (s, f) => {
            let kind = match s {
                Samples::U8(_) => "8-bit",
                Samples::U16(_) => "16-bit",
                Samples::I32(_) => "32-bit packed",
            };
            return invalid!("pixel format {f:?} cannot be read from {kind} samples");
        }
    }
    Ok(())
}

/// Calls `f(row, dst_row)` for each image row, where `row` starts at the row's first pixel and
/// is long enough for the whole row (validated), and `dst_row` is its 3-byte-per-pixel output.
/// `row_elems` is how many elements one row spans (covered by `Layout::validate`).
fn for_rows<T>(
    src: &[T],
    layout: &Layout,
    row_elems: usize,
    out: &mut [u8],
    mut f: impl FnMut(&[T], &mut [u8]),
) {
    for (y, dst) in out.chunks_exact_mut(layout.width * 3).enumerate() {
        let start = layout.offset + y * layout.scanline_stride;
        f(&src[start..start + row_elems], dst);
    }
}

/// Per-pixel conversion for arbitrary pixel strides; `px` gets the slice starting at the pixel.
fn for_rows_strided<T: Copy>(
    src: &[T],
    layout: &Layout,
    out: &mut [u8],
    px: impl Fn(&[T]) -> [u8; 3],
) {
    let ps = layout.pixel_stride.max(1);
    for (y, dst) in out.chunks_exact_mut(layout.width * 3).enumerate() {
        let start = layout.offset + y * layout.scanline_stride;
        let row = &src[start..];
        for (x, d) in dst.chunks_exact_mut(3).enumerate() {
            d.copy_from_slice(&px(&row[x * ps..]));
        }
    }
}

/// Byte shuffles from 3- or 4-byte pixels to RGB: SSSE3 `pshufb` 16 bytes at a time where the
/// CPU has it, a scalar loop otherwise and for the tail.
mod shuffle {
    /// `dst[3i + c] = src[3i + idx[c]]`
    pub fn bytes3(src: &[u8], dst: &mut [u8], idx: [usize; 3]) {
        #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("ssse3") && idx.iter().all(|&i| i < 3) {
            // SAFETY: feature checked; the function bounds-checks its loads and stores.
            done = unsafe { ssse3(src, dst, idx, 3) };
        }
        for (d, p) in dst[done..].chunks_exact_mut(3).zip(src[done..].chunks_exact(3)) {
            d.copy_from_slice(&[p[idx[0]], p[idx[1]], p[idx[2]]]);
        }
    }

    /// `dst[3i + c] = src[4i + idx[c]]`
    pub fn bytes4(src: &[u8], dst: &mut [u8], idx: [usize; 3]) {
        #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
        let mut done_px = 0;
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("ssse3") && idx.iter().all(|&i| i < 4) {
            // SAFETY: as above.
            done_px = unsafe { ssse3(src, dst, idx, 4) } / 3;
        }
        for (d, p) in dst[done_px * 3..].chunks_exact_mut(3).zip(src[done_px * 4..].chunks_exact(4)) {
            d.copy_from_slice(&[p[idx[0]], p[idx[1]], p[idx[2]]]);
        }
    }

    /// Converts whole 16-byte loads: 5 pixels (3-byte) or 4 pixels (4-byte) a step, storing 16
    /// bytes of which the last may be overwritten by the next step. Stops while a full 16-byte
    /// load and store stay in bounds; returns the output bytes written.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "ssse3")]
    unsafe fn ssse3(src: &[u8], dst: &mut [u8], idx: [usize; 3], bpp: usize) -> usize {
        use std::arch::x86_64::*;
        let px_per_step = if bpp == 3 { 5 } else { 4 };
        let mut m = [0x80u8 as i8; 16];
        for p in 0..px_per_step {
            for c in 0..3 {
                m[3 * p + c] = (bpp * p + idx[c]) as i8;
            }
        }
        let mask = _mm_loadu_si128(m.as_ptr() as *const __m128i);
        let (in_step, out_step) = (bpp * px_per_step, 3 * px_per_step);
        let (mut i, mut o) = (0usize, 0usize);
        while i + 16 <= src.len() && o + 16 <= dst.len() {
            let v = _mm_loadu_si128(src.as_ptr().add(i) as *const __m128i);
            _mm_storeu_si128(dst.as_mut_ptr().add(o) as *mut __m128i, _mm_shuffle_epi8(v, mask));
            i += in_step;
            o += out_step;
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed_rgb(w: usize, h: usize) -> Layout {
        Layout {
            width: w,
            height: h,
            offset: 0,
            scanline_stride: w,
            pixel_stride: 1,
            format: Format::Packed {
                r_shift: 16,
                g_shift: 8,
                b_shift: 0,
                a_shift: None,
            },
            premultiplied: false,
        }
    }

    #[test]
    fn packed_rgb_reads_channels() {
        let px = [0x00112233i32, 0x00AABBCCu32 as i32];
        let mut out = Vec::new();
        to_rgb8(Samples::I32(&px), &packed_rgb(2, 1), &mut out).unwrap();
        assert_eq!(out, [0x11, 0x22, 0x33, 0xAA, 0xBB, 0xCC]);
    }

    #[test]
    fn subimage_offsets_and_strides_are_honoured() {
        // 4x3 parent, take the 2x2 block at (1, 1).
        let parent: Vec<i32> = (0..12).map(|i| i * 0x010101).collect();
        let mut l = packed_rgb(2, 2);
        l.scanline_stride = 4;
        l.offset = 5;
        let mut out = Vec::new();
        to_rgb8(Samples::I32(&parent), &l, &mut out).unwrap();
        assert_eq!(out, [5, 5, 5, 6, 6, 6, 9, 9, 9, 10, 10, 10]);
    }

    #[test]
    fn bgr_bytes_and_generic_interleaved_agree() {
        let bgr = [1u8, 2, 3, 4, 5, 6];
        let mut l = Layout {
            width: 2,
            height: 1,
            offset: 0,
            scanline_stride: 6,
            pixel_stride: 3,
            format: Format::Interleaved {
                r: 2,
                g: 1,
                b: 0,
                a: None,
            },
            premultiplied: false,
        };
        let mut fast = Vec::new();
        to_rgb8(Samples::U8(&bgr), &l, &mut fast).unwrap();
        assert_eq!(fast, [3, 2, 1, 6, 5, 4]);
        // the same pixels with a 4-byte stride take the generic path
        let padded = [1u8, 2, 3, 0, 4, 5, 6, 0];
        l.pixel_stride = 4;
        l.scanline_stride = 8;
        let mut slow = Vec::new();
        to_rgb8(Samples::U8(&padded), &l, &mut slow).unwrap();
        assert_eq!(fast, slow);
    }

    #[test]
    fn alpha_composites_onto_white() {
        // ABGR bytes: transparent red, half-transparent black, opaque blue
        let abgr = [0u8, 0, 0, 255, 128, 0, 0, 0, 255, 255, 0, 0];
        let l = Layout {
            width: 3,
            height: 1,
            offset: 0,
            scanline_stride: 12,
            pixel_stride: 4,
            format: Format::Interleaved {
                r: 3,
                g: 2,
                b: 1,
                a: Some(0),
            },
            premultiplied: false,
        };
        let mut out = Vec::new();
        to_rgb8(Samples::U8(&abgr), &l, &mut out).unwrap();
        assert_eq!(out, [255, 255, 255, 127, 127, 127, 0, 0, 255]);
    }

    #[test]
    fn premultiplied_matches_straight_alpha() {
        // straight (r=200, a=128) is premultiplied r = round(200*128/255) = 100
        let straight = [(128u32 << 24 | 200 << 16) as i32];
        let pre = [(128u32 << 24 | 100 << 16) as i32];
        let mut l = packed_rgb(1, 1);
        l.format = Format::Packed {
            r_shift: 16,
            g_shift: 8,
            b_shift: 0,
            a_shift: Some(24),
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        to_rgb8(Samples::I32(&straight), &l, &mut a).unwrap();
        l.premultiplied = true;
        to_rgb8(Samples::I32(&pre), &l, &mut b).unwrap();
        for (x, y) in a.iter().zip(&b) {
            assert!((*x as i32 - *y as i32).abs() <= 1, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn gray_is_equal_rgb_without_gamma() {
        let l = Layout {
            width: 2,
            height: 1,
            offset: 0,
            scanline_stride: 2,
            pixel_stride: 1,
            format: Format::Gray { band: 0 },
            premultiplied: false,
        };
        let mut out = Vec::new();
        to_rgb8(Samples::U8(&[10, 200]), &l, &mut out).unwrap();
        assert_eq!(out, [10, 10, 10, 200, 200, 200]);
        to_rgb8(Samples::U16(&[0, 65535]), &l, &mut out).unwrap();
        assert_eq!(out, [0, 0, 0, 255, 255, 255]);
        to_rgb8(Samples::U16(&[257 * 10, 32896]), &l, &mut out).unwrap();
        assert_eq!(out, [10, 10, 10, 128, 128, 128]);
    }

    #[test]
    fn layouts_past_the_array_are_refused() {
        let mut l = packed_rgb(3, 3);
        assert!(to_rgb8(Samples::I32(&[0; 8]), &l, &mut Vec::new()).is_err());
        l.offset = usize::MAX - 2;
        assert!(to_rgb8(Samples::I32(&[0; 9]), &l, &mut Vec::new()).is_err());
        l = packed_rgb(0, 3);
        assert!(to_rgb8(Samples::I32(&[0; 9]), &l, &mut Vec::new()).is_err());
    }

    #[test]
    fn shuffles_match_the_scalar_rule_at_every_length() {
        for n in 0..40usize {
            let src3: Vec<u8> = (0..n * 3).map(|i| (i * 7 + 1) as u8).collect();
            let mut d = vec![0u8; n * 3];
            shuffle::bytes3(&src3, &mut d, [2, 0, 1]);
            let want: Vec<u8> = src3.chunks(3).flat_map(|p| [p[2], p[0], p[1]]).collect();
            assert_eq!(d, want, "3-byte, {n} pixels");
            let src4: Vec<u8> = (0..n * 4).map(|i| (i * 5 + 3) as u8).collect();
            shuffle::bytes4(&src4, &mut d, [2, 1, 0]);
            let want: Vec<u8> = src4.chunks(4).flat_map(|p| [p[2], p[1], p[0]]).collect();
            assert_eq!(d, want, "4-byte, {n} pixels");
        }
    }

    /// Found by `cargo fuzz run pixels`: a band offset past a 3-byte pixel stride panicked in
    /// the byte-shuffle fast path (an exception in Java, but wrong all the same).
    #[test]
    fn band_offsets_past_the_pixel_stride_take_the_generic_path() {
        let data: Vec<u8> = (0..40).collect();
        let l = Layout {
            width: 3,
            height: 2,
            offset: 0,
            scanline_stride: 12,
            pixel_stride: 3,
            format: Format::Interleaved { r: 4, g: 0, b: 1, a: None },
            premultiplied: false,
        };
        let mut out = Vec::new();
        to_rgb8(Samples::U8(&data), &l, &mut out).unwrap();
        assert_eq!(&out[..6], &[4, 0, 1, 7, 3, 4]);
        let p = crate::preprocess::Preprocess { width: 2, height: 2, mean: [0.0; 3], std: [1.0; 3] };
        let mut t = vec![0f32; 12];
        assert!(!crate::preprocess::tensor_direct(Samples::U8(&data), &l, &p, &mut t).unwrap());
        // also found by fuzzing: bands (0, 1, 0) end the array one byte into the last pixel
        let short: Vec<u8> = (0..8).collect();
        let l = Layout { width: 3, height: 1, scanline_stride: 9, format: Format::Interleaved { r: 0, g: 1, b: 0, a: None }, ..l };
        to_rgb8(Samples::U8(&short), &l, &mut out).unwrap();
        assert_eq!(out, [0, 1, 0, 3, 4, 3, 6, 7, 6]);
    }

    #[test]
    fn mismatched_sample_kind_is_refused() {
        let l = packed_rgb(1, 1);
        let err = to_rgb8(Samples::U8(&[0; 4]), &l, &mut Vec::new()).unwrap_err();
        assert!(err.message().contains("cannot be read"), "{err}");
    }
}
