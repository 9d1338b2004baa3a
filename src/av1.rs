//! One AV1 still picture (an AVIF item) -> RGB, by rav1d (the Rust port of dav1d) through its
//! dav1d-compatible API. The calls follow avif-decode's (BSD-3-Clause, Kornel Lesiński), which
//! needs a newer compiler than this project's: one decoder per picture, one thread (imgsim decodes
//! on its own pool), film grain applied, `frame_size_limit` set to the pixel limit so a picture
//! larger than it is refused before its buffers are allocated.
//!
//! YUV -> RGB uses the sequence header's matrix (BT.601, BT.709, BT.2020 NCL, identity/GBR; others
//! as BT.601) and range, with chroma taken from the co-sited sample (nearest), at any bit depth.

use std::mem::MaybeUninit;
use std::ptr::NonNull;

use rav1d::include::dav1d::data::Dav1dData;
use rav1d::include::dav1d::dav1d::{Dav1dContext, Dav1dSettings};
use rav1d::include::dav1d::headers::{
    DAV1D_MC_BT2020_CL, DAV1D_MC_BT2020_NCL, DAV1D_MC_BT709, DAV1D_MC_IDENTITY, DAV1D_PIXEL_LAYOUT_I400,
    DAV1D_PIXEL_LAYOUT_I420, DAV1D_PIXEL_LAYOUT_I422,
};
use rav1d::include::dav1d::picture::Dav1dPicture;
use rav1d::src::lib::{
    dav1d_close, dav1d_data_create, dav1d_data_unref, dav1d_default_settings, dav1d_get_picture, dav1d_open,
    dav1d_picture_unref, dav1d_send_data,
};

/// A decoded picture: width, height and interleaved 8-bit (or, above 8 bits, 16-bit scaled) RGB.
pub struct Rgb {
    pub width: usize,
    pub height: usize,
    /// RGB8 when `bits == 8`, otherwise RGB in u16 at `bits` bits per sample
    pub data8: Vec<u8>,
    pub data16: Vec<u16>,
    pub bits: u32,
}

struct Context(Option<Dav1dContext>);

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: the context came from dav1d_open (or is None, which dav1d_close ignores)
        unsafe { dav1d_close(Some(NonNull::from(&mut self.0))) };
    }
}

struct Picture(Dav1dPicture);

impl Drop for Picture {
    fn drop(&mut self) {
        // SAFETY: a picture from dav1d_get_picture, or a default one (unref of an empty picture is a no-op)
        unsafe { dav1d_picture_unref(Some(NonNull::from(&mut self.0))) };
    }
}

fn failed(what: &str, code: i32) -> String {
    format!("AV1 {what} failed (rav1d error {})", code.unsigned_abs())
}

/// Decodes one AV1 temporal unit (an AVIF item's data) to RGB.
pub fn decode(av1: &[u8], max_pixels: u64) -> Result<Rgb, String> {
    let pic = decode_picture(av1, max_pixels)?;
    to_rgb(&pic.0)
}

fn decode_picture(av1: &[u8], max_pixels: u64) -> Result<Picture, String> {
    if av1.is_empty() {
        return Err("the AV1 item is empty".into());
    }
    // SAFETY: the dav1d API as documented: settings written by dav1d_default_settings before use,
    // data created by dav1d_data_create with room for `av1`, everything unreferenced on every path
    unsafe {
        let mut settings = MaybeUninit::<Dav1dSettings>::uninit();
        dav1d_default_settings(NonNull::from(&mut settings).cast());
        let settings = settings.assume_init_mut();
        settings.n_threads = 1;
        settings.max_frame_delay = 1;
        settings.apply_grain = 1;
        settings.frame_size_limit = max_pixels.min(u32::MAX as u64) as u32;
        let mut ctx = Context(None);
        let res = dav1d_open(Some(NonNull::from(&mut ctx.0)), Some(NonNull::from(settings)));
        if res.0 != 0 || ctx.0.is_none() {
            return Err(failed("decoder start", res.0));
        }
        let c = ctx.0;
        let mut data = Dav1dData::default();
        let buf = dav1d_data_create(Some(NonNull::from(&mut data)), av1.len());
        if buf.is_null() {
            return Err("no memory for the AV1 data".into());
        }
        std::ptr::copy_nonoverlapping(av1.as_ptr(), buf, av1.len());
        // one AVIF item is one temporal unit; a layered item yields a picture per layer and the
        // last is the whole image, so keep the newest picture while feeding and draining
        let mut last: Option<Picture> = None;
        let mut sent = Ok(());
        loop {
            let res = dav1d_send_data(c, Some(NonNull::from(&mut data)));
            if res.0 == 0 {
                break;
            }
            let mut pending = Picture(Dav1dPicture::default());
            if dav1d_get_picture(c, Some(NonNull::from(&mut pending.0))).0 != 0 {
                sent = Err(failed("decoding", res.0));
                break;
            }
            last = Some(pending);
        }
        dav1d_data_unref(Some(NonNull::from(&mut data)));
        sent?;
        loop {
            let mut pic = Picture(Dav1dPicture::default());
            let res = dav1d_get_picture(c, Some(NonNull::from(&mut pic.0)));
            if res.0 != 0 {
                drop(pic);
                return match last {
                    Some(p) => Ok(p),
                    None => Err(failed("decoding", res.0)),
                };
            }
            last = Some(pic);
        }
    }
}

/// (kr, kb) of a matrix: Y = kr R + (1 - kr - kb) G + kb B
fn coefficients(mtrx: u32) -> Option<(f32, f32)> {
    match mtrx {
        DAV1D_MC_IDENTITY => None,
        DAV1D_MC_BT709 => Some((0.2126, 0.0722)),
        DAV1D_MC_BT2020_NCL | DAV1D_MC_BT2020_CL => Some((0.2627, 0.0593)),
        _ => Some((0.299, 0.114)), // BT.601 (and unspecified)
    }
}

fn to_rgb(pic: &Dav1dPicture) -> Result<Rgb, String> {
    let (w, h) = (pic.p.w, pic.p.h);
    if w <= 0 || h <= 0 {
        return Err("the AV1 picture has no pixels".into());
    }
    let (w, h) = (w as usize, h as usize);
    let bits = pic.p.bpc as u32;
    if !(8..=12).contains(&bits) {
        return Err(format!("AV1 pictures of {bits} bits per sample are not supported"));
    }
    let layout = pic.p.layout;
    let (sx, sy) = match layout {
        DAV1D_PIXEL_LAYOUT_I420 => (1, 1),
        DAV1D_PIXEL_LAYOUT_I422 => (1, 0),
        _ => (0, 0),
    };
    let gray = layout == DAV1D_PIXEL_LAYOUT_I400;
    // SAFETY: a decoded picture's seq_hdr is valid while the picture is referenced
    let (mtrx, full_range) = match pic.seq_hdr {
        Some(s) => unsafe { (s.as_ref().mtrx, s.as_ref().color_range != 0) },
        None => (2, false),
    };
    let hbd = bits > 8;
    let sample = |plane: usize, x: usize, y: usize| -> Option<f32> {
        let base = pic.data[plane]?.as_ptr() as *const u8;
        let stride = pic.stride[if plane == 0 { 0 } else { 1 }];
        let (x, y) = if plane == 0 { (x, y) } else { (x >> sx, y >> sy) };
        let row = (y as isize).checked_mul(stride)?;
        // SAFETY: (x, y) lies inside the plane: x < w (or its subsampled width), y < h, and the
        // strides are those of the decoded planes
        Some(unsafe {
            if hbd {
                *(base.offset(row) as *const u16).add(x) as f32
            } else {
                *base.offset(row).add(x) as f32
            }
        })
    };
    let max = ((1u32 << bits) - 1) as f32;
    let (y0, yr, cr) = if full_range {
        (0.0, max, max)
    } else {
        let s = (1u32 << (bits - 8)) as f32;
        (16.0 * s, 219.0 * s, 224.0 * s)
    };
    let mid = (1u32 << (bits - 1)) as f32;
    let coef = coefficients(mtrx);
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let yy = sample(0, x, y).ok_or("the AV1 picture has no luma plane")?;
            let rgb = if gray {
                let v = (yy - y0) / yr;
                [v, v, v]
            } else {
                let u = sample(1, x, y).ok_or("the AV1 picture has no Cb plane")?;
                let v = sample(2, x, y).ok_or("the AV1 picture has no Cr plane")?;
                match coef {
                    None => [v / max, yy / max, u / max], // identity: G = Y, B = U, R = V
                    Some((kr, kb)) => {
                        let (l, pb, pr) = ((yy - y0) / yr, (u - mid) / cr, (v - mid) / cr);
                        let kg = 1.0 - kr - kb;
                        let r = l + 2.0 * (1.0 - kr) * pr;
                        let b = l + 2.0 * (1.0 - kb) * pb;
                        let g = (l - kr * r - kb * b) / kg;
                        [r, g, b]
                    }
                }
            };
            out.extend(rgb.map(|c| (c.clamp(0.0, 1.0) * max + 0.5) as u16));
        }
    }
    if hbd {
        Ok(Rgb { width: w, height: h, data8: Vec::new(), data16: out, bits })
    } else {
        Ok(Rgb { width: w, height: h, data8: out.into_iter().map(|v| v as u8).collect(), data16: Vec::new(), bits })
    }
}
