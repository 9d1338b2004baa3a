//! One AV1 still picture (an AVIF item) -> RGB, by dav1d (VideoLAN's AV1 decoder, C, built from the
//! source vendored in `libdav1d-sys` with meson and nasm, linked statically). rav1d, its pure Rust
//! port, was tried first and dropped: its x86 assembly does not link into a shared library and,
//! without it, malformed input made it panic inside an `extern "C"` function, which aborts the
//! process (found by `fuzz/heif`). One decoder per picture, one thread (imgsim decodes on its own
//! pool), film grain applied, `frame_size_limit` set to the pixel limit so a larger picture is
//! refused before its buffers are allocated. Built for linux-x86_64; on the other platforms AVIF
//! files get a named error.
//!
//! YUV -> RGB uses the sequence header's matrix (BT.601, BT.709, BT.2020, identity/GBR; others
//! as BT.601) and range, with chroma taken from the co-sited sample (nearest), at any bit depth.

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
use libdav1d_sys::*;

/// A decoded picture: width, height and interleaved 8-bit (or, above 8 bits, 16-bit scaled) RGB.
pub struct Rgb {
    pub width: usize,
    pub height: usize,
    /// RGB8 when `bits == 8`, otherwise RGB in u16 at `bits` bits per sample
    pub data8: Vec<u8>,
    pub data16: Vec<u16>,
    pub bits: u32,
}

/// Whether this build decodes AV1 (linux-x86_64).
#[allow(dead_code)] // read by the tests
pub const BUILT: bool = cfg!(all(target_arch = "x86_64", target_os = "linux"));

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
pub fn decode(_av1: &[u8], _max_pixels: u64) -> Result<Rgb, String> {
    Err("AVIF decoding is built for linux-x86_64 only in this version of imgsim".into())
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
struct Context(*mut Dav1dContext);

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: a context from dav1d_open, or null (which dav1d_close ignores)
        unsafe { dav1d_close(&mut self.0) };
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
struct Picture(Dav1dPicture);

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
impl Drop for Picture {
    fn drop(&mut self) {
        // SAFETY: a picture from dav1d_get_picture, or a zeroed one (whose unref does nothing)
        unsafe { dav1d_picture_unref(&mut self.0) };
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn failed(what: &str, code: i32) -> String {
    format!("AV1 {what} failed (dav1d error {})", code.unsigned_abs())
}

/// Decodes one AV1 temporal unit (an AVIF item's data) to RGB.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
pub fn decode(av1: &[u8], max_pixels: u64) -> Result<Rgb, String> {
    let pic = decode_picture(av1, max_pixels)?;
    to_rgb(&pic.0)
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn decode_picture(av1: &[u8], max_pixels: u64) -> Result<Picture, String> {
    use std::mem::MaybeUninit;
    if av1.is_empty() {
        return Err("the AV1 item is empty".into());
    }
    // SAFETY: the dav1d API as its header documents: settings written by dav1d_default_settings
    // before use, data created by dav1d_data_create with room for `av1` and unreferenced on every
    // path (a no-op once the decoder has taken it), pictures zeroed before dav1d_get_picture
    unsafe {
        let mut settings = MaybeUninit::<Dav1dSettings>::uninit();
        dav1d_default_settings(settings.as_mut_ptr());
        let mut settings = settings.assume_init();
        settings.n_threads = 1;
        settings.max_frame_delay = 1;
        settings.apply_grain = 1;
        settings.frame_size_limit = max_pixels.min(u32::MAX as u64) as u32;
        let mut ctx = Context(std::ptr::null_mut());
        let res = dav1d_open(&mut ctx.0, &settings);
        if res != 0 || ctx.0.is_null() {
            return Err(failed("decoder start", res));
        }
        let mut data: Dav1dData = std::mem::zeroed();
        let buf = dav1d_data_create(&mut data, av1.len());
        if buf.is_null() {
            return Err("no memory for the AV1 data".into());
        }
        std::ptr::copy_nonoverlapping(av1.as_ptr(), buf, av1.len());
        // one AVIF item is one temporal unit; a layered item yields a picture per layer and the
        // last is the whole image, so keep the newest picture while feeding and draining
        let mut last: Option<Picture> = None;
        let mut sent = Ok(());
        while data.sz > 0 {
            let res = dav1d_send_data(ctx.0, &mut data);
            if res < 0 && res != DAV1D_ERR_AGAIN {
                sent = Err(failed("decoding", res));
                break;
            }
            let mut pic = Picture(std::mem::zeroed());
            let got = dav1d_get_picture(ctx.0, &mut pic.0);
            if got == 0 {
                last = Some(pic);
            } else if got != DAV1D_ERR_AGAIN {
                sent = Err(failed("decoding", got));
                break;
            } else if res == DAV1D_ERR_AGAIN {
                sent = Err(failed("decoding", res)); // neither side can move
                break;
            }
        }
        dav1d_data_unref(&mut data);
        sent?;
        loop {
            let mut pic = Picture(std::mem::zeroed());
            let res = dav1d_get_picture(ctx.0, &mut pic.0);
            if res == 0 {
                last = Some(pic);
                continue;
            }
            drop(pic);
            return match last {
                Some(p) => Ok(p),
                None => Err(failed("decoding", res)),
            };
        }
    }
}

/// (kr, kb) of a matrix: Y = kr R + (1 - kr - kb) G + kb B; `None` for identity (GBR)
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn coefficients(mtrx: Dav1dMatrixCoefficients) -> Option<(f32, f32)> {
    match mtrx {
        Dav1dMatrixCoefficients::DAV1D_MC_IDENTITY => None,
        Dav1dMatrixCoefficients::DAV1D_MC_BT709 => Some((0.2126, 0.0722)),
        Dav1dMatrixCoefficients::DAV1D_MC_BT2020_NCL | Dav1dMatrixCoefficients::DAV1D_MC_BT2020_CL => {
            Some((0.2627, 0.0593))
        }
        _ => Some((0.299, 0.114)), // BT.601 (and unspecified)
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
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
        Dav1dPixelLayout::DAV1D_PIXEL_LAYOUT_I420 => (1, 1),
        Dav1dPixelLayout::DAV1D_PIXEL_LAYOUT_I422 => (1, 0),
        _ => (0, 0),
    };
    let gray = layout == Dav1dPixelLayout::DAV1D_PIXEL_LAYOUT_I400;
    if pic.seq_hdr.is_null() || pic.data[0].is_null() || (!gray && (pic.data[1].is_null() || pic.data[2].is_null())) {
        return Err("the AV1 picture lacks its planes".into());
    }
    // SAFETY: a decoded picture's sequence header is valid while the picture is referenced
    let (mtrx, full_range) = unsafe { ((*pic.seq_hdr).mtrx, (*pic.seq_hdr).color_range != 0) };
    let hbd = bits > 8;
    let sample = |plane: usize, x: usize, y: usize| -> f32 {
        let base = pic.data[plane] as *const u8;
        let stride = pic.stride[if plane == 0 { 0 } else { 1 }];
        let (x, y) = if plane == 0 { (x, y) } else { (x >> sx, y >> sy) };
        // SAFETY: (x, y) lies inside the plane (x < w and y < h, subsampled for chroma), and the
        // strides are the decoded planes'
        unsafe {
            let row = base.offset(y as isize * stride);
            if hbd {
                *(row as *const u16).add(x) as f32
            } else {
                *row.add(x) as f32
            }
        }
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
            let yy = sample(0, x, y);
            let rgb = if gray {
                let v = (yy - y0) / yr;
                [v, v, v]
            } else {
                let (u, v) = (sample(1, x, y), sample(2, x, y));
                match coef {
                    None => [v / max, yy / max, u / max], // identity: G = Y, B = U, R = V
                    Some((kr, kb)) => {
                        let (l, pb, pr) = ((yy - y0) / yr, (u - mid) / cr, (v - mid) / cr);
                        let r = l + 2.0 * (1.0 - kr) * pr;
                        let b = l + 2.0 * (1.0 - kb) * pb;
                        let g = (l - kr * r - kb * b) / (1.0 - kr - kb);
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
