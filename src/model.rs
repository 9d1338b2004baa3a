//! An image embedding model: model inspection, the preprocessing read from the model's metadata,
//! and copy analysis (the embeddings of an image and of its 90-degree turn in one batch, plus
//! the content fingerprint of [`crate::copies`]); sessions, threads and metadata reading are
//! [`crate::pool`]'s.

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use ort::session::Session;
use ort::value::{TensorElementType, TensorRef, ValueType};

use crate::copies::{self, Fingerprint};
use crate::decode;
use crate::error::{Error, Result};
use crate::pixels::{self, Layout, Samples};
use crate::preprocess::{self, Preprocess};
use crate::pool::SessionPool;

/// The `metadata_props` keys this library reads; the one place that defines them. The Python
/// exporter (`python/imgsim_model/export.py`) writes the same names.
pub mod keys {
    pub const INPUT_WIDTH: &str = "imgsim.input_width";
    pub const INPUT_HEIGHT: &str = "imgsim.input_height";
    /// Three comma-separated floats, for samples scaled to [0, 1].
    pub const MEAN: &str = "imgsim.mean";
    pub const STD: &str = "imgsim.std";
    /// Must be "RGB" when present.
    pub const CHANNEL_ORDER: &str = "imgsim.channel_order";
    /// Informational: how images are resized ("stretch-bilinear-antialias").
    pub const RESIZE: &str = "imgsim.resize";
    pub const EMBEDDING_SIZE: &str = "imgsim.embedding_size";
    pub const MODEL_NAME: &str = "imgsim.model_name";
    pub const MODEL_VERSION: &str = "imgsim.model_version";
}

/// ImageNet statistics: used when neither the caller nor the model's metadata give any.
pub const DEFAULT_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
pub const DEFAULT_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// Live `Model` count, for leak tests.
pub static LIVE_MODELS: AtomicI64 = AtomicI64::new(0);

/// What the caller asks for; `None` means "from the model".
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub input_name: Option<String>,
    pub output_name: Option<String>,
    pub width: Option<usize>,
    pub height: Option<usize>,
    pub mean: Option<[f32; 3]>,
    pub std: Option<[f32; 3]>,
    /// ONNX Runtime intra-op threads per session; 0 = adaptive (see the module docs).
    pub intra_threads: usize,
    /// Sessions that may run at once; at least 1.
    pub pool_size: usize,
    pub max_pixels: u64,
    /// CPU (default) or CUDA.
    pub device: crate::pool::Device,
}

pub struct Model {
    pub preprocess: Preprocess,
    pub input_name: String,
    pub output_name: String,
    pub embedding_size: usize,
    /// The model accepts more than one image per run.
    pub batchable: bool,
    /// The input's declared shape (-1 for dynamic dimensions).
    pub input_shape: Vec<i64>,
    /// The model's `metadata_props`, sorted by key.
    pub metadata: Vec<(String, String)>,
    pub max_pixels: u64,
    sessions: SessionPool,
}

impl Model {
    /// Loads and inspects the ONNX model at `path`; ONNX Runtime must be loaded (`runtime::init`).
    pub fn load(path: &Path, options: Options) -> Result<Model> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::Model(format!("cannot read the ONNX model {}: {e}", path.display()))
        })?;
        Model::from_bytes(bytes, &path.display().to_string(), options)
    }

    /// Loads a model held in memory; `what` names it in error messages.
    pub fn from_bytes(bytes: Vec<u8>, what: &str, mut options: Options) -> Result<Model> {
        options.pool_size = options.pool_size.max(1);
        if options.max_pixels == 0 {
            return Err(Error::InvalidArgument("maxPixels must be positive".into()));
        }
        let (mut sessions, session) = SessionPool::new(bytes, options.intra_threads, options.pool_size, options.device, what)?;
        let inspected = inspect(&session, &options, what)?;
        sessions.give(session);
        let model = Model {
            preprocess: inspected.preprocess,
            input_name: inspected.input_name,
            output_name: inspected.output_name,
            embedding_size: 0,
            batchable: inspected.batchable,
            input_shape: inspected.input_shape,
            metadata: inspected.metadata,
            max_pixels: options.max_pixels,
            sessions,
        };
        // counted from construction: `Drop` (which decrements) also runs if the probe below fails
        LIVE_MODELS.fetch_add(1, Ordering::Relaxed);
        let mut model = model;
        // A probe run checks the output's shape and type, learns the embedding size, and warms
        // the session up so the caller's first embedding is not the slow one.
        let probe = vec![0.0f32; model.preprocess.tensor_len()];
        let out = model.run(&probe, 1).map_err(|e| match e {
            Error::Runtime(m) | Error::Model(m) => {
                Error::Model(format!("the ONNX model {what} fails on a test input: {m}"))
            }
            other => other,
        })?;
        model.embedding_size = out.len();
        if model.embedding_size == 0 {
            return Err(Error::Model(format!("the ONNX model {what} returns an empty embedding")));
        }
        log::debug!(
            "model {what}: input {} {}x{}, output {} [{}], batchable {}",
            model.input_name,
            model.preprocess.width,
            model.preprocess.height,
            model.output_name,
            model.embedding_size,
            model.batchable
        );
        Ok(model)
    }

    /// Converts a raster to the model's input tensor, writing into `out` (`tensor_len` values).
    pub fn tensor_from_pixels(&self, samples: Samples<'_>, layout: &Layout, out: &mut [f32]) -> Result<()> {
        self.check_pixels(layout.width, layout.height, "image")?;
        if preprocess::tensor_direct(samples, layout, &self.preprocess, out)? {
            return Ok(());
        }
        let mut rgb = Vec::new();
        pixels::to_rgb8(samples, layout, &mut rgb)?;
        preprocess::to_tensor(&rgb, layout.width, layout.height, &self.preprocess, out)
    }

    /// Decodes an image file into the model's input tensor.
    pub fn tensor_from_file(&self, path: &Path, out: &mut [f32]) -> Result<()> {
        let target = (self.preprocess.width, self.preprocess.height);
        let img = decode::decode_file_for(path, self.max_pixels, Some(target))?;
        preprocess::to_tensor(&img.data, img.width, img.height, &self.preprocess, out)
    }

    /// Decodes an encoded image held in memory (any supported format) into the input tensor;
    /// `what` names it in errors.
    pub fn tensor_from_encoded(&self, bytes: &[u8], what: &str, out: &mut [f32]) -> Result<()> {
        let target = (self.preprocess.width, self.preprocess.height);
        let img = decode::decode_bytes_for(bytes, what, self.max_pixels, Some(target))?;
        preprocess::to_tensor(&img.data, img.width, img.height, &self.preprocess, out)
    }

    /// Copy-detection features of a decoded image: the embedding of the image and of the image
    /// turned 90 degrees counter-clockwise (a turned copy's embedding is close to the second, a
    /// 180-degree turn's to the first), then, when the image is a picture on a plain canvas
    /// (`inner::inner_box`: a screenshot, a padded or captioned copy), the embedding of that
    /// picture: `2 * embedding_size` or `3 * embedding_size` values; and the content fingerprint.
    pub fn analyze_rgb(&self, rgb: &[u8], w: usize, h: usize) -> Result<(Vec<f32>, Fingerprint)> {
        let p = &self.preprocess;
        let per = p.tensor_len();
        let found = crate::inner::inner_box(rgb, w, h);
        let fp = Fingerprint::from_rgb_with(rgb, w, h, found)?;
        // embedded when the fingerprint keeps it (not flat, smaller than the content box)
        let inner = found.filter(|_| fp.inner.is_some());
        let views = if inner.is_some() { 3 } else { 2 };
        let mut tensor = vec![0f32; views * per];
        preprocess::to_tensor(rgb, w, h, p, &mut tensor[..per])?;
        if let Some((x0, y0, x1, y1)) = inner {
            let (cw, ch) = (x1 - x0, y1 - y0);
            let mut crop = Vec::with_capacity(cw * ch * 3);
            for y in y0..y1 {
                crop.extend_from_slice(&rgb[(y * w + x0) * 3..(y * w + x1) * 3]);
            }
            preprocess::to_tensor(&crop, cw, ch, p, &mut tensor[2 * per..])?;
        }
        let (first, rest) = tensor.split_at_mut(per);
        let second = &mut rest[..per];
        if p.width == p.height {
            // the stretch to a square commutes with the turn: turn the tensor's planes
            let s = p.width;
            for (src, dst) in first.chunks_exact(s * s).zip(second.chunks_exact_mut(s * s)) {
                for y in 0..s {
                    for x in 0..s {
                        // counter-clockwise: output (x, y) shows input (s - 1 - y, x)
                        dst[y * s + x] = src[x * s + (s - 1 - y)];
                    }
                }
            }
        } else {
            let turned = copies::turn_rgb(rgb, w, h);
            preprocess::to_tensor(&turned, h, w, p, second)?;
        }
        let emb = self.run(&tensor, views)?;
        Ok((emb, fp))
    }

    /// `analyze_rgb` of an image file (decoded once, JPEGs at reduced scale).
    pub fn analyze_file(&self, path: &Path) -> Result<(Vec<f32>, Fingerprint)> {
        let target = (self.preprocess.width, self.preprocess.height);
        let img = decode::decode_file_for(path, self.max_pixels, Some(target))?;
        self.analyze_rgb(&img.data, img.width, img.height)
    }

    pub fn check_pixels(&self, w: usize, h: usize, what: &str) -> Result<()> {
        let n = w as u64 * h as u64;
        if n > self.max_pixels {
            return Err(Error::ImageTooLarge(format!(
                "{what} has {w}x{h} = {n} pixels, more than the limit of {}; raise maxPixels if such images are expected",
                self.max_pixels
            )));
        }
        Ok(())
    }

    /// Runs `n` images held in `tensor` (n * tensor_len values); returns n * embedding_size values.
    pub fn run(&self, tensor: &[f32], n: usize) -> Result<Vec<f32>> {
        let per = self.preprocess.tensor_len();
        if n == 0 || tensor.len() != n * per {
            return Err(Error::InvalidArgument(format!(
                "tensor of {} values does not hold {n} images of {per} values",
                tensor.len()
            )));
        }
        if n > 1 && !self.batchable {
            let mut all = Vec::with_capacity(n * self.embedding_size);
            for chunk in tensor.chunks_exact(per) {
                all.extend(self.run(chunk, 1)?);
            }
            return Ok(all);
        }
        let mut session = self.sessions.checkout()?;
        let start = Instant::now();
        let result = self.run_on(session.session(), tensor, n);
        if result.is_ok() {
            session.timed(start.elapsed().as_secs_f64() * 1e3 / n as f64);
        }
        drop(session);
        result
    }

    fn run_on(&self, session: &mut Session, tensor: &[f32], n: usize) -> Result<Vec<f32>> {
        let p = &self.preprocess;
        let input = TensorRef::from_array_view(([n, 3, p.height, p.width], tensor))
            .map_err(|e| Error::Runtime(format!("cannot wrap the input tensor: {e}")))?;
        let outputs = session
            .run(ort::inputs![self.input_name.as_str() => input])
            .map_err(|e| Error::Runtime(format!("ONNX Runtime failed to run the model: {e}")))?;
        let value = outputs.get(self.output_name.as_str()).ok_or_else(|| {
            Error::Model(format!("the model produced no output named {}", self.output_name))
        })?;
        let (shape, data) = value.try_extract_tensor::<f32>().map_err(|e| {
            Error::Model(format!("output {} is not a float tensor: {e}", self.output_name))
        })?;
        if shape.len() != 2 || shape[0] != n as i64 {
            return Err(Error::Model(format!(
                "output {} has shape {:?} for a batch of {n}; an embedding model must return [N, D]",
                self.output_name,
                &shape[..]
            )));
        }
        if self.embedding_size != 0 && shape[1] as usize != self.embedding_size {
            return Err(Error::Model(format!(
                "output {} changed size from {} to {}",
                self.output_name, self.embedding_size, shape[1]
            )));
        }
        Ok(data.to_vec())
    }

    /// Sessions created so far (for tests and diagnostics).
    pub fn sessions_created(&self) -> usize {
        self.sessions.sessions_created()
    }
}
impl Drop for Model {
    fn drop(&mut self) {
        LIVE_MODELS.fetch_sub(1, Ordering::Relaxed);
    }
}


struct Inspected {
    input_shape: Vec<i64>,
    metadata: Vec<(String, String)>,
    preprocess: Preprocess,
    input_name: String,
    output_name: String,
    batchable: bool,
}

fn pick<'a>(outlets: &'a [ort::value::Outlet], wanted: &Option<String>, kind: &str, what: &str) -> Result<&'a ort::value::Outlet> {
    let names = || outlets.iter().map(|o| o.name().to_string()).collect::<Vec<_>>().join(", ");
    match wanted {
        Some(name) => outlets.iter().find(|o| o.name() == name).ok_or_else(|| {
            Error::Model(format!("the model {what} has no {kind} named {name}; it has: {}", names()))
        }),
        None if outlets.len() == 1 => Ok(&outlets[0]),
        None => Err(Error::Model(format!(
            "the model {what} has {} {kind}s ({}); name the one to use in the builder",
            outlets.len(),
            names()
        ))),
    }
}

fn inspect(session: &Session, o: &Options, what: &str) -> Result<Inspected> {
    let input = pick(session.inputs(), &o.input_name, "input", what)?;
    let output = pick(session.outputs(), &o.output_name, "output", what)?;
    let dims: Vec<i64> = match input.dtype() {
        ValueType::Tensor { ty: TensorElementType::Float32, shape, .. } => shape.iter().copied().collect(),
        other => {
            return Err(Error::Model(format!(
                "input {} of {what} is {other}; an image model needs a float32 tensor [N, 3, H, W]",
                input.name()
            )))
        }
    };
    if dims.len() != 4 || (dims[1] != 3 && dims[1] != -1) {
        return Err(Error::Model(format!(
            "input {} of {what} has shape {dims:?}; an image model needs [N, 3, H, W] (NCHW, 3 channels)",
            input.name()
        )));
    }
    match output.dtype() {
        ValueType::Tensor { ty: TensorElementType::Float32, shape, .. } if shape.len() == 2 => {}
        other => {
            return Err(Error::Model(format!(
                "output {} of {what} is {other}; an embedding model must return a float32 tensor [N, D]",
                output.name()
            )))
        }
    }
    let meta = session.metadata().ok();
    let custom = |key: &str| -> Option<String> { meta.as_ref().and_then(|m| m.custom(key)) };
    let meta_dim = |key: &str| -> Result<Option<usize>> {
        match custom(key) {
            None => Ok(None),
            Some(v) => v.trim().parse::<usize>().map(Some).map_err(|_| {
                Error::Model(format!("metadata {key} of {what} is {v:?}, not a positive integer"))
            }),
        }
    };
    let meta_triple = |key: &str| -> Result<Option<[f32; 3]>> {
        let Some(v) = custom(key) else { return Ok(None) };
        let parts: Vec<f32> = v.split(',').map(|s| s.trim().parse::<f32>()).collect::<std::result::Result<_, _>>().map_err(|_| {
            Error::Model(format!("metadata {key} of {what} is {v:?}, not three comma-separated numbers"))
        })?;
        <[f32; 3]>::try_from(parts).map(Some).map_err(|_| {
            Error::Model(format!("metadata {key} of {what} is {v:?}, not three comma-separated numbers"))
        })
    };
    if let Some(order) = custom(keys::CHANNEL_ORDER) {
        if !order.eq_ignore_ascii_case("RGB") {
            return Err(Error::Model(format!(
                "metadata {} of {what} is {order:?}; only RGB is supported",
                keys::CHANNEL_ORDER
            )));
        }
    }
    let fixed = |d: i64| if d > 0 { Some(d as usize) } else { None };
    let width = o.width.or(meta_dim(keys::INPUT_WIDTH)?).or(fixed(dims[3]));
    let height = o.height.or(meta_dim(keys::INPUT_HEIGHT)?).or(fixed(dims[2]));
    let (width, height) = match (width, height) {
        (Some(w), Some(h)) => (w, h),
        _ => {
            return Err(Error::Model(format!(
                "the input {} of {what} has a dynamic size {dims:?} and the model's metadata does not give one; \
                 set the input size in the builder",
                input.name()
            )))
        }
    };
    if let (Some(fw), Some(fh)) = (fixed(dims[3]), fixed(dims[2])) {
        if (fw, fh) != (width, height) {
            return Err(Error::InvalidArgument(format!(
                "the model {what} takes exactly {fw}x{fh} images; an input size of {width}x{height} cannot be used"
            )));
        }
    }
    let preprocess = Preprocess {
        width,
        height,
        mean: o.mean.or(meta_triple(keys::MEAN)?).unwrap_or(DEFAULT_MEAN),
        std: o.std.or(meta_triple(keys::STD)?).unwrap_or(DEFAULT_STD),
    };
    preprocess.validate().map_err(|e| match e {
        Error::InvalidArgument(m) if o.mean.is_none() && o.std.is_none() => {
            Error::Model(format!("the preprocessing of {what} is unusable: {m}"))
        }
        other => other,
    })?;
    let metadata = crate::pool::metadata_of(session);
    Ok(Inspected {
        input_shape: dims.clone(),
        metadata,
        preprocess,
        input_name: input.name().to_string(),
        output_name: output.name().to_string(),
        batchable: dims[0] != 1,
    })
}

