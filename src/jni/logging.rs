//! Rust `log` records (ONNX Runtime's included: `runtime.rs` routes them into `log` under the
//! target `onnxruntime`) into the JVM's `System.Logger`, through
//! `dev/imgsim/internal/NativeLog.java`, under logger names `dev.imgsim.native.<target>`
//! (`::` becomes `.`).
//!
//! Cost when a level is off: `log`'s global max level (set from Java, the finest level the
//! `dev.imgsim.native` logger lets through) filters a record before it is formatted, with one
//! atomic load; nothing calls into Java. A record that passes is formatted once and handed to
//! `NativeLog.log`, which asks the record's own logger. Threads that are not attached to the
//! JVM (ONNX Runtime's workers) attach for the call and detach after it, so they never keep the
//! JVM from exiting. A Java logging handler that calls back into imgsim cannot recurse: records
//! made while a record is being delivered on the same thread are dropped.

use std::cell::Cell;
use std::sync::OnceLock;

use jni::objects::{JClass, JString};
use jni::refs::Global;
use jni::sys::jint;
use jni::{jni_sig, jni_str, JValue, JavaVM};

use super::contract::natives;

static CLASS: OnceLock<Global<JClass<'static>>> = OnceLock::new();
static LOGGER: JvmLog = JvmLog;

thread_local! {
    static DELIVERING: Cell<bool> = const { Cell::new(false) };
}

struct JvmLog;

impl log::Log for JvmLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) || DELIVERING.with(Cell::get) {
            return;
        }
        let (Some(class), Ok(vm)) = (CLASS.get(), JavaVM::singleton()) else {
            return;
        };
        DELIVERING.with(|d| d.set(true));
        // never unwind out of a logging call (ONNX Runtime's callback is an extern "C" frame)
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let message = record.args().to_string();
            let _ = vm.attach_current_thread_for_scope(|env| -> jni::errors::Result<()> {
                let target = env.new_string(record.target())?;
                let message = env.new_string(&message)?;
                env.call_static_method(
                    class,
                    jni_str!("log"),
                    jni_sig!("(ILjava/lang/String;Ljava/lang/String;)V"),
                    &[JValue::Int(record.level() as jint), JValue::Object(&target), JValue::Object(&message)],
                )?;
                Ok(())
            });
        }));
        DELIVERING.with(|d| d.set(false));
    }

    fn flush(&self) {}
}

/// `log`'s level numbers (Off 0, Error 1 ... Trace 5), as `NativeLog.java` sends them.
fn filter(level: jint) -> log::LevelFilter {
    match level {
        i32::MIN..=0 => log::LevelFilter::Off,
        1 => log::LevelFilter::Error,
        2 => log::LevelFilter::Warn,
        3 => log::LevelFilter::Info,
        4 => log::LevelFilter::Debug,
        _ => log::LevelFilter::Trace,
    }
}

natives! { class "dev_imgsim_internal_NativeLog" as "NativeLog", list log_contract;
    /// Makes the JVM the destination of `log` records (once per process) at `level`.
    fn install<'l>(env, level: jint) {
        if CLASS.get().is_none() {
            let class = env.find_class(jni_str!("dev/imgsim/internal/NativeLog"))?;
            let global = env.new_global_ref(&class)?;
            let _ = CLASS.set(global);
        }
        // fails only if a logger is already installed (then that one keeps the records)
        let _ = log::set_logger(&LOGGER);
        log::set_max_level(filter(level));
        Ok(())
    }

    /// Changes the level (after the application changed its logging configuration).
    fn setMaxLevel<'l>(env, level: jint) {
        log::set_max_level(filter(level));
        Ok(())
    }

    /// Emits one record of each level under the target `imgsim::logtest` (for the tests).
    fn emitTestRecords<'l>(env, text: JString<'l>) {
        let text = super::string(env, &text)?.unwrap_or_default();
        log::error!(target: "imgsim::logtest", "error {text}");
        log::warn!(target: "imgsim::logtest", "warn {text}");
        log::info!(target: "imgsim::logtest", "info {text}");
        log::debug!(target: "imgsim::logtest", "debug {text}");
        log::trace!(target: "imgsim::logtest", "trace {text}");
        // and from a thread the JVM does not know
        std::thread::spawn(move || log::info!(target: "imgsim::logtest", "info from a native thread {text}"))
            .join()
            .map_err(|_| crate::error::Error::InvalidArgument("logging thread panicked".into()))?;
        Ok(())
    }
}
