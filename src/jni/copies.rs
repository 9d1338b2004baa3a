//! JNI glue for copy detection (`Native.analyze*`, `Native.verify`, `Native.copyWords`; used by
//! `dev.imgsim.ImageSimilarity` and `dev.imgsim.CopyFeatures`). An analysis fills the caller's
//! `float[3 * embeddingSize]` with the embeddings of the image, of its 90-degree turn and of the
//! picture inside it (`inner::inner_box`; NaN when it has none) and returns the content
//! fingerprint's bytes; `verify` returns the `Verdict` as the floats
//! `VERDICT_*` of `dev.imgsim.internal.Native` name.

use jni::objects::{JByteArray, JFloatArray, JIntArray, JObjectArray, JShortArray, JString, ReleaseMode};
use jni::sys::{jint, jlong};
use jni::Env;

use super::contract::natives;
use super::{bytes, float_array, int_array, ints, layout, model, null_check, string, R};
use crate::copies::{self, Alignment, Fingerprint, Verdict};
use crate::error::Error;
use crate::model::Model;
use crate::pixels::{self, Samples};

/// Writes the embeddings into `out` (the inner picture's filled with NaN when there is none) and
/// returns the fingerprint as a Java `byte[]`.
fn finish<'l>(env: &mut Env<'l>, m: &Model, (mut emb, fp): (Vec<f32>, Fingerprint), out: &JFloatArray<'_>) -> R<JByteArray<'l>> {
    if out.is_null() || out.len(env)? != 3 * m.embedding_size {
        return Err(Error::InvalidArgument(format!("the output array must hold {} floats", 3 * m.embedding_size)).into());
    }
    emb.resize(3 * m.embedding_size, f32::NAN);
    out.set_region(env, 0, &emb)?;
    Ok(env.byte_array_from_slice(&fp.to_bytes())?)
}

natives! { class "dev_imgsim_internal_Native" as "Native", list native_copies_contract;
    fn analyzeFile<'l>(env, h: jlong, path: JString<'l>, out: JFloatArray<'l>) -> JByteArray<'l> {
        let m = model(h)?;
        let path = string(env, &path)?.ok_or_else(|| Error::InvalidArgument("image path is null".into()))?;
        let r = m.analyze_file(std::path::Path::new(&path))?;
        finish(env, m, r, &out)
    }

    fn analyzeEncoded<'l>(env, h: jlong, data: JByteArray<'l>, what: JString<'l>, out: JFloatArray<'l>) -> JByteArray<'l> {
        let m = model(h)?;
        let what = string(env, &what)?.unwrap_or_else(|| "image bytes".into());
        let data = bytes(env, &data, "encoded image")?;
        let target = (m.preprocess.width, m.preprocess.height);
        let img = crate::decode::decode_bytes_for(&data, &what, m.max_pixels, Some(target))?;
        let r = m.analyze_rgb(&img.data, img.width, img.height)?;
        finish(env, m, r, &out)
    }

    /// A raster: exactly one of `ints`, `bytes`, `shorts` holds the samples (`desc` as for `embedInts`).
    fn analyzeRaster<'l>(env, h: jlong, ints: JIntArray<'l>, bytes: JByteArray<'l>, shorts: JShortArray<'l>,
            desc: JIntArray<'l>, out: JFloatArray<'l>) -> JByteArray<'l> {
        use jni::objects::ReleaseMode::NoCopyBack;
        let m = model(h)?;
        let layout = layout(env, &desc)?;
        m.check_pixels(layout.width, layout.height, "image")?;
        let mut rgb = Vec::new();
        // SAFETY (all three): read-only access; no JNI calls while the critical section is held;
        // i8/u8 and i16/u16 have the same size and alignment.
        if !ints.is_null() {
            let el = unsafe { ints.get_elements_critical(env, NoCopyBack)? };
            pixels::to_rgb8(Samples::I32(&el), &layout, &mut rgb)?;
        } else if !bytes.is_null() {
            let el = unsafe { bytes.get_elements_critical(env, NoCopyBack)? };
            let s = unsafe { std::slice::from_raw_parts(el.as_ptr() as *const u8, el.len()) };
            pixels::to_rgb8(Samples::U8(s), &layout, &mut rgb)?;
        } else {
            null_check(shorts.is_null())?;
            let el = unsafe { shorts.get_elements_critical(env, NoCopyBack)? };
            let s = unsafe { std::slice::from_raw_parts(el.as_ptr() as *const u16, el.len()) };
            pixels::to_rgb8(Samples::U16(s), &layout, &mut rgb)?;
        }
        let r = m.analyze_rgb(&rgb, layout.width, layout.height)?;
        finish(env, m, r, &out)
    }

    /// Verifies `b` against `a`: `[score, whole, transform, alignment, area, aspectMismatch,
    /// inliers, support, localTransform, aInB, bCovered, scale, blockWorst, blockMean, hueMismatch]` (inliers
    /// to scale from the local features),
    /// alignment 0 none, 1 whole, 2 a inside b, 3 b inside a. `flags`: 1 also searches each
    /// picture inside the other, 2 matches the local features, 8 compares an inner picture.
    fn verify<'l>(env, a: JByteArray<'l>, b: JByteArray<'l>, flags: jint) -> JFloatArray<'l> {
        let a = Fingerprint::from_bytes(&bytes(env, &a, "fingerprint a")?)?;
        let b = Fingerprint::from_bytes(&bytes(env, &b, "fingerprint b")?)?;
        let f = flags as u32;
        let v = copies::verify_opts(&a, &b, f & copies::VERIFY_PARTS != 0, f & copies::VERIFY_LOCAL != 0, f & copies::VERIFY_INNER != 0);
        float_array(env, &verdict_floats(&v))
    }

    /// `verify` of `a` against each fingerprint of `all` with `flags[i]` (4: the other way round,
    /// `a` as the second of the pair; 16: a second verdict with the part search after the pair's):
    /// `VERDICT_LENGTH` floats per verdict, in order. The grids derived from `a` are computed once;
    /// each of `all` is read in place (no copy of the Java array).
    fn verifyMany<'l>(env, a: JByteArray<'l>, all: JObjectArray<'l, JByteArray<'l>> as "[[B", flags: JIntArray<'l>) -> JFloatArray<'l> {
        let a = Fingerprint::from_bytes(&bytes(env, &a, "fingerprint a")?)?;
        if all.is_null() {
            return Err(Error::InvalidArgument("the fingerprints array is null".into()).into());
        }
        let flags: Vec<u32> = ints(env, &flags, "flags")?.into_iter().map(|f| f as u32).collect();
        let n = all.len(env)?;
        if flags.len() != n {
            return Err(Error::InvalidArgument(format!("{n} fingerprints but {} flags", flags.len())).into());
        }
        let mut others = Vec::with_capacity(n);
        for i in 0..n {
            let b = all.get_element(env, i)?;
            if b.is_null() {
                return Err(Error::InvalidArgument(format!("fingerprint {i} is null")).into());
            }
            let fp = {
                // SAFETY: read-only access; no JNI calls while the critical section is held; i8
                // and u8 have the same size and alignment
                let el = unsafe { b.get_elements_critical(env, ReleaseMode::NoCopyBack)? };
                let s = unsafe { std::slice::from_raw_parts(el.as_ptr() as *const u8, el.len()) };
                Fingerprint::from_bytes(s)
            };
            env.delete_local_ref(b);
            others.push(fp?);
        }
        let out: Vec<f32> = copies::verify_many(&a, &others, &flags).iter().flat_map(verdict_floats).collect();
        float_array(env, &out)
    }

    /// The words of a fingerprint's local features and its inner picture's (`keypoints::words`,
    /// `WORDS`): distinct, sorted as unsigned; none for a fingerprint without local features.
    fn copyWords<'l>(env, fp: JByteArray<'l>) -> JIntArray<'l> {
        let fp = Fingerprint::from_bytes(&bytes(env, &fp, "fingerprint")?)?;
        let w: Vec<jint> = copies::words(&fp).into_iter().map(|v| v as jint).collect();
        int_array(env, &w)
    }
}

/// Floats per verdict in `verify` and `verifyMany` (`Native.VERDICT_LENGTH`).
pub(crate) const VERDICT_LENGTH: usize = 15;

/// A verdict as the floats `Native.VERDICT_*` name.
fn verdict_floats(v: &Verdict) -> [f32; VERDICT_LENGTH] {
    let alignment = match v.alignment {
        Alignment::None => 0.0,
        Alignment::Whole => 1.0,
        Alignment::AInB => 2.0,
        Alignment::BInA => 3.0,
    };
    let l = &v.local;
    [
        v.score,
        v.whole,
        v.transform as f32,
        alignment,
        v.area,
        v.aspect_mismatch,
        l.inliers as f32,
        l.support,
        l.dihedral() as f32,
        l.a_in_b,
        l.b_covered,
        l.scale,
        v.block_worst,
        v.block_mean,
        v.hue_mismatch,
    ]
}
