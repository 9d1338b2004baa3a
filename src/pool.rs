//! A pool of ONNX Runtime sessions of one model, shared by the image and text models.
//! `Session::run` needs `&mut`, so each call takes a session (creating it lazily) or waits while
//! `pool_size` calls are running.
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

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use ort::session::{builder::GraphOptimizationLevel, Session};

use crate::error::{Error, Result};
use crate::runtime;

/// Sessions of one model.
pub struct SessionPool {
    bytes: Vec<u8>,
    /// ONNX Runtime intra-op threads per session; 0 = adaptive (see the module docs).
    intra_threads: usize,
    /// Sessions that may run at once; at least 1.
    pool_size: usize,
    pool: Mutex<Pool>,
    returned: Condvar,
    device: Device,
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

    fn record(&mut self, wide: bool, ms_per_item: f64) {
        let i = wide as usize;
        self.recent[i][self.samples[i] % WARM_SAMPLES] = ms_per_item;
        self.samples[i] += 1;
        log::trace!(
            "lone call {} {:.2} ms/image; recent narrow {:?} wide {:?}",
            if wide { "wide" } else { "narrow" },
            ms_per_item,
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

impl SessionPool {
    /// Creates the pool with its first session (wide in adaptive mode), which is returned for
    /// the caller to inspect; hand it back with [`SessionPool::give`].
    pub fn new(bytes: Vec<u8>, intra_threads: usize, pool_size: usize, device: Device, what: &str) -> Result<(SessionPool, Session)> {
        if bytes.is_empty() {
            return Err(Error::Model(format!("the ONNX model {what} is empty (0 bytes)")));
        }
        let session = new_session(&bytes, intra_threads, intra_threads == 0, device, what)?;
        let pool = SessionPool {
            bytes,
            intra_threads,
            device,
            pool_size: pool_size.max(1),
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
        Ok((pool, session))
    }

    /// Puts the session from [`SessionPool::new`] into the pool.
    pub fn give(&mut self, session: Session) {
        let wide = self.intra_threads == 0;
        let pool = self.pool.get_mut().unwrap_or_else(|p| p.into_inner());
        if wide {
            pool.idle_wide.push(session);
        } else {
            pool.idle_narrow.push(session);
        }
    }

/// Waits until fewer than `pool_size` calls run, then takes an idle session of the right
    /// width (wide when no other call runs, in adaptive mode), creating one if none is idle.
    pub fn checkout(&self) -> Result<PooledSession<'_>> {
        let adaptive = self.intra_threads == 0;
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        while pool.active >= self.pool_size {
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
        let mut loan = PooledSession { session: None, wide, lone, gen: pool.overlap_gen, ms_per_item: None, owner: self };
        let idle = if wide { pool.idle_wide.pop() } else { pool.idle_narrow.pop() };
        if let Some(s) = idle {
            loan.session = Some(s);
            return Ok(loan);
        }
        pool.created += 1;
        drop(pool);
        // a session's first run is slower (allocations): not timed
        loan.lone = false;
        match new_session(&self.bytes, self.intra_threads, wide, self.device, "(pooled)") {
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

/// A session on loan; goes back to the pool when dropped, even on a panic.
pub struct PooledSession<'a> {
    session: Option<Session>,
    wide: bool,
    /// Started with no other call running or recently overlapping (adaptive mode): timed.
    lone: bool,
    /// `Pool::overlap_gen` at checkout.
    gen: u64,
    /// Set after a successful run: the run's time per item, for the width statistics.
    ms_per_item: Option<f64>,
    owner: &'a SessionPool,
}

impl PooledSession<'_> {
    pub fn session(&mut self) -> &mut Session {
        // Only `drop` takes the session out.
        self.session.as_mut().unwrap_or_else(|| unreachable!())
    }
}

impl PooledSession<'_> {
    /// Records how long the run took per item (a batch's time divided by its size).
    pub fn timed(&mut self, ms_per_item: f64) {
        self.ms_per_item = Some(ms_per_item);
    }
}

impl Drop for PooledSession<'_> {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            let mut pool = self.owner.pool.lock().unwrap_or_else(|p| p.into_inner());
            if let (true, Some(ms)) = (self.lone && pool.overlap_gen == self.gen, self.ms_per_item) {
                pool.widths.record(self.wide, ms);
            }
            if self.wide {
                pool.idle_wide.push(session);
            } else {
                pool.idle_narrow.push(session);
            }
            pool.active -= 1;
            self.owner.returned.notify_one();
        }
    }
}

/// Where a model runs: the CPU (default) or an NVIDIA GPU through ONNX Runtime's CUDA provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Device {
    #[default]
    Cpu,
    /// CUDA on this device id; registration failing is an error, never a silent CPU run.
    Cuda(i32),
}

fn new_session(bytes: &[u8], intra_threads: usize, wide: bool, device: Device, what: &str) -> Result<Session> {
    let env = runtime::environment()?;
    let err = |e: &dyn std::fmt::Display| Error::Runtime(format!("cannot configure an ONNX Runtime session: {e}"));
    let mut builder = Session::builder(env)
        .map_err(|e| err(&e))?
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|e| err(&e))?
        .with_log_level(runtime::session_log_level())
        .map_err(|e| err(&e))?;
    builder = match threads_for(intra_threads, wide) {
        Threads::Shared => builder,
        Threads::Own(n) => builder
            .with_independent_thread_pool()
            .and_then(|b| b.with_intra_threads(n))
            .map_err(|e| err(&e))?,
    };
    if let Device::Cuda(id) = device {
        let cuda = ort::ep::CUDA::default().with_device_id(id).build().error_on_failure();
        builder = builder.with_execution_providers([cuda]).map_err(|e| {
            let e = e.to_string();
            let e = e.trim_end();
            Error::Runtime(format!(
                "CUDA was requested (device {id}) but ONNX Runtime cannot use it: {e}. A GPU run needs the GPU build of \
                 ONNX Runtime (the Maven artifact com.microsoft.onnxruntime:onnxruntime_gpu instead of onnxruntime, or \
                 -Dimgsim.onnxruntime.path pointing at a GPU build with libonnxruntime_providers_cuda beside it), an \
                 NVIDIA driver, and the CUDA and cuDNN 9 libraries that build was made for on the library path (CUDA 12 for \
                 onnxruntime_gpu 1.26, CUDA 13 for 1.31); or use the CPU"
            ))
        })?;
    }
    builder.commit_from_memory(bytes).map_err(|e| {
        Error::Model(format!(
            "ONNX Runtime cannot load the model {what}: {e}. Is it a valid .onnx file?"
        ))
    })
}

/// A model's custom `metadata_props`, sorted by key.
pub fn metadata_of(session: &Session) -> Vec<(String, String)> {
    let Ok(meta) = session.metadata() else { return Vec::new() };
    let mut out: Vec<(String, String)> = meta
        .custom_keys()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|k| meta.custom(&k).map(|v| (k, v)))
        .collect();
    out.sort();
    out
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
