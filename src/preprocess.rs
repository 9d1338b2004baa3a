//! Interleaved RGB8 -> the model's input: resize to the input size, scale, normalise, and lay
//! out as planar (NCHW) f32. The parameters come from the model's metadata (see `model.rs`)
//! or the caller; this module only applies them.

use fast_image_resize::{images::Image, FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use crate::error::{Error, Result};

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
    let n = p.width * p.height;
    for c in 0..3 {
        let scale = 1.0 / (255.0 * p.std[c]);
        let bias = -p.mean[c] / p.std[c];
        let plane = &mut out[c * n..(c + 1) * n];
        for (o, px) in plane.iter_mut().zip(rgb.chunks_exact(3)) {
            *o = px[c] as f32 * scale + bias;
        }
    }
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
