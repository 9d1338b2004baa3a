//! JNI glue for `dev.imgsim.internal.RerankNative` (used by `dev.imgsim.text.CrossEncoder`).
//! Texts cross as UTF-8 bytes that Java encoded, as in `text.rs`.

use super::JByteArray;
use jni::objects::{JFloatArray, JIntArray, JString};
use jni::sys::{jint, jlong};

use super::contract::natives;
use super::text::{split_texts, utf8};
use super::{bytes, float_array, string, R};
use crate::error::Error;
use crate::rerank::{CrossEncoderModel, RerankOptions, LIVE_CROSS_ENCODERS};

fn cross_encoder<'a>(handle: jlong) -> R<&'a CrossEncoderModel> {
    if handle == 0 {
        return Err(Error::Closed("this CrossEncoder is closed".into()).into());
    }
    // SAFETY: the Java side only passes handles returned by `open` and not yet closed, and its
    // lock keeps `close` from running while any call holds the handle.
    Ok(unsafe { &*(handle as *const CrossEncoderModel) })
}

/// `model_max_length` of a `tokenizer_config.json` (None when absent or not a number).
fn model_max_length(json: &str, what: &str) -> R<Option<usize>> {
    let v: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| Error::Model(format!("tokenizer_config.json of {what} is not valid JSON: {e}")))?;
    Ok(v.get("model_max_length").and_then(|n| n.as_f64()).filter(|n| *n >= 1.0 && *n < 1e9).map(|n| n as usize))
}

natives! { class "dev_imgsim_internal_RerankNative" as "RerankNative", list rerank_contract;
    /// Opens a cross-encoder; `tokenizer_config` (may be null) is the model's
    /// `tokenizer_config.json`, read for the token limit.
    fn open<'l>(env, model: JByteArray<'l>, tokenizer: JByteArray<'l>, what: JString<'l>, tokenizer_config: JString<'l>,
            intra_threads: jint, pool_size: jint, max_tokens: jint) -> jlong {
        let what = string(env, &what)?.unwrap_or_else(|| "(cross-encoder)".into());
        let model_max_tokens = match string(env, &tokenizer_config)? {
            Some(json) => model_max_length(&json, &what)?,
            None => None,
        };
        let options = RerankOptions {
            intra_threads: usize::try_from(intra_threads).unwrap_or(0),
            pool_size: usize::try_from(pool_size).unwrap_or(1).max(1),
            max_tokens: usize::try_from(max_tokens).unwrap_or(0),
            model_max_tokens,
        };
        let m = CrossEncoderModel::from_bytes(bytes(env, &model, "model")?, &bytes(env, &tokenizer, "tokenizer")?, &what, options)?;
        Ok(Box::into_raw(Box::new(m)) as jlong)
    }

    fn close<'l>(env, h: jlong) {
        // SAFETY: called once per handle, after all calls using it have finished (Java lock).
        unsafe { super::contract::free::<CrossEncoderModel>(h) };
        Ok(())
    }

    /// Tokens per pair (special ones included) the model reads at most.
    fn maxTokens<'l>(env, h: jlong) -> jint {
        Ok(cross_encoder(h)?.max_tokens as jint)
    }

    /// Native cross-encoders alive in this process (for leak tests).
    fn liveModels<'l>(env) -> jlong {
        Ok(LIVE_CROSS_ENCODERS.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// One score per text (UTF-8 bytes one after another in `utf8_all`, `lengths[i]` bytes each)
    /// for the query's UTF-8 bytes.
    fn score<'l>(env, h: jlong, query: JByteArray<'l>, utf8_all: JByteArray<'l>, lengths: JIntArray<'l>) -> JFloatArray<'l> {
        let m = cross_encoder(h)?;
        let q = bytes(env, &query, "query")?;
        let all = bytes(env, &utf8_all, "texts")?;
        let texts = split_texts(env, &all, &lengths)?;
        let out = m.score(utf8(&q)?, &texts)?;
        float_array(env, &out)
    }

    /// Tokens of one query-text pair after truncation (special ones included).
    fn tokenCount<'l>(env, h: jlong, query: JByteArray<'l>, text: JByteArray<'l>) -> jint {
        let m = cross_encoder(h)?;
        let q = bytes(env, &query, "query")?;
        let t = bytes(env, &text, "text")?;
        Ok(m.token_count(utf8(&q)?, utf8(&t)?)? as jint)
    }
}
