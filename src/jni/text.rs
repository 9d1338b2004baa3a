//! JNI glue for `dev.imgsim.internal.TextNative` (used by `dev.imgsim.text.TextEmbedder`).
//! Texts cross the boundary as UTF-8 bytes that Java encoded (`String.getBytes(UTF_8)` turns a
//! lone surrogate into `?`), so no Java string can fail to convert here.

use super::JByteArray;
use jni::objects::{JIntArray, JObject, JObjectArray, JString};
use jni::sys::{jint, jlong};

use super::contract::natives;
use super::{bytes, float_rows, int_array, string, string_array, ModelInfo, R};
use crate::error::Error;
use crate::text::{Overflow, TextModel, TextOptions, LIVE_TEXT_MODELS};

fn text_model<'a>(handle: jlong) -> R<&'a TextModel> {
    if handle == 0 {
        return Err(Error::Closed("this TextEmbedder is closed".into()).into());
    }
    // SAFETY: the Java side only passes handles returned by `open` and not yet closed, and its
    // lock keeps `close` from running while any call holds the handle.
    Ok(unsafe { &*(handle as *const TextModel) })
}

pub(super) fn utf8(b: &[u8]) -> R<&str> {
    std::str::from_utf8(b).map_err(|e| Error::InvalidArgument(format!("text is not valid UTF-8: {e}")).into())
}

/// The texts whose UTF-8 bytes lie one after another in `all`, `lengths[i]` bytes each.
pub(super) fn split_texts<'a>(env: &mut jni::Env<'_>, all: &'a [u8], lengths: &JIntArray<'_>) -> R<Vec<&'a str>> {
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
    Ok(texts)
}

natives! { class "dev_imgsim_internal_TextNative" as "TextNative", list text_contract;
    /// Opens a text model; `chunk_overlap` < 0 truncates long texts, >= 0 splits them into windows
    /// overlapping by that many tokens; `config` (may be null) is the JSON object
    /// `text_config::from_sentence_transformers` reads.
    fn open<'l>(env, model: JByteArray<'l>, tokenizer: JByteArray<'l>, what: JString<'l>, config: JString<'l>,
            intra_threads: jint, pool_size: jint, max_tokens: jint, chunk_overlap: jint, batch_size: jint) -> jlong {
        let what = string(env, &what)?.unwrap_or_else(|| "(text model)".into());
        let config = match string(env, &config)? {
            Some(json) => crate::text_config::from_sentence_transformers(&json, &what)?,
            None => Default::default(),
        };
        let options = TextOptions {
            intra_threads: usize::try_from(intra_threads).unwrap_or(0),
            pool_size: usize::try_from(pool_size).unwrap_or(1).max(1),
            max_tokens: usize::try_from(max_tokens).unwrap_or(0),
            overflow: match usize::try_from(chunk_overlap) {
                Ok(overlap) => Overflow::Chunk { overlap },
                Err(_) => Overflow::Truncate,
            },
            batch_size: usize::try_from(batch_size).unwrap_or(1).max(1),
            config,
        };
        let m = TextModel::from_bytes(bytes(env, &model, "model")?, &bytes(env, &tokenizer, "tokenizer")?, &what, options)?;
        Ok(Box::into_raw(Box::new(m)) as jlong)
    }

    fn close<'l>(env, h: jlong) {
        // SAFETY: called once per handle, after all calls using it have finished (Java lock).
        unsafe { super::contract::free::<TextModel>(h) };
        Ok(())
    }

    /// The model's description, as one `dev.imgsim.internal.ModelInfo`.
    fn describe<'l>(env, h: jlong) -> JObject<'l> as "Ldev/imgsim/internal/ModelInfo;" {
        let m = text_model(h)?;
        ModelInfo {
            embedding_size: m.embedding_size,
            input_width: 0,
            input_height: 0,
            max_tokens: m.max_tokens,
            batchable: true,
            sessions_created: m.sessions_created(),
            input_name: m.input_ids(),
            output_name: m.output(),
            input_shape: &[],
            metadata: &m.metadata,
        }
        .to_java(env)
    }

    /// `[pooling, query prefix, document prefix]` as resolved at `open`: pooling "" when the graph
    /// pools, a prefix "" when there is none.
    fn settings<'l>(env, h: jlong) -> JObjectArray<'l> as "[Ljava/lang/String;" {
        let m = text_model(h)?;
        let items = [
            m.pooling.map(|p| p.name()).unwrap_or(""),
            m.query_prefix.as_deref().unwrap_or(""),
            m.document_prefix.as_deref().unwrap_or(""),
        ];
        string_array(env, &items)
    }

    /// Native text models alive in this process (for leak tests).
    fn liveModels<'l>(env) -> jlong {
        Ok(LIVE_TEXT_MODELS.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Embeds the texts whose UTF-8 bytes lie one after another in `utf8`, `lengths[i]` bytes each.
    fn embedAll<'l>(env, h: jlong, utf8_all: JByteArray<'l>, lengths: JIntArray<'l>) -> JObjectArray<'l> as "[[F" {
        let m = text_model(h)?;
        let all = bytes(env, &utf8_all, "texts")?;
        let texts = split_texts(env, &all, &lengths)?;
        let out = m.embed_all(&texts)?;
        float_rows(env, out.iter().map(Vec::as_slice))
    }

    /// `[tokens of window 1, tokens of window 2, ...]` for one text (special tokens included).
    fn tokenCounts<'l>(env, h: jlong, text: JByteArray<'l>) -> JIntArray<'l> {
        let m = text_model(h)?;
        let b = bytes(env, &text, "text")?;
        let counts: Vec<jint> = m.token_counts(utf8(&b)?)?.into_iter().map(|n| n as jint).collect();
        int_array(env, &counts)
    }
}
