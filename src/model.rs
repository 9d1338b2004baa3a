//! An embedding model: ONNX Runtime sessions, model inspection, and the preprocessing read from
//! the model's metadata. `Session::run` needs `&mut`, so sessions live in a small pool: each call
//! takes one (creating it lazily) or waits while `pool_size` calls are running.
//!
//! Threads (measured in docs/PERFORMANCE.md): one caller alone is usually fastest with all cores
//! in one run; two callers are fastest with one thread each (two-thread runs side by side
//! oversubscribe the cores). So by default ("adaptive") a call that starts while others run gets
//! a *narrow* one-thread session, and so does a call within [`OVERLAP_MEMORY`] of the last
//! overlap (callers in a loop leave short gaps between their calls; a call in such a gap would
//! oversubscribe the cores with the other caller's next run). A *lone* call gets a *wide* session
//! only where wide runs have measured faster than narrow ones: the pool times lone calls of both
//! widths (each [`WARM_SAMPLES`] times first, keeping the best recent time of each, then the
//! slower width again in short bursts, see [`EXPLORE_MIN`]), because splitting one run over the
//! cores costs more than it gains whenever another thread pool of the process (another library's
//! ONNX Runtime, say) keeps one of them busy. Wide sessions run on ONNX Runtime's process-wide
//! intra-op pool (one thread per core, [`runtime::global_pool_threads`]), shared by every model
//! of the process, so imgsim's own sessions never compete with each other's spinning workers;
//! narrow ones run on the caller's thread alone. An explicit `intra_threads` gives every session
//! a pool of its own of that size.

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use ort::session::{builder::GraphOptimizationLevel, Session};
use ort::value::{TensorElementType, TensorRef, ValueType};

use crate::decode;
use crate::error::{Error, Result};
use crate::pixels::{self, Layout, Samples};
use crate::preprocess::{self, Preprocess};
use crate::runtime;

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
}

pub struct Model {
    bytes: Vec<u8>,
    options: Options,
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
    pool: Mutex<Pool>,
    returned: Condvar,
}

struct Pool {
    idle_wide: Vec<Session>,
    idle_narrow: Vec<Session>,
    created: usize,
    active: usize,
    /// When a call last started while another was running (adaptive mode).
    last_overlap: Option<Instant>,
    /// Counts calls that started while another was running: a lone call is timed only if it
    /// did not change while the call ran.
    overlap_gen: u64,
    widths: WidthStats,
}

/// Lone calls of each width are tried this many times before the faster one is chosen, and
/// each width's estimate is the best of its last this many timings (noise only slows a run: the
/// first run after a pause, with the thread pool's workers asleep, can take twice as long).
pub const WARM_SAMPLES: usize = 3;
/// The slower width is timed again after this many lone calls once the choice changes; each
/// re-timing that confirms the choice doubles the wait, up to [`EXPLORE_MAX`]. So a short-lived
/// change of the machine's state (another pool's workers spinning for a moment) is left within a
/// few calls, and a lasting one costs at most [`EXPLORE_BURST`] calls in [`EXPLORE_MAX`].
pub const EXPLORE_MIN: u64 = 4;
pub const EXPLORE_MAX: u64 = 64;
/// Calls per re-timing burst: the first run after a pause is often slow, the second shows the width.
pub const EXPLORE_BURST: u32 = 2;

/// Per-image times of recent lone calls by width (adaptive mode): index 0 narrow, 1 wide.
#[derive(Default)]
struct WidthStats {
    recent: [[f64; WARM_SAMPLES]; 2],
    samples: [usize; 2],
    lone_calls: u64,
    /// Calls left in the current re-timing burst.
    exploring: u32,
    /// The width chosen after warm-up (None before).
    preferred: Option<bool>,
    /// Lone calls between re-timings, from [`EXPLORE_MIN`] to [`EXPLORE_MAX`].
    interval: u64,
    next_explore: u64,
}

impl WidthStats {
    fn estimate(&self, i: usize) -> f64 {
        self.recent[i].iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// Whether the next lone call runs wide: each width [`WARM_SAMPLES`] times (wide first),
    /// then the faster by its best recent time, the other in short bursts, more often just
    /// after the choice changed (see [`EXPLORE_MIN`]).
    fn choose_wide(&mut self) -> bool {
        self.lone_calls += 1;
        if self.samples[1] < WARM_SAMPLES {
            return true;
        }
        if self.samples[0] < WARM_SAMPLES {
            return false;
        }
        if let (true, Some(p)) = (self.exploring > 0, self.preferred) {
            self.exploring -= 1;
            return !p;
        }
        let wide_faster = self.estimate(1) <= self.estimate(0);
        match self.preferred {
            Some(p) if p == wide_faster => {
                if self.lone_calls >= self.next_explore {
                    self.exploring = EXPLORE_BURST - 1;
                    self.interval = (self.interval * 2).min(EXPLORE_MAX);
                    self.next_explore = self.lone_calls + EXPLORE_BURST as u64 + self.interval;
                    return !p;
                }
            }
            _ => {
                // the first choice, or the other width has measured faster: switch, check again soon
                self.preferred = Some(wide_faster);
                self.interval = EXPLORE_MIN;
                self.next_explore = self.lone_calls + EXPLORE_MIN;
            }
        }
        wide_faster
    }

    fn record(&mut self, wide: bool, ms_per_image: f64) {
        let i = wide as usize;
        self.recent[i][self.samples[i] % WARM_SAMPLES] = ms_per_image;
        self.samples[i] += 1;
        log::trace!(
            "lone call {} {:.2} ms/image; recent narrow {:?} wide {:?}",
            if wide { "wide" } else { "narrow" },
            ms_per_image,
            self.recent[0],
            self.recent[1]
        );
    }
}

/// How long after calls last overlapped a lone call still gets a narrow session (adaptive mode).
pub const OVERLAP_MEMORY: Duration = Duration::from_millis(200);

/// Adaptive mode: lone (a candidate for a wide session) when no call runs and none overlapped within [`OVERLAP_MEMORY`].
fn lone_call(active: usize, last_overlap: Option<Instant>, now: Instant) -> bool {
    active == 0 && last_overlap.map_or(true, |t| now.saturating_duration_since(t) > OVERLAP_MEMORY)
}

/// Where a session's intra-op work runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Threads {
    /// The process-wide pool ([`runtime::global_pool_threads`]), shared by every wide session.
    Shared,
    /// A pool of its own with this many threads (1: the caller alone, no worker threads).
    Own(usize),
}

/// The threads of a session: fixed by the caller, or (adaptive, `intra_threads == 0`) the
/// shared pool for a wide session and the caller's thread alone for a narrow one.
fn threads_for(intra_threads: usize, wide: bool) -> Threads {
    match intra_threads {
        0 if wide => Threads::Shared,
        0 => Threads::Own(1),
        n => Threads::Own(n),
    }
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
        if bytes.is_empty() {
            return Err(Error::Model(format!("the ONNX model {what} is empty (0 bytes)")));
        }
        options.pool_size = options.pool_size.max(1);
        if options.max_pixels == 0 {
            return Err(Error::InvalidArgument("maxPixels must be positive".into()));
        }
        let adaptive = options.intra_threads == 0;
        let session = new_session(&bytes, &options, adaptive, what)?;
        let inspected = inspect(&session, &options, what)?;
        let mut model = Model {
            bytes,
            preprocess: inspected.preprocess,
            input_name: inspected.input_name,
            output_name: inspected.output_name,
            embedding_size: 0,
            batchable: inspected.batchable,
            input_shape: inspected.input_shape,
            metadata: inspected.metadata,
            max_pixels: options.max_pixels,
            options,
            pool: Mutex::new(Pool {
                idle_wide: Vec::new(),
                idle_narrow: Vec::new(),
                created: 1,
                active: 0,
                last_overlap: None,
                overlap_gen: 0,
                widths: WidthStats::default(),
            }),
            returned: Condvar::new(),
        };
        // counted from construction: `Drop` (which decrements) also runs if the probe below fails
        LIVE_MODELS.fetch_add(1, Ordering::Relaxed);
        {
            let pool = model.pool.get_mut().unwrap_or_else(|p| p.into_inner());
            if adaptive {
                pool.idle_wide.push(session);
            } else {
                pool.idle_narrow.push(session);
            }
        }
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
        let mut session = self.checkout()?;
        let start = Instant::now();
        let result = self.run_on(session.session(), tensor, n);
        if result.is_ok() {
            session.ms_per_image = Some(start.elapsed().as_secs_f64() * 1e3 / n as f64);
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

    /// Waits until fewer than `pool_size` calls run, then takes an idle session of the right
    /// width (wide when no other call runs, in adaptive mode), creating one if none is idle.
    fn checkout(&self) -> Result<PooledSession<'_>> {
        let adaptive = self.options.intra_threads == 0;
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        while pool.active >= self.options.pool_size {
            pool = self.returned.wait(pool).unwrap_or_else(|p| p.into_inner());
        }
        let now = Instant::now();
        if pool.active > 0 {
            pool.last_overlap = Some(now);
            pool.overlap_gen += 1;
        }
        let lone = adaptive && lone_call(pool.active, pool.last_overlap, now);
        let wide = lone && pool.widths.choose_wide();
        pool.active += 1;
        let mut loan = PooledSession { session: None, wide, lone, gen: pool.overlap_gen, ms_per_image: None, model: self };
        let idle = if wide { pool.idle_wide.pop() } else { pool.idle_narrow.pop() };
        if let Some(s) = idle {
            loan.session = Some(s);
            return Ok(loan);
        }
        pool.created += 1;
        drop(pool);
        // a session's first run is slower (allocations): not timed
        loan.lone = false;
        match new_session(&self.bytes, &self.options, wide, "(pooled)") {
            Ok(s) => {
                loan.session = Some(s);
                Ok(loan)
            }
            Err(e) => {
                let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
                pool.created -= 1;
                pool.active -= 1;
                self.returned.notify_one();
                Err(e)
            }
        }
    }

    /// Sessions created so far (for tests and diagnostics).
    pub fn sessions_created(&self) -> usize {
        self.pool.lock().unwrap_or_else(|p| p.into_inner()).created
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        LIVE_MODELS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A session on loan; goes back to the pool when dropped, even on a panic.
struct PooledSession<'a> {
    session: Option<Session>,
    wide: bool,
    /// Started with no other call running or recently overlapping (adaptive mode): timed.
    lone: bool,
    /// `Pool::overlap_gen` at checkout.
    gen: u64,
    /// Set after a successful run.
    ms_per_image: Option<f64>,
    model: &'a Model,
}

impl PooledSession<'_> {
    fn session(&mut self) -> &mut Session {
        // Only `drop` takes the session out.
        self.session.as_mut().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for PooledSession<'_> {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            let mut pool = self.model.pool.lock().unwrap_or_else(|p| p.into_inner());
            if let (true, Some(ms)) = (self.lone && pool.overlap_gen == self.gen, self.ms_per_image) {
                pool.widths.record(self.wide, ms);
            }
            if self.wide {
                pool.idle_wide.push(session);
            } else {
                pool.idle_narrow.push(session);
            }
            pool.active -= 1;
            self.model.returned.notify_one();
        }
    }
}

fn new_session(bytes: &[u8], o: &Options, wide: bool, what: &str) -> Result<Session> {
    let env = runtime::environment()?;
    let err = |e: &dyn std::fmt::Display| Error::Runtime(format!("cannot configure an ONNX Runtime session: {e}"));
    let mut builder = Session::builder(env)
        .map_err(|e| err(&e))?
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|e| err(&e))?
        .with_log_level(runtime::session_log_level())
        .map_err(|e| err(&e))?;
    builder = match threads_for(o.intra_threads, wide) {
        Threads::Shared => builder,
        Threads::Own(n) => builder
            .with_independent_thread_pool()
            .and_then(|b| b.with_intra_threads(n))
            .map_err(|e| err(&e))?,
    };
    builder.commit_from_memory(bytes).map_err(|e| {
        Error::Model(format!(
            "ONNX Runtime cannot load the model {what}: {e}. Is it a valid .onnx file?"
        ))
    })
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
    let mut metadata: Vec<(String, String)> = meta
        .as_ref()
        .and_then(|m| m.custom_keys().ok())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|k| custom(&k).map(|v| (k, v)))
        .collect();
    metadata.sort();
    Ok(Inspected {
        input_shape: dims.clone(),
        metadata,
        preprocess,
        input_name: input.name().to_string(),
        output_name: output.name().to_string(),
        batchable: dims[0] != 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_sessions_share_the_process_pool_and_narrow_ones_run_on_the_callers_thread() {
        assert_eq!(threads_for(0, true), Threads::Shared, "adaptive, wide: the shared pool (all cores)");
        assert_eq!(threads_for(0, false), Threads::Own(1), "adaptive, narrow: one thread, no workers");
        assert_eq!(threads_for(1, true), Threads::Own(1), "fixed threads are what the caller asked for");
        assert_eq!(threads_for(2, false), Threads::Own(2));
        assert_eq!(threads_for(3, true), Threads::Own(3));
    }

    #[test]
    fn a_call_is_lone_only_once_overlap_is_forgotten() {
        let t0 = Instant::now();
        assert!(lone_call(0, None, t0), "never overlapped, nothing running: lone");
        assert!(!lone_call(1, None, t0), "another call running: narrow");
        assert!(!lone_call(0, Some(t0), t0 + OVERLAP_MEMORY / 2), "in a gap between overlapping callers: narrow");
        assert!(lone_call(0, Some(t0), t0 + OVERLAP_MEMORY * 2), "overlap long past: lone again");
        assert!(!lone_call(2, Some(t0), t0 + OVERLAP_MEMORY * 2));
    }

    fn widths(stats: &mut WidthStats, calls: usize, wide_ms: f64, narrow_ms: f64) -> Vec<bool> {
        (0..calls)
            .map(|_| {
                let wide = stats.choose_wide();
                stats.record(wide, if wide { wide_ms } else { narrow_ms });
                wide
            })
            .collect()
    }

    #[test]
    fn lone_calls_try_both_widths_then_keep_the_faster() {
        let n = WARM_SAMPLES;
        let mut s = WidthStats::default();
        let seq = widths(&mut s, 2 * n + 200, 9.0, 12.0);
        assert!(seq[..n].iter().all(|&w| w), "wide first");
        assert!(seq[n..2 * n].iter().all(|&w| !w), "then narrow");
        let wide = seq[2 * n..].iter().filter(|&&w| w).count();
        assert!(wide >= 200 - 12, "then the faster, wide, with a few re-timings of narrow: {wide} of 200");

        let mut s = WidthStats::default();
        let seq = widths(&mut s, 2 * n + 200, 22.0, 12.0);
        let narrow = seq[2 * n..].iter().filter(|&&w| !w).count();
        assert!(narrow >= 200 - 12, "wide slower (a busy VM): narrow, {narrow} of 200");
    }

    #[test]
    fn one_slow_run_after_a_pause_does_not_flip_the_choice() {
        let mut s = WidthStats::default();
        widths(&mut s, 2 * WARM_SAMPLES + 200, 9.0, 12.0);
        // the first wide runs after a pause are slow (workers asleep); then normal again
        s.record(true, 27.0);
        s.record(true, 19.0);
        assert!(s.estimate(1) < s.estimate(0));
    }

    #[test]
    fn a_lasting_slow_state_costs_at_most_a_burst_per_explore_max_calls() {
        let mut s = WidthStats::default();
        widths(&mut s, 2 * WARM_SAMPLES, 22.0, 12.0);
        let seq = widths(&mut s, 1000, 22.0, 12.0);
        let wide = seq.iter().filter(|&&w| w).count();
        let bound = EXPLORE_BURST as usize * (1000 / EXPLORE_MAX as usize + 6);
        assert!(wide <= bound, "{wide} slow wide calls in 1000, more than {bound}");
        assert!(wide >= EXPLORE_BURST as usize * (1000 / EXPLORE_MAX as usize), "still re-timed: {wide}");
    }

    #[test]
    fn a_short_slow_state_is_left_within_a_few_calls() {
        let mut s = WidthStats::default();
        widths(&mut s, 2 * WARM_SAMPLES + 500, 9.0, 12.0);
        // another pool's workers spin for a while: wide runs take twice as long
        let slow = widths(&mut s, 30, 24.0, 12.0);
        let first_narrow = slow.iter().position(|&w| !w).expect("moved to narrow");
        assert!(first_narrow <= WARM_SAMPLES + EXPLORE_BURST as usize, "left wide after {first_narrow} slow calls");
        assert!(slow[20..].iter().filter(|&&w| w).count() <= EXPLORE_BURST as usize);
        // the spinning stops: back to wide after at most a re-timing interval or two
        let fast = widths(&mut s, 40, 9.0, 12.0);
        let back = fast.iter().position(|&w| w).expect("re-timed wide");
        assert!(back <= 2 * EXPLORE_MIN as usize + EXPLORE_BURST as usize, "re-timed after {back}");
        assert!(fast[back..].iter().filter(|&&w| w).count() >= fast.len() - back - 3 * EXPLORE_BURST as usize, "stays wide: {fast:?}");
    }
}
