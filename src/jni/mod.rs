//! JNI glue for `dev.imgsim.internal.Native`: argument marshalling, handles, and the mapping
//! from `Error` to Java exception classes. No logic lives here; every entry point is one call
//! through `entry`, which traps panics and turns every failure into a Java exception.
//!
//! Handles are `Box::into_raw` pointers. The Java side guarantees that a handle is not used
//! after (or during) `close`, with a read/write lock; see `ImageSimilarity.java`.

use std::path::PathBuf;

use jni::errors::ErrorPolicy;
use jni::objects::{JFloatArray, JObject, JObjectArray, JString};
use jni::sys::{jint, jlong};
use jni::{jni_str, Env};

use crate::error::Error;
use crate::model::{Model, Options, LIVE_MODELS};
use crate::pixels::{Format, Layout, Samples};
use contract::natives;

type JByteArray<'a> = jni::objects::JByteArray<'a>;
type JIntArray<'a> = jni::objects::JIntArray<'a>;
type JShortArray<'a> = jni::objects::JShortArray<'a>;

/// Why a native call failed: ours, or JNI's own (then a Java exception may already be pending).
#[derive(Debug)]
enum Failure {
    Imgsim(Error),
    Jni(jni::errors::Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Imgsim(e)
    }
}

impl From<jni::errors::Error> for Failure {
    fn from(e: jni::errors::Error) -> Self {
        Failure::Jni(e)
    }
}

type R<T> = std::result::Result<T, Failure>;

/// Throws the Java exception that matches the failure; panics become `ImageSimilarityException`
/// with the panic's message (the built-in policy drops `String` payloads).
struct ThrowJava;

fn throw(env: &mut Env<'_>, class: &jni::strings::JNIStr, msg: &str) {
    if env.exception_check() {
        return; // the first exception wins
    }
    let msg = jni::strings::JNIString::from(msg);
    if env.throw_new(class, &*msg).is_err() && !env.exception_check() {
        let _ = env.throw_new(jni_str!("java/lang/RuntimeException"), &*msg);
    }
}

impl<T: Default> ErrorPolicy<T, Failure> for ThrowJava {
    type Captures<'unowned_env_local: 'native_method, 'native_method> = ();

    fn on_error<'l: 'n, 'n>(env: &mut Env<'l>, _: &mut (), err: Failure) -> jni::errors::Result<T> {
        match err {
            Failure::Imgsim(e) => {
                let class = match &e {
                    Error::InvalidArgument(_) => jni_str!("java/lang/IllegalArgumentException"),
                    Error::Closed(_) => jni_str!("java/lang/IllegalStateException"),
                    Error::ImageTooLarge(_) => jni_str!("dev/imgsim/ImageTooLargeException"),
                    Error::Decode(_) => jni_str!("dev/imgsim/ImageDecodeException"),
                    Error::Model(_) => jni_str!("dev/imgsim/ModelLoadException"),
                    Error::Runtime(_) => jni_str!("dev/imgsim/ImageSimilarityException"),
                };
                throw(env, class, e.message());
            }
            Failure::Jni(e) => throw(
                env,
                jni_str!("dev/imgsim/ImageSimilarityException"),
                &format!("JNI call failed: {e}"),
            ),
        }
        Ok(T::default())
    }

    fn on_panic<'l: 'n, 'n>(
        env: &mut Env<'l>,
        _: &mut (),
        payload: Box<dyn std::any::Any + Send + 'static>,
    ) -> jni::errors::Result<T> {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        // Dropping a payload can itself panic; leak it instead of risking that.
        std::mem::forget(payload);
        log::error!("panic in imgsim native code: {msg}");
        throw(
            env,
            jni_str!("dev/imgsim/ImageSimilarityException"),
            &format!("internal error in imgsim native code (please report it): {msg}"),
        );
        Ok(T::default())
    }
}

fn model<'a>(handle: jlong) -> R<&'a Model> {
    if handle == 0 {
        return Err(Error::Closed("this ImageSimilarity is closed".into()).into());
    }
    // SAFETY: the Java side only passes handles returned by `open` and not yet closed, and its
    // lock keeps `close` from running while any call holds the handle.
    Ok(unsafe { &*(handle as *const Model) })
}

fn string(env: &Env<'_>, s: &JString<'_>) -> R<Option<String>> {
    if s.is_null() {
        return Ok(None);
    }
    Ok(Some(s.try_to_string(env)?))
}

/// The contents of a Java `byte[]` (never null: `what` names it in the error).
fn bytes(env: &Env<'_>, a: &JByteArray<'_>, what: &str) -> R<Vec<u8>> {
    if a.is_null() {
        return Err(Error::InvalidArgument(format!("{what} is null")).into());
    }
    let mut buf = vec![0i8; a.len(env)?];
    a.get_region(env, 0, &mut buf)?;
    Ok(buf.into_iter().map(|b| b as u8).collect())
}

fn ints(env: &Env<'_>, a: &JIntArray<'_>, what: &str) -> R<Vec<jint>> {
    if a.is_null() {
        return Err(Error::InvalidArgument(format!("{what} is null")).into());
    }
    let mut buf = vec![0; a.len(env)?];
    a.get_region(env, 0, &mut buf)?;
    Ok(buf)
}

fn floats3(env: &Env<'_>, a: &JFloatArray<'_>, what: &str) -> R<Option<[f32; 3]>> {
    if a.is_null() {
        return Ok(None);
    }
    if a.len(env)? != 3 {
        return Err(Error::InvalidArgument(format!("{what} needs exactly 3 values (R, G, B)")).into());
    }
    let mut v = [0f32; 3];
    a.get_region(env, 0, &mut v)?;
    Ok(Some(v))
}

/// Decodes the layout descriptor written by `RasterAdapter.java`: its slots and format codes
/// are the constants of [`contract::raster`], pinned to the Java ones by `NativeContractTest`.
fn layout(env: &Env<'_>, desc: &JIntArray<'_>) -> R<Layout> {
    use contract::raster::*;
    let mut d = [0i32; LENGTH];
    if desc.is_null() || desc.len(env)? != d.len() {
        return Err(Error::InvalidArgument(format!("raster descriptor must have {LENGTH} values")).into());
    }
    desc.get_region(env, 0, &mut d)?;
    let u = |i: usize, what: &str| -> R<usize> {
        usize::try_from(d[i]).map_err(|_| Error::InvalidArgument(format!("raster {what} is negative: {}", d[i])).into())
    };
    let opt = |i: usize| usize::try_from(d[i]).ok();
    let (r, g, b, a) = (CHANNELS, CHANNELS + 1, CHANNELS + 2, CHANNELS + 3);
    let format = match d[FORMAT] {
        FORMAT_PACKED => Format::Packed {
            r_shift: u(r, "shift")? as u32,
            g_shift: u(g, "shift")? as u32,
            b_shift: u(b, "shift")? as u32,
            a_shift: opt(a).map(|s| s as u32),
        },
        FORMAT_INTERLEAVED => Format::Interleaved {
            r: u(r, "band offset")?,
            g: u(g, "band offset")?,
            b: u(b, "band offset")?,
            a: opt(a),
        },
        FORMAT_GRAY => Format::Gray { band: u(r, "band offset")? },
        f => return Err(Error::InvalidArgument(format!("unknown raster format {f}")).into()),
    };
    Ok(Layout {
        width: u(WIDTH, "width")?,
        height: u(HEIGHT, "height")?,
        offset: u(OFFSET, "offset")?,
        scanline_stride: u(SCANLINE_STRIDE, "scanline stride")?,
        pixel_stride: u(PIXEL_STRIDE, "pixel stride")?,
        format,
        premultiplied: d[PREMULTIPLIED] != 0,
    })
}

/// Which Java array holds the pixels.
enum Pixels<'a, 'l> {
    Ints(&'a JIntArray<'l>),
    Bytes(&'a JByteArray<'l>),
    Shorts(&'a JShortArray<'l>),
}

/// Converts a raster into `out`, reading the Java array inside a critical section (no copy,
/// no JNI calls inside). The pixel limit is checked before the array is touched.
fn fill(env: &Env<'_>, m: &Model, px: Pixels<'_, '_>, desc: &JIntArray<'_>, out: &mut [f32]) -> R<()> {
    let layout = layout(env, desc)?;
    m.check_pixels(layout.width, layout.height, "image")?;
    use jni::objects::ReleaseMode::NoCopyBack;
    match px {
        Pixels::Ints(a) => {
            null_check(a.is_null())?;
            // SAFETY: read-only access; no JNI calls while the critical section is held.
            let el = unsafe { a.get_elements_critical(env, NoCopyBack)? };
            m.tensor_from_pixels(Samples::I32(&el), &layout, out)?;
        }
        Pixels::Bytes(a) => {
            null_check(a.is_null())?;
            let el = unsafe { a.get_elements_critical(env, NoCopyBack)? };
            // SAFETY: i8 and u8 have the same size and alignment.
            let s = unsafe { std::slice::from_raw_parts(el.as_ptr() as *const u8, el.len()) };
            m.tensor_from_pixels(Samples::U8(s), &layout, out)?;
        }
        Pixels::Shorts(a) => {
            null_check(a.is_null())?;
            let el = unsafe { a.get_elements_critical(env, NoCopyBack)? };
            // SAFETY: i16 and u16 have the same size and alignment.
            let s = unsafe { std::slice::from_raw_parts(el.as_ptr() as *const u16, el.len()) };
            m.tensor_from_pixels(Samples::U16(s), &layout, out)?;
        }
    }
    Ok(())
}

fn null_check(is_null: bool) -> R<()> {
    if is_null {
        return Err(Error::InvalidArgument("pixel array is null".into()).into());
    }
    Ok(())
}

fn embed_pixels<'l>(env: &mut Env<'l>, h: jlong, px: Pixels<'_, '_>, desc: &JIntArray<'_>) -> R<JFloatArray<'l>> {
    let m = model(h)?;
    let mut tensor = vec![0f32; m.preprocess.tensor_len()];
    fill(env, m, px, desc, &mut tensor)?;
    let emb = m.run(&tensor, 1)?;
    float_array(env, &emb)
}

fn float_array<'l>(env: &mut Env<'l>, v: &[f32]) -> R<JFloatArray<'l>> {
    let arr = JFloatArray::new(env, v.len())?;
    arr.set_region(env, 0, v)?;
    Ok(arr)
}

/// Images prepared for one batched run.
struct Batch {
    n: usize,
    tensor: Vec<f32>,
}

fn batch<'a>(handle: jlong) -> R<&'a mut Batch> {
    if handle == 0 {
        return Err(Error::InvalidArgument("batch handle is 0".into()).into());
    }
    // SAFETY: handles come from `batchNew`; the Java side uses each on one thread and frees it once.
    Ok(unsafe { &mut *(handle as *mut Batch) })
}

fn batch_slot<'a>(m: &Model, b: &'a mut Batch, i: jint) -> R<&'a mut [f32]> {
    let per = m.preprocess.tensor_len();
    match usize::try_from(i) {
        Ok(i) if i < b.n => Ok(&mut b.tensor[i * per..(i + 1) * per]),
        _ => Err(Error::InvalidArgument(format!("batch index {i} outside 0..{}", b.n)).into()),
    }
}

natives! { class "dev_imgsim_internal_Native" as "Native", list native_contract;
    /// Every entry point of the library as `Class.name(arguments)result`, then the raster
    /// descriptor's constants as `raster.NAME=value` and the copy verification's as
    /// `verify.NAME=value` (`NativeContractTest` checks all three).
    fn contract<'l>(env) -> JObjectArray<'l> as "[Ljava/lang/String;" {
        let mut lines = native_contract();
        lines.extend(copies::native_copies_contract());
        lines.extend(text::text_contract());
        lines.extend(rerank::rerank_contract());
        lines.extend(logging::log_contract());
        lines.extend(contract::raster::lines().into_iter().map(|l| format!("raster.{l}")));
        lines.extend(contract::verify::lines().into_iter().map(|l| format!("verify.{l}")));
        string_array(env, &lines)
    }

    fn initRuntime<'l>(env, path: JString<'l>) -> JString<'l> {
        let p = string(env, &path)?.ok_or_else(|| Error::InvalidArgument("ONNX Runtime path is null".into()))?;
        let version = crate::runtime::init(&PathBuf::from(p))?;
        Ok(JString::from_str(env, version)?)
    }

    /// Opens a model from a file (`path`) or from memory (`bytes`); returns a handle.
    fn open<'l>(env, path: JString<'l>, bytes: JByteArray<'l>, input_name: JString<'l>, output_name: JString<'l>,
            width: jint, height: jint, mean: JFloatArray<'l>, std: JFloatArray<'l>, intra_threads: jint,
            pool_size: jint, max_pixels: jlong, cuda_device: jint) -> jlong {
        let path = string(env, &path)?;
        let positive = |v: jint| usize::try_from(v).ok().filter(|&v| v > 0);
        let options = Options {
            input_name: string(env, &input_name)?,
            output_name: string(env, &output_name)?,
            width: positive(width),
            height: positive(height),
            mean: floats3(env, &mean, "mean")?,
            std: floats3(env, &std, "std")?,
            intra_threads: usize::try_from(intra_threads).unwrap_or(0),
            pool_size: positive(pool_size).unwrap_or(1),
            max_pixels: u64::try_from(max_pixels).unwrap_or(0),
            device: if cuda_device >= 0 { crate::pool::Device::Cuda(cuda_device) } else { crate::pool::Device::Cpu },
        };
        let m = match path {
            Some(p) => Model::load(std::path::Path::new(&p), options)?,
            None if !bytes.is_null() => Model::from_bytes(self::bytes(env, &bytes, "model bytes")?, "(bundled model)", options)?,
            None => return Err(Error::InvalidArgument("model path and bytes are both null".into()).into()),
        };
        Ok(Box::into_raw(Box::new(m)) as jlong)
    }

    fn close<'l>(env, h: jlong) {
        // SAFETY: called once per handle, after all calls using it have finished (Java lock).
        unsafe { contract::free::<Model>(h) };
        Ok(())
    }

    /// The model's description, as one `dev.imgsim.internal.ModelInfo`.
    fn describe<'l>(env, h: jlong) -> JObject<'l> as "Ldev/imgsim/internal/ModelInfo;" {
        let m = model(h)?;
        let info = ModelInfo {
            embedding_size: m.embedding_size,
            input_width: m.preprocess.width,
            input_height: m.preprocess.height,
            max_tokens: 0,
            batchable: m.batchable,
            sessions_created: m.sessions_created(),
            input_name: &m.input_name,
            output_name: &m.output_name,
            input_shape: &m.input_shape,
            metadata: &m.metadata,
        };
        info.to_java(env)
    }

    /// Native models alive in this process (for leak tests).
    fn liveModels<'l>(env) -> jlong {
        Ok(LIVE_MODELS.load(std::sync::atomic::Ordering::Relaxed))
    }

    fn embedInts<'l>(env, h: jlong, data: JIntArray<'l>, desc: JIntArray<'l>) -> JFloatArray<'l> {
        embed_pixels(env, h, Pixels::Ints(&data), &desc)
    }

    fn embedBytes<'l>(env, h: jlong, data: JByteArray<'l>, desc: JIntArray<'l>) -> JFloatArray<'l> {
        embed_pixels(env, h, Pixels::Bytes(&data), &desc)
    }

    fn embedShorts<'l>(env, h: jlong, data: JShortArray<'l>, desc: JIntArray<'l>) -> JFloatArray<'l> {
        embed_pixels(env, h, Pixels::Shorts(&data), &desc)
    }

    fn embedFile<'l>(env, h: jlong, path: JString<'l>) -> JFloatArray<'l> {
        let m = model(h)?;
        let path = string(env, &path)?.ok_or_else(|| Error::InvalidArgument("image path is null".into()))?;
        let mut tensor = vec![0f32; m.preprocess.tensor_len()];
        m.tensor_from_file(std::path::Path::new(&path), &mut tensor)?;
        float_array(env, &m.run(&tensor, 1)?)
    }

    /// Decodes an encoded image (JPEG, PNG, ... in memory) and embeds it; `what` names it in errors.
    fn embedEncoded<'l>(env, h: jlong, data: JByteArray<'l>, what: JString<'l>) -> JFloatArray<'l> {
        let m = model(h)?;
        let what = string(env, &what)?.unwrap_or_else(|| "image bytes".into());
        let data = bytes(env, &data, "encoded image")?;
        let mut tensor = vec![0f32; m.preprocess.tensor_len()];
        m.tensor_from_encoded(&data, &what, &mut tensor)?;
        float_array(env, &m.run(&tensor, 1)?)
    }

    fn batchNew<'l>(env, h: jlong, n: jint) -> jlong {
        let m = model(h)?;
        let n = usize::try_from(n).ok().filter(|&n| n > 0).ok_or_else(|| Error::InvalidArgument(format!("batch size {n} is not positive")))?;
        let len = n.checked_mul(m.preprocess.tensor_len()).ok_or_else(|| Error::InvalidArgument("batch too large".into()))?;
        Ok(Box::into_raw(Box::new(Batch { n, tensor: vec![0f32; len] })) as jlong)
    }

    fn batchFree<'l>(env, b: jlong) {
        // SAFETY: called once per batch handle (Java try/finally).
        unsafe { contract::free::<Batch>(b) };
        Ok(())
    }

    fn batchPutInts<'l>(env, h: jlong, b: jlong, i: jint, data: JIntArray<'l>, desc: JIntArray<'l>) {
        batch_put(env, h, b, i, Pixels::Ints(&data), &desc)
    }

    fn batchPutBytes<'l>(env, h: jlong, b: jlong, i: jint, data: JByteArray<'l>, desc: JIntArray<'l>) {
        batch_put(env, h, b, i, Pixels::Bytes(&data), &desc)
    }

    fn batchPutShorts<'l>(env, h: jlong, b: jlong, i: jint, data: JShortArray<'l>, desc: JIntArray<'l>) {
        batch_put(env, h, b, i, Pixels::Shorts(&data), &desc)
    }

    fn batchPutFile<'l>(env, h: jlong, b: jlong, i: jint, path: JString<'l>) {
        let m = model(h)?;
        let path = string(env, &path)?.ok_or_else(|| Error::InvalidArgument("image path is null".into()))?;
        m.tensor_from_file(std::path::Path::new(&path), batch_slot(m, batch(b)?, i)?)?;
        Ok(())
    }

    /// Runs the batch; returns `float[n][embeddingSize]`.
    fn batchRun<'l>(env, h: jlong, b: jlong) -> JObjectArray<'l> as "[[F" {
        let m = model(h)?;
        let b = batch(b)?;
        let all = m.run(&b.tensor, b.n)?;
        float_rows(env, all.chunks_exact(m.embedding_size))
    }
}

fn batch_put(env: &mut Env<'_>, h: jlong, b: jlong, i: jint, px: Pixels<'_, '_>, desc: &JIntArray<'_>) -> R<()> {
    let m = model(h)?;
    fill(env, m, px, desc, batch_slot(m, batch(b)?, i)?)
}

/// `float[rows][]` from rows of floats.
fn float_rows<'l, 'r>(env: &mut Env<'l>, rows: impl ExactSizeIterator<Item = &'r [f32]>) -> R<JObjectArray<'l>> {
    let out = env.new_object_array(rows.len() as i32, jni_str!("[F"), JObject::null())?;
    for (i, row) in rows.enumerate() {
        let arr = float_array(env, row)?;
        out.set_element(env, i, &arr)?;
        env.delete_local_ref(arr);
    }
    Ok(out)
}

fn string_array<'l, S: AsRef<str>>(env: &mut Env<'l>, items: &[S]) -> R<JObjectArray<'l>> {
    let out = env.new_object_array(items.len() as i32, jni_str!("java/lang/String"), JObject::null())?;
    for (i, s) in items.iter().enumerate() {
        let js = JString::from_str(env, s.as_ref())?;
        out.set_element(env, i, &js)?;
        env.delete_local_ref(js);
    }
    Ok(out)
}

fn int_array<'l>(env: &mut Env<'l>, v: &[jint]) -> R<JIntArray<'l>> {
    let arr = JIntArray::new(env, v.len())?;
    arr.set_region(env, 0, v)?;
    Ok(arr)
}

/// What `dev.imgsim.internal.ModelInfo` holds, for image and text models alike.
struct ModelInfo<'a> {
    embedding_size: usize,
    input_width: usize,
    input_height: usize,
    max_tokens: usize,
    batchable: bool,
    sessions_created: usize,
    input_name: &'a str,
    output_name: &'a str,
    input_shape: &'a [i64],
    metadata: &'a [(String, String)],
}

impl ModelInfo<'_> {
    fn to_java<'l>(&self, env: &mut Env<'l>) -> R<JObject<'l>> {
        use jni::JValue;
        let int = |v: usize| JValue::Int(i32::try_from(v).unwrap_or(i32::MAX));
        let input_name = JString::from_str(env, self.input_name)?;
        let output_name = JString::from_str(env, self.output_name)?;
        let shape = jni::objects::JLongArray::new(env, self.input_shape.len())?;
        shape.set_region(env, 0, self.input_shape)?;
        let pairs: Vec<&String> = self.metadata.iter().flat_map(|(k, v)| [k, v]).collect();
        let metadata = string_array(env, &pairs)?;
        Ok(env.new_object(
            jni_str!("dev/imgsim/internal/ModelInfo"),
            jni::jni_sig!("(IIIIZILjava/lang/String;Ljava/lang/String;[J[Ljava/lang/String;)V"),
            &[
                int(self.embedding_size),
                int(self.input_width),
                int(self.input_height),
                int(self.max_tokens),
                JValue::Bool(self.batchable),
                int(self.sessions_created),
                JValue::Object(&input_name),
                JValue::Object(&output_name),
                JValue::Object(&shape),
                JValue::Object(&metadata),
            ],
        )?)
    }
}

mod contract;
mod copies;
mod logging;
mod rerank;
mod text;
