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
/// replacing the contents of `out`.
pub fn to_rgb8(samples: Samples<'_>, layout: &Layout, out: &mut Vec<u8>) -> Result<()> {
    layout.validate(samples.len())?;
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
            for_rows(s, layout, row_elems, out, |row, dst| {
                if stride == 1 {
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
            match a {
                None if ps == 3 && (r, g, b) == (0, 1, 2) => for_rows(s, layout, 3 * layout.width, out, |row, dst| {
                    dst.copy_from_slice(row);
                }),
                None if ps == 3 && (r, g, b) == (2, 1, 0) => for_rows(s, layout, 3 * layout.width, out, |row, dst| {
                    for (d, p) in dst.chunks_exact_mut(3).zip(row.chunks_exact(3)) {
                        d[0] = p[2];
                        d[1] = p[1];
                        d[2] = p[0];
                    }
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
    fn mismatched_sample_kind_is_refused() {
        let l = packed_rgb(1, 1);
        let err = to_rgb8(Samples::U8(&[0; 4]), &l, &mut Vec::new()).unwrap_err();
        assert!(err.message().contains("cannot be read"), "{err}");
    }
}
