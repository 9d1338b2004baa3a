//! JNI glue for `dev.imgsim.internal.TextNative` (used by `dev.imgsim.text.TextEmbedder`).
//! Texts cross the boundary as UTF-8 bytes that Java encoded (`String.getBytes(UTF_8)` turns a
//! lone surrogate into `?`), so no Java string can fail to convert here.

use super::JByteArray;
use jni::objects::{JClass, JIntArray, JObject, JObjectArray, JString};
use jni::sys::{jint, jlong};
use jni::{jni_str, Env, EnvUnowned};

use super::{bytes, float_array, int_array, string, string_array, ThrowJava, R};
use crate::error::Error;
use crate::text::{Overflow, TextModel, TextOptions, LIVE_TEXT_MODELS};

fn text_model<'a>(handle: jlong) -> R<&'a TextModel> {
    if handle == 0 {
        return Err(Error::InvalidArgument("this TextEmbedder is closed".into()).into());
    }
    // SAFETY: the Java side only passes handles returned by `open` and not yet closed, and its
    // lock keeps `close` from running while any call holds the handle.
    Ok(unsafe { &*(handle as *const TextModel) })
}

fn utf8(b: &[u8]) -> R<&str> {
    std::str::from_utf8(b).map_err(|e| Error::InvalidArgument(format!("text is not valid UTF-8: {e}")).into())
}

fn rows<'l>(env: &mut Env<'l>, all: &[Vec<f32>]) -> R<JObjectArray<'l>> {
    let out = env.new_object_array(all.len() as i32, jni_str!("[F"), JObject::null())?;
    for (i, e) in all.iter().enumerate() {
        let arr = float_array(env, e)?;
        out.set_element(env, i, &arr)?;
        env.delete_local_ref(arr);
    }
    Ok(out)
}

/// Opens a text model; `chunk_overlap` < 0 truncates long texts, >= 0 splits them into windows
/// overlapping by that many tokens.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_imgsim_internal_TextNative_open<'l>(
    mut env: EnvUnowned<'l>,
    _: JClass<'l>,
    model: JByteArray<'l>,
    tokenizer: JByteArray<'l>,
    what: JString<'l>,
    intra_threads: jint,
    pool_size: jint,
    max_tokens: jint,
    chunk_overlap: jint,
    batch_size: jint,
) -> jlong {
    entry!(env, {
        let what = string(env, &what)?.unwrap_or_else(|| "(text model)".into());
        let options = TextOptions {
            intra_threads: usize::try_from(intra_threads).unwrap_or(0),
            pool_size: usize::try_from(pool_size).unwrap_or(1).max(1),
            max_tokens: usize::try_from(max_tokens).unwrap_or(0),
            overflow: match usize::try_from(chunk_overlap) {
                Ok(overlap) => Overflow::Chunk { overlap },
                Err(_) => Overflow::Truncate,
            },
            batch_size: usize::try_from(batch_size).unwrap_or(1).max(1),
        };
        let m = TextModel::from_bytes(bytes(env, &model, "model")?, &bytes(env, &tokenizer, "tokenizer")?, &what, options)?;
        Ok(Box::into_raw(Box::new(m)) as jlong)
    })
}

#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_imgsim_internal_TextNative_close<'l>(mut env: EnvUnowned<'l>, _: JClass<'l>, h: jlong) {
    entry!(env, {
        if h != 0 {
            // SAFETY: called once per handle, after all calls using it have finished (Java lock).
            drop(unsafe { Box::from_raw(h as *mut TextModel) });
        }
        Ok(())
    })
}

/// `[embeddingSize, maxTokens, sessionsCreated]`
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_imgsim_internal_TextNative_info<'l>(mut env: EnvUnowned<'l>, _: JClass<'l>, h: jlong) -> JIntArray<'l> {
    entry!(env, {
        let m = text_model(h)?;
        int_array(env, &[m.embedding_size as jint, m.max_tokens as jint, m.sessions_created() as jint])
    })
}

/// `[key1, value1, key2, value2, ...]`: the model's metadata.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_imgsim_internal_TextNative_metadata<'l>(mut env: EnvUnowned<'l>, _: JClass<'l>, h: jlong) -> JObjectArray<'l> {
    entry!(env, {
        let m = text_model(h)?;
        let items: Vec<&String> = m.metadata.iter().flat_map(|(k, v)| [k, v]).collect();
        string_array(env, &items)
    })
}

#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_imgsim_internal_TextNative_liveModels<'l>(mut env: EnvUnowned<'l>, _: JClass<'l>) -> jlong {
    entry!(env, Ok(LIVE_TEXT_MODELS.load(std::sync::atomic::Ordering::Relaxed)))
}

/// Embeds the texts whose UTF-8 bytes lie one after another in `utf8`, `lengths[i]` bytes each.
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_imgsim_internal_TextNative_embedAll<'l>(
    mut env: EnvUnowned<'l>,
    _: JClass<'l>,
    h: jlong,
    utf8_all: JByteArray<'l>,
    lengths: JIntArray<'l>,
) -> JObjectArray<'l> {
    entry!(env, {
        let m = text_model(h)?;
        let all = bytes(env, &utf8_all, "texts")?;
        let mut lens = vec![0i32; lengths.len(env)?];
        lengths.get_region(env, 0, &mut lens)?;
        let mut texts = Vec::with_capacity(lens.len());
        let mut at = 0usize;
        for l in lens {
            let end = usize::try_from(l).ok().and_then(|l| at.checked_add(l)).filter(|&e| e <= all.len());
            let end = end.ok_or_else(|| Error::InvalidArgument("text lengths do not match the bytes".into()))?;
            texts.push(utf8(&all[at..end])?);
            at = end;
        }
        let out = m.embed_all(&texts)?;
        rows(env, &out)
    })
}

/// `[tokens of window 1, tokens of window 2, ...]` for one text (special tokens included).
#[unsafe(no_mangle)]
pub extern "system" fn Java_dev_imgsim_internal_TextNative_tokenCounts<'l>(
    mut env: EnvUnowned<'l>,
    _: JClass<'l>,
    h: jlong,
    text: JByteArray<'l>,
) -> JIntArray<'l> {
    entry!(env, {
        let m = text_model(h)?;
        let b = bytes(env, &text, "text")?;
        let counts: Vec<jint> = m.token_counts(utf8(&b)?)?.into_iter().map(|n| n as jint).collect();
        int_array(env, &counts)
    })
}
