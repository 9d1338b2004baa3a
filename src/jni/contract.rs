//! The typed JNI contract: one declaration per entry point (`natives!`) makes both the exported
//! function and its line in the contract list (`Class.name(descriptor)`) that
//! `Native.contract()` hands to Java, where `NativeContractTest` compares it with the `native`
//! methods the Java classes declare, by name and JNI descriptor. The raster descriptor's slots
//! and format codes live here too, under the names `RasterAdapter.java` gives them.

use jni::objects::{JByteArray, JFloatArray, JIntArray, JShortArray, JString};
use jni::sys::{jint, jlong};

/// The JNI descriptor of a Rust type that crosses the boundary. Object types other than strings
/// and primitive arrays have none: their declarations state it with `as "descriptor"`.
pub(crate) trait JavaType {
    fn descriptor() -> &'static str;
}

macro_rules! java_type {
    ($($t:ty => $d:literal),* $(,)?) => {
        $(impl JavaType for $t {
            fn descriptor() -> &'static str {
                $d
            }
        })*
    };
}

java_type! {
    () => "V",
    jint => "I",
    jlong => "J",
    JString<'_> => "Ljava/lang/String;",
    JByteArray<'_> => "[B",
    JShortArray<'_> => "[S",
    JIntArray<'_> => "[I",
    JFloatArray<'_> => "[F",
}

/// The descriptor of one argument or result: the type's own, or the one the declaration states.
macro_rules! desc {
    ($t:ty) => {
        <$t as $crate::jni::contract::JavaType>::descriptor()
    };
    ($t:ty, $d:literal) => {
        $d
    };
}
pub(crate) use desc;

/// Declares JNI entry points of one Java class:
///
/// ```ignore
/// natives! { class "dev_imgsim_internal_Native" as "Native", list native_core;
///     /// docs
///     fn close<'l>(env, h: jlong) { ... Ok(()) }
///     fn describe<'l>(env, h: jlong) -> JObject<'l> as "Ldev/imgsim/internal/ModelInfo;" { ... }
/// }
/// ```
///
/// Each body runs inside `entry` semantics: panics are trapped, every `Err` becomes the Java
/// exception `ThrowJava` maps it to, and `env` is a `&mut Env`. `list` names a function that
/// returns the class's contract lines.
macro_rules! natives {
    (class $class:literal as $simple:literal, list $list:ident;
     $(
        $(#[$meta:meta])*
        fn $name:ident<$l:lifetime>($env:ident $(, $arg:ident : $ty:ty $(as $adesc:literal)?)* $(,)?)
            $(-> $ret:ty $(as $rdesc:literal)?)? $body:block
     )*) => {
        $(
            $(#[$meta])*
            #[unsafe(export_name = concat!("Java_", $class, "_", stringify!($name)))]
            #[allow(non_snake_case, clippy::too_many_arguments)]
            pub extern "system" fn $name<$l>(
                mut $env: ::jni::EnvUnowned<$l>,
                _: ::jni::objects::JClass<$l>
                $(, $arg: $ty)*
            ) $(-> $ret)? {
                $env.with_env(#[allow(unused_variables)] |$env: &mut ::jni::Env<'_>| -> $crate::jni::R<_> { $body })
                    .resolve::<$crate::jni::ThrowJava>()
            }
        )*

        /// This class's entry points as `Class.name(arguments)result` in JNI descriptors.
        pub(crate) fn $list() -> Vec<String> {
            vec![$({
                #[allow(clippy::extra_unused_lifetimes)]
                fn line<$l>() -> String {
                    let args: &[&str] = &[$($crate::jni::contract::desc!($ty $(, $adesc)?)),*];
                    let ret: &[&str] = &[$($crate::jni::contract::desc!($ret $(, $rdesc)?))?];
                    format!("{}.{}({}){}", $simple, stringify!($name), args.concat(),
                        ret.first().copied().unwrap_or("V"))
                }
                line()
            }),*]
        }
    };
}
pub(crate) use natives;

/// Slots of the raster descriptor (`RasterAdapter.java` writes it, `layout()` reads it).
pub(crate) mod raster {
    pub const FORMAT: usize = 0;
    pub const WIDTH: usize = 1;
    pub const HEIGHT: usize = 2;
    pub const OFFSET: usize = 3;
    pub const SCANLINE_STRIDE: usize = 4;
    pub const PIXEL_STRIDE: usize = 5;
    /// R, G, B, A follow: bit shifts (packed) or band offsets (interleaved); -1 = none.
    pub const CHANNELS: usize = 6;
    pub const PREMULTIPLIED: usize = 10;
    pub const LENGTH: usize = 11;

    /// Packed ints (one sample per pixel; channels are bit shifts).
    pub const FORMAT_PACKED: i32 = 0;
    /// Interleaved bands (channels are band offsets).
    pub const FORMAT_INTERLEAVED: i32 = 1;
    /// Gray (the first channel slot is the band offset).
    pub const FORMAT_GRAY: i32 = 2;

    /// `NAME=value` for each constant, under the names `RasterAdapter.java` gives them.
    pub fn lines() -> Vec<String> {
        let slots = [
            ("SLOT_FORMAT", FORMAT as i64),
            ("SLOT_WIDTH", WIDTH as i64),
            ("SLOT_HEIGHT", HEIGHT as i64),
            ("SLOT_OFFSET", OFFSET as i64),
            ("SLOT_SCANLINE_STRIDE", SCANLINE_STRIDE as i64),
            ("SLOT_PIXEL_STRIDE", PIXEL_STRIDE as i64),
            ("SLOT_CHANNELS", CHANNELS as i64),
            ("SLOT_PREMULTIPLIED", PREMULTIPLIED as i64),
            ("DESCRIPTOR_LENGTH", LENGTH as i64),
            ("FORMAT_PACKED", FORMAT_PACKED as i64),
            ("FORMAT_INTERLEAVED", FORMAT_INTERLEAVED as i64),
            ("FORMAT_GRAY", FORMAT_GRAY as i64),
        ];
        slots.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }
}
