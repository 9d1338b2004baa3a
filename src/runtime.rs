//! Loading ONNX Runtime once per process.
//!
//! ort can only load one library and build one environment per process, and a relative path
//! resolves against the JVM's `bin/`, so the Java side resolves an absolute path and we keep the
//! environment in a `OnceLock`. ONNX Runtime's own log messages are routed into `log`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use ort::environment::{Environment, GlobalThreadPoolOptions};
use ort::logging::LogLevel;

use crate::error::{Error, Result};

struct Loaded {
    env: Environment,
    path: PathBuf,
    version: String,
}

static RUNTIME: OnceLock<Loaded> = OnceLock::new();
static INIT_LOCK: Mutex<()> = Mutex::new(());

/// The environment, once `init` has succeeded.
pub fn environment() -> Result<&'static Environment> {
    RUNTIME.get().map(|l| &l.env).ok_or_else(|| {
        Error::Runtime("ONNX Runtime is not loaded yet; create an ImageSimilarity first".into())
    })
}

/// Version string of the loaded library, e.g. "1.26.0".
pub fn version() -> Option<&'static str> {
    RUNTIME.get().map(|l| l.version.as_str())
}

/// Loads ONNX Runtime from `path` (absolute) unless already loaded; returns its version.
/// A second call with another path keeps the first library and logs that it did.
pub fn init(path: &Path) -> Result<&'static str> {
    let _guard = INIT_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(l) = RUNTIME.get() {
        if l.path != path {
            log::info!(
                "ONNX Runtime {} already loaded from {}; ignoring {}",
                l.version,
                l.path.display(),
                path.display()
            );
        }
        return Ok(&l.version);
    }
    check_library_file(path)?;
    log::debug!("loading ONNX Runtime from {}", path.display());
    let builder = ort::init_from(path).map_err(|e| {
        Error::Runtime(format!(
            "cannot load ONNX Runtime from {}: {e}. Point the system property imgsim.onnxruntime.path \
             (or ORT_DYLIB_PATH) at a {LIBRARY} of version 1.{} or newer",
            path.display(),
            ort::MINOR_VERSION
        ))
    })?;
    // One intra-op pool (a worker per core, the caller being one of them) for every session
    // that runs wide: sessions no longer compete with each other's spinning workers.
    let pool = GlobalThreadPoolOptions::default()
        .with_intra_threads(global_pool_threads())
        .and_then(|o| o.with_inter_threads(1))
        .map_err(|e| Error::Runtime(format!("cannot configure ONNX Runtime's thread pool: {e}")))?;
    let env = builder
        .with_name("imgsim")
        .with_global_thread_pool(pool)
        .with_telemetry(false)
        .with_logger(Arc::new(forward_ort_log))
        .build()
        .map_err(|e| Error::Runtime(format!("cannot create the ONNX Runtime environment: {e}")))?;
    let version = library_version(path);
    log::debug!("loaded ONNX Runtime {version} from {}", path.display());
    let loaded = RUNTIME.get_or_init(|| Loaded {
        env,
        path: path.to_path_buf(),
        version,
    });
    Ok(&loaded.version)
}

/// Threads of the process-wide intra-op pool that wide sessions share: the cores this process may use.
pub fn global_pool_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// ONNX Runtime's library file name on this platform.
const LIBRARY: &str = if cfg!(windows) {
    "onnxruntime.dll"
} else if cfg!(target_os = "macos") {
    "libonnxruntime.dylib"
} else {
    "libonnxruntime.so"
};

/// The executable format's name and whether `magic` (a file's first 4 bytes) starts one.
fn library_format(magic: &[u8; 4]) -> (&'static str, bool) {
    if cfg!(windows) {
        ("PE", magic[..2] == *b"MZ")
    } else if cfg!(target_os = "macos") {
        ("Mach-O", matches!(magic, [0xcf, 0xfa, 0xed, 0xfe] | [0xca, 0xfe, 0xba, 0xbe]))
    } else {
        ("ELF", magic == b"\x7fELF")
    }
}

/// dlopen's error loses the reason; say what is wrong with the file ourselves.
fn check_library_file(path: &Path) -> Result<()> {
    let fail = |why: String| {
        Err(Error::Runtime(format!(
            "cannot load ONNX Runtime from {}: {why}. Set the system property imgsim.onnxruntime.path \
             to an absolute path of {LIBRARY}, or put com.microsoft.onnxruntime:onnxruntime on the classpath",
            path.display()
        )))
    };
    if !path.is_absolute() {
        return fail("the path is not absolute".into());
    }
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return fail(format!("the file cannot be accessed ({e})")),
    };
    if !meta.is_file() {
        return fail("it is not a regular file".into());
    }
    let mut magic = [0u8; 4];
    match std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic)) {
        Ok(()) if library_format(&magic).1 => Ok(()),
        Ok(()) => fail(format!("it is not a shared library (no {} header)", library_format(&magic).0)),
        Err(e) => fail(format!("the file cannot be read ({e})")),
    }
}

/// Asks the library itself (`OrtGetApiBase()->GetVersionString()`); ort keeps this private.
fn library_version(path: &Path) -> String {
    // SAFETY: the library is already loaded by ort (this only bumps its reference count), and
    // OrtGetApiBase/GetVersionString are part of ONNX Runtime's stable C ABI.
    let version = unsafe {
        libloading::Library::new(path).ok().and_then(|lib| {
            let get: libloading::Symbol<unsafe extern "C" fn() -> *const ort::sys::OrtApiBase> =
                lib.get(b"OrtGetApiBase").ok()?;
            let base = get();
            if base.is_null() {
                return None;
            }
            let v = ((*base).GetVersionString)();
            (!v.is_null()).then(|| std::ffi::CStr::from_ptr(v).to_string_lossy().into_owned())
        })
    };
    version.unwrap_or_else(|| "unknown".into())
}

/// ONNX Runtime log callback -> `log`, under the target `onnxruntime`.
fn forward_ort_log(level: LogLevel, category: &str, id: &str, location: &str, message: &str) {
    let level = match level {
        LogLevel::Verbose => log::Level::Trace,
        LogLevel::Info => log::Level::Debug,
        LogLevel::Warning => log::Level::Warn,
        LogLevel::Error | LogLevel::Fatal => log::Level::Error,
    };
    if log::log_enabled!(target: "onnxruntime", level) {
        log::log!(target: "onnxruntime", level, "[{category} {id}] {message} ({location})");
    }
}

/// The ORT session log level that matches what `log` lets through, so that ONNX Runtime does
/// not format messages nobody will read.
pub fn session_log_level() -> LogLevel {
    if log::log_enabled!(target: "onnxruntime", log::Level::Trace) {
        LogLevel::Verbose
    } else if log::log_enabled!(target: "onnxruntime", log::Level::Debug) {
        LogLevel::Info
    } else if log::log_enabled!(target: "onnxruntime", log::Level::Warn) {
        LogLevel::Warning
    } else {
        LogLevel::Error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(path: &str, why: &str) {
        let err = check_library_file(Path::new(path)).unwrap_err();
        assert!(matches!(err, Error::Runtime(_)));
        assert!(err.message().contains(why), "{err}");
        assert!(err.message().contains("imgsim.onnxruntime.path"), "{err}");
    }

    #[test]
    fn unusable_library_files_are_explained_before_dlopen() {
        refused(LIBRARY, "not absolute");
        let tmp = std::env::temp_dir();
        refused(tmp.join("imgsim-nonexistent").join(LIBRARY).to_str().unwrap(), "cannot be accessed");
        refused(tmp.to_str().unwrap(), "not a regular file");
        let fake = tmp.join(format!("imgsim-fake-ort-{}.lib", std::process::id()));
        std::fs::write(&fake, b"this is not a shared library").unwrap();
        refused(fake.to_str().unwrap(), &format!("no {} header", library_format(b"none").0));
        std::fs::remove_file(&fake).ok();
    }
}
