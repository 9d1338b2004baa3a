//! The crate's one error type. Each variant corresponds to one Java exception class;
//! the mapping lives in `jni/mod.rs`, so nothing here knows about Java.

use std::fmt;

/// What went wrong, with a message meant for the person reading the Java exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The caller passed something unusable (bad dimensions, strides, sizes): `IllegalArgumentException`.
    InvalidArgument(String),
    /// A handle was used after `close`: `IllegalStateException`.
    Closed(String),
    /// An image (pixels or file) is too large for the configured pixel limit.
    ImageTooLarge(String),
    /// An image file could not be read or decoded.
    Decode(String),
    /// The ONNX model is missing, corrupt, or not an image-embedding model.
    Model(String),
    /// ONNX Runtime could not be loaded or failed while running.
    Runtime(String),
}

impl Error {
    pub fn message(&self) -> &str {
        match self {
            Error::InvalidArgument(m)
            | Error::Closed(m)
            | Error::ImageTooLarge(m)
            | Error::Decode(m)
            | Error::Model(m)
            | Error::Runtime(m) => m,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// Shorthand for `Err(Error::InvalidArgument(format!(..)))`.
macro_rules! invalid {
    ($($arg:tt)+) => { Err($crate::error::Error::InvalidArgument(format!($($arg)+))) };
}
pub(crate) use invalid;
