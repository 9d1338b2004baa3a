//! Interleaved RGB8 -> the model's input: resize to the input size, scale, normalise, and lay
//! out as planar (NCHW) f32. The parameters come from the model's metadata (see `model.rs`)
//! or the caller; this module only applies them.

use fast_image_resize::{images::Image, FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use crate::error::{Error, Result};
use crate::pixels::{Format, Layout, Samples};

/// How an image becomes a tensor. `mean`/`std` apply to samples scaled to [0, 1].
#[derive(Clone, Debug, PartialEq)]
pub struct Preprocess {
    pub width: usize,
    pub height: usize,
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

impl Preprocess {
    /// Values per image in the tensor.
    pub fn tensor_len(&self) -> usize {
        3 * self.width * self.height
    }

    pub fn validate(&self) -> Result<()> {
        if self.width == 0 || self.height == 0 || self.width > 8192 || self.height > 8192 {
            return Err(Error::InvalidArgument(format!(
                "model input size {}x{} is outside 1..8192",
                self.width, self.height
            )));
        }
        for (i, (&m, &s)) in self.mean.iter().zip(&self.std).enumerate() {
            if !m.is_finite() || !s.is_finite() || s <= 0.0 {
                return Err(Error::InvalidArgument(format!(
                    "normalisation for channel {i} is unusable: mean {m}, std {s} (std must be a positive finite number)"
                )));
            }
        }
        Ok(())
    }
}

/// Resizes `rgb` (`w` x `h`, 3 bytes a pixel) to the input size with an antialiased bilinear
/// filter (the one Pillow's `Image.resize(size, BILINEAR)` uses; the aspect ratio is not kept),
/// then writes the normalised planes into `out` (`3 * width * height` values).
pub fn to_tensor(rgb: &[u8], w: usize, h: usize, p: &Preprocess, out: &mut [f32]) -> Result<()> {
    debug_assert_eq!(out.len(), p.tensor_len());
    if rgb.len() != w * h * 3 || w == 0 || h == 0 {
        return Err(Error::InvalidArgument(format!(
            "{} bytes are not a {w}x{h} RGB image",
            rgb.len()
        )));
    }
    if (w, h) == (p.width, p.height) {
        normalise(rgb, p, out);
        return Ok(());
    }
    let resized = resize(rgb, w, h, p.width, p.height)?;
    normalise(&resized, p, out);
    Ok(())
}

/// Antialiased bilinear resize of interleaved RGB8.
pub fn resize(rgb: &[u8], w: usize, h: usize, dw: usize, dh: usize) -> Result<Vec<u8>> {
    let err = |e: &dyn std::fmt::Display| Error::InvalidArgument(format!("cannot resize {w}x{h} to {dw}x{dh}: {e}"));
    let dim = |v: usize| u32::try_from(v).map_err(|e| err(&e));
    // fast_image_resize wants a mutable buffer for its source type; the resize only reads it.
    let src = fast_image_resize::images::ImageRef::new(dim(w)?, dim(h)?, rgb, PixelType::U8x3).map_err(|e| err(&e))?;
    let mut dst = Image::new(dim(dw)?, dim(dh)?, PixelType::U8x3);
    let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    Resizer::new().resize(&src, &mut dst, &opts).map_err(|e| err(&e))?;
    Ok(dst.into_vec())
}

/// `(x / 255 - mean) / std`, planar. Written as one multiply-add per sample, one plane at a
/// time, so the compiler vectorises it.
fn normalise(rgb: &[u8], p: &Preprocess, out: &mut [f32]) {
    normalise_channels(rgb, 3, [0, 1, 2], p, out)
}

/// `normalise` for pixels of `bpp` bytes whose R, G, B bytes sit at `idx`. One pass over the
/// pixels writing the three planes; compiled twice, the AVX2 copy chosen at run time.
fn normalise_channels(px: &[u8], bpp: usize, idx: [usize; 3], p: &Preprocess, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports the features the function is compiled for.
        return unsafe { normalise_avx2(px, bpp, idx, p, out) };
    }
    normalise_body(px, bpp, idx, p, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn normalise_avx2(px: &[u8], bpp: usize, idx: [usize; 3], p: &Preprocess, out: &mut [f32]) {
    normalise_body(px, bpp, idx, p, out)
}

#[inline(always)]
fn normalise_body(px: &[u8], bpp: usize, idx: [usize; 3], p: &Preprocess, out: &mut [f32]) {
    let n = p.width * p.height;
    let sc: [f32; 3] = std::array::from_fn(|c| 1.0 / (255.0 * p.std[c]));
    let bi: [f32; 3] = std::array::from_fn(|c| -p.mean[c] / p.std[c]);
    let (r, rest) = out[..3 * n].split_at_mut(n);
    let (g, b) = rest.split_at_mut(n);
    macro_rules! pass {
        ($bpp:expr, $i0:expr, $i1:expr, $i2:expr) => {
            for (((px, r), g), b) in px.chunks_exact($bpp).zip(r.iter_mut()).zip(g.iter_mut()).zip(b.iter_mut()) {
                *r = px[$i0] as f32 * sc[0] + bi[0];
                *g = px[$i1] as f32 * sc[1] + bi[1];
                *b = px[$i2] as f32 * sc[2] + bi[2];
            }
        };
    }
    // constant strides and offsets for the common layouts let the compiler vectorise
    match (bpp, idx) {
        (3, [0, 1, 2]) => pass!(3, 0, 1, 2),
        (3, [2, 1, 0]) => pass!(3, 2, 1, 0),
        (4, [2, 1, 0]) => pass!(4, 2, 1, 0),
        (4, [0, 1, 2]) => pass!(4, 0, 1, 2),
        _ => pass!(bpp, idx[0], idx[1], idx[2]),
    }
}

/// Fast path for opaque rasters whose pixels are whole 3-byte (interleaved bytes, any band
/// order) or 4-byte (packed ints) units and whose rows are contiguous (not a sub-image: the
/// resize filter would read the parent's pixels beyond the window's edge): resize straight
/// from the raster's array and pick the channels while normalising. Skips the full-size RGB
/// copy. Returns `Ok(false)` when the layout does not qualify (the caller converts first);
/// the result is identical to converting first, as the channels are resized independently.
pub fn tensor_direct(samples: Samples<'_>, layout: &Layout, p: &Preprocess, out: &mut [f32]) -> Result<bool> {
    if (layout.width, layout.height) == (p.width, p.height) {
        return Ok(false); // no resize: the generic path is already a single pass
    }
    layout.validate(match samples {
        Samples::U8(s) => s.len(),
        Samples::U16(s) => s.len(),
        Samples::I32(s) => s.len(),
    })?;
    let (bytes, bpp, idx, elem): (&[u8], usize, [usize; 3], usize) = match (samples, layout.format) {
        (Samples::U8(s), Format::Interleaved { r, g, b, a: None }) if layout.pixel_stride == 3 && r.max(g).max(b) < 3 => {
            (s, 3, [r, g, b], 1)
        }
        #[cfg(target_endian = "little")]
        (Samples::I32(s), Format::Packed { r_shift, g_shift, b_shift, a_shift: None })
            if layout.pixel_stride == 1 && [r_shift, g_shift, b_shift].iter().all(|&v| v % 8 == 0 && v <= 16) =>
        {
            // SAFETY: any i32 is 4 valid bytes; little-endian puts bits 0-7 in byte 0.
            let b8 = unsafe { std::slice::from_raw_parts(s.as_ptr() as *const u8, s.len() * 4) };
            (b8, 4, [(r_shift / 8) as usize, (g_shift / 8) as usize, (b_shift / 8) as usize], 4)
        }
        _ => return Ok(false),
    };
    let px_elems = if elem == 4 { 1 } else { 3 };
    let scan = layout.scanline_stride;
    let rows = layout.height;
    if layout.offset != 0 || scan != layout.width * px_elems || rows * scan * elem > bytes.len() {
        return Ok(false);
    }
    let err = |e: &dyn std::fmt::Display| Error::InvalidArgument(format!("cannot resize: {e}"));
    let pt = if bpp == 3 { PixelType::U8x3 } else { PixelType::U8x4 };
    let src = fast_image_resize::images::ImageRef::new(layout.width as u32, rows as u32, &bytes[..rows * scan * elem], pt)
        .map_err(|e| err(&e))?;
    let mut dst = Image::new(p.width as u32, p.height as u32, pt);
    let opts = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Bilinear))
        .use_alpha(false);
    Resizer::new().resize(&src, &mut dst, &opts).map_err(|e| err(&e))?;
    normalise_channels(dst.buffer(), bpp, idx, p, out);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pre(w: usize, h: usize) -> Preprocess {
        Preprocess {
            width: w,
            height: h,
            mean: [0.5, 0.25, 0.0],
            std: [0.5, 0.25, 1.0],
        }
    }

    #[test]
    fn normalise_is_planar_and_exact() {
        let rgb = [255u8, 0, 51, 0, 255, 102];
        let mut out = vec![0.0; 6];
        to_tensor(&rgb, 2, 1, &pre(2, 1), &mut out).unwrap();
        let expect = [1.0, -1.0, -1.0, 3.0, 0.2, 0.4];
        for (a, b) in out.iter().zip(expect) {
            assert!((a - b).abs() < 1e-6, "{out:?}");
        }
    }

    #[test]
    fn resize_of_a_flat_image_stays_flat() {
        let rgb: Vec<u8> = [10u8, 20, 30].repeat(37 * 23);
        let mut out = vec![0.0; 3 * 8 * 8];
        to_tensor(&rgb, 37, 23, &pre(8, 8), &mut out).unwrap();
        let r = (10.0 / 255.0 - 0.5) / 0.5;
        assert!(out[..64].iter().all(|v| (v - r).abs() < 1e-6));
    }

    #[test]
    fn downscale_averages() {
        // 2x1 black/white -> 1x1 is mid gray with an antialiased filter
        let rgb = [0u8, 0, 0, 255, 255, 255];
        let small = resize(&rgb, 2, 1, 1, 1).unwrap();
        assert!((small[0] as i32 - 128).abs() <= 1, "{small:?}");
    }

    #[test]
    fn direct_path_equals_converting_first() {
        use crate::pixels::{to_rgb8, Format, Layout, Samples};
        // whole 3-byte BGR and packed-int rasters take the direct path; sub-images do not
        let (pw, ph) = (31usize, 17usize);
        let bgr: Vec<u8> = (0..pw * ph * 3).map(|i| (i * 7 % 251) as u8).collect();
        let layout = Layout {
            width: 31,
            height: 17,
            offset: 0,
            scanline_stride: pw * 3,
            pixel_stride: 3,
            format: Format::Interleaved { r: 2, g: 1, b: 0, a: None },
            premultiplied: false,
        };
        let p = pre(8, 6);
        let (mut a, mut b) = (vec![0f32; p.tensor_len()], vec![0f32; p.tensor_len()]);
        assert!(tensor_direct(Samples::U8(&bgr), &layout, &p, &mut a).unwrap());
        let mut rgb = Vec::new();
        to_rgb8(Samples::U8(&bgr), &layout, &mut rgb).unwrap();
        to_tensor(&rgb, 31, 17, &p, &mut b).unwrap();
        assert_eq!(a, b);
        let sub = Layout { height: 16, offset: pw * 3, ..layout };
        assert!(!tensor_direct(Samples::U8(&bgr), &sub, &p, &mut a).unwrap());
        let ints: Vec<i32> = (0..pw * ph).map(|i| (i as i32).wrapping_mul(2654435761u32 as i32) & 0xFFFFFF).collect();
        let layout = Layout {
            offset: 0,
            scanline_stride: pw,
            pixel_stride: 1,
            format: Format::Packed { r_shift: 16, g_shift: 8, b_shift: 0, a_shift: None },
            ..layout
        };
        assert!(tensor_direct(Samples::I32(&ints), &layout, &p, &mut a).unwrap());
        to_rgb8(Samples::I32(&ints), &layout, &mut rgb).unwrap();
        to_tensor(&rgb, 31, 17, &p, &mut b).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn bad_parameters_are_refused() {
        let mut p = pre(0, 4);
        assert!(p.validate().is_err());
        p = pre(4, 4);
        p.std[1] = 0.0;
        assert!(p.validate().is_err());
        p.std[1] = f32::NAN;
        assert!(p.validate().is_err());
        assert!(to_tensor(&[0; 5], 2, 1, &pre(2, 1), &mut [0.0; 6]).is_err());
    }
}
