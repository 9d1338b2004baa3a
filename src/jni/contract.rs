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

/// Declares constants of one type with the names the Java side gives them (`NAME => "JAVA"`),
/// and `lines()` listing them as `JAVA=value`, so that the list `NativeContractTest` compares
/// cannot drift from the constants the code uses.
macro_rules! constants {
    ($($t:ty { $($name:ident = $v:expr => $java:literal),* $(,)? })*) => {
        $($(pub const $name: $t = $v;)*)*

        /// `JAVA_NAME=value` for each constant.
        pub fn lines() -> Vec<String> {
            vec![$($(format!("{}={}", $java, $name)),*),*]
        }
    };
}

/// The raster descriptor that `RasterAdapter.java` writes and `layout()` reads: its slots (the
/// four at `CHANNELS` hold the R, G, B, A bit shifts of a packed format or band offsets of an
/// interleaved one, -1 none; gray uses the first) and its format codes.
/// The copy verification's flags and verdict length (`Native.VERIFY_*`, `Native.VERDICT_LENGTH`).
pub(crate) mod verify {
    constants! {
        u32 {
            PARTS = crate::copies::VERIFY_PARTS => "VERIFY_PARTS", LOCAL = crate::copies::VERIFY_LOCAL => "VERIFY_LOCAL",
            COMMON_SECOND = crate::copies::VERIFY_COMMON_SECOND => "VERIFY_COMMON_SECOND",
            INNER = crate::copies::VERIFY_INNER => "VERIFY_INNER", ALSO_PARTS = crate::copies::VERIFY_ALSO_PARTS => "VERIFY_ALSO_PARTS",
        }
        usize { VERDICT_LENGTH = crate::jni::copies::VERDICT_LENGTH => "VERDICT_LENGTH" }
    }
}

pub(crate) mod raster {
    constants! {
        usize {
            FORMAT = 0 => "SLOT_FORMAT", WIDTH = 1 => "SLOT_WIDTH", HEIGHT = 2 => "SLOT_HEIGHT", OFFSET = 3 => "SLOT_OFFSET",
            SCANLINE_STRIDE = 4 => "SLOT_SCANLINE_STRIDE", PIXEL_STRIDE = 5 => "SLOT_PIXEL_STRIDE",
            CHANNELS = 6 => "SLOT_CHANNELS", PREMULTIPLIED = 10 => "SLOT_PREMULTIPLIED", LENGTH = 11 => "DESCRIPTOR_LENGTH",
        }
        i32 { FORMAT_PACKED = 0 => "FORMAT_PACKED", FORMAT_INTERLEAVED = 1 => "FORMAT_INTERLEAVED", FORMAT_GRAY = 2 => "FORMAT_GRAY" }
    }
}

/// Frees a handle made by `Box::into_raw` (0 is ignored).
///
/// # Safety
/// `h` is 0 or a handle of a `T` not yet freed, and no call is using it (the Java lock).
pub(crate) unsafe fn free<T>(h: jni::sys::jlong) {
    if h != 0 {
        drop(unsafe { Box::from_raw(h as *mut T) });
    }
}
