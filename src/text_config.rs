//! How a text model's output becomes one embedding, and what it expects around a text: pooling
//! and prefixes, read from a sentence-transformers model folder's own configuration
//! (`1_Pooling/config.json`, `config_sentence_transformers.json`, `sentence_bert_config.json`)
//! or from the ONNX model's metadata (`imgsim.pooling`, `imgsim.query_prefix`, ...).

use serde_json::Value;

use crate::error::{Error, Result};

/// How the token embeddings of a model whose output is `[batch, tokens, D]` become one vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pooling {
    /// The mean of the text's tokens (padding excluded): all-MiniLM, e5, most models.
    Mean,
    /// The first token (`[CLS]`): bge, gte.
    Cls,
    /// The last token of the text (padding excluded): decoder models (Qwen3 embeddings, e5-mistral).
    LastToken,
    /// The element-wise maximum over the text's tokens.
    Max,
}

impl Pooling {
    /// The names used in metadata and in the Java API: `mean`, `cls`, `lasttoken`, `max`.
    pub fn parse(s: &str) -> Option<Pooling> {
        match s.trim().to_ascii_lowercase().replace(['_', '-', ' '], "").as_str() {
            "mean" | "meantokens" => Some(Pooling::Mean),
            "cls" | "clstoken" => Some(Pooling::Cls),
            "lasttoken" | "last" => Some(Pooling::LastToken),
            "max" | "maxtokens" => Some(Pooling::Max),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Pooling::Mean => "mean",
            Pooling::Cls => "cls",
            Pooling::LastToken => "lasttoken",
            Pooling::Max => "max",
        }
    }

    /// Pools one text's rows (`tokens` rows of `d` values; the text's first `len` tokens are real).
    pub fn pool(self, rows: &[f32], d: usize, len: usize, out: &mut [f32]) {
        let len = len.max(1);
        match self {
            Pooling::Cls => out.copy_from_slice(&rows[..d]),
            Pooling::LastToken => out.copy_from_slice(&rows[(len - 1) * d..len * d]),
            Pooling::Mean => {
                out.iter_mut().for_each(|v| *v = 0.0);
                for r in rows[..len * d].chunks_exact(d) {
                    out.iter_mut().zip(r).for_each(|(o, x)| *o += x);
                }
                out.iter_mut().for_each(|v| *v /= len as f32);
            }
            Pooling::Max => {
                out.copy_from_slice(&rows[..d]);
                for r in rows[d..len * d].chunks_exact(d) {
                    out.iter_mut().zip(r).for_each(|(o, x)| *o = o.max(*x));
                }
            }
        }
    }
}

/// What a model's configuration says beyond its graph. `None` = not said.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelConfig {
    pub pooling: Option<Pooling>,
    /// The caller chose the pooling (member `pooling_mode`), not the model's folder: an error
    /// for a model that pools in its graph.
    pub pooling_chosen: bool,
    /// Put before a query (e5: `"query: "`, bge: `"Represent this sentence for searching relevant passages: "`).
    pub query_prefix: Option<String>,
    /// Put before a document (e5: `"passage: "`).
    pub document_prefix: Option<String>,
    /// The model's token limit (sentence-transformers' `max_seq_length`).
    pub max_tokens: Option<usize>,
    /// The tokenizer's `model_max_length` (where sentence-transformers 6 keeps `max_seq_length`):
    /// used when neither `max_tokens` nor the model's metadata give a limit.
    pub tokenizer_max_tokens: Option<usize>,
}

/// The JSON object `{"pooling": ..., "sentence_transformers": ..., "sentence_bert": ...,
/// "pooling_mode": ...}` whose first members are the contents of a sentence-transformers folder's
/// `1_Pooling/config.json`, `config_sentence_transformers.json`, `sentence_bert_config.json` and
/// `tokenizer_config.json` (`"tokenizer_config"`; each may be absent or null), and `pooling_mode` the caller's choice (`mean`, `cls`,
/// `lasttoken`, `max`), which wins over the folder's.
pub fn from_sentence_transformers(json: &str, what: &str) -> Result<ModelConfig> {
    let bad = |file: &str, e: &dyn std::fmt::Display| Error::Model(format!("the sentence-transformers {file} of {what} is not usable: {e}"));
    let all: Value = serde_json::from_str(json).map_err(|e| bad("configuration", &e))?;
    let mut c = ModelConfig::default();
    if let Some(p) = all.get("pooling").filter(|v| !v.is_null()) {
        let mode = pooling_of(p).map_err(|e| bad("1_Pooling/config.json", &e))?;
        // a pooling that leaves out the prompt's tokens (INSTRUCTOR-style) would need the prompt's length
        if p.get("include_prompt").and_then(Value::as_bool) == Some(false) && matches!(mode, Pooling::Mean | Pooling::Max) {
            return Err(bad("1_Pooling/config.json", &"include_prompt false (pooling without the prompt's tokens) is not supported"));
        }
        c.pooling = Some(mode);
    }
    if let Some(mode) = all.get("pooling_mode").filter(|v| !v.is_null()) {
        let m = mode.as_str().and_then(Pooling::parse);
        c.pooling = Some(m.ok_or_else(|| Error::InvalidArgument(format!("pooling {mode} is not one of mean, cls, lasttoken, max")))?);
        c.pooling_chosen = true;
    }
    if let Some(st) = all.get("sentence_transformers").filter(|v| !v.is_null()) {
        if let Some(prompts) = st.get("prompts").and_then(Value::as_object) {
            let text = |k: &str| prompts.get(k).and_then(Value::as_str).map(str::to_string);
            c.query_prefix = text("query");
            c.document_prefix = text("document").or_else(|| text("passage")).or_else(|| text("corpus"));
        }
    }
    if let Some(b) = all.get("sentence_bert").filter(|v| !v.is_null()) {
        if let Some(n) = b.get("max_seq_length").filter(|v| !v.is_null()) {
            let n = n.as_u64().filter(|&n| n >= 3).ok_or_else(|| bad("sentence_bert_config.json", &format!("max_seq_length is {n}")))?;
            c.max_tokens = Some(n as usize);
        }
    }
    if let Some(n) = all.get("tokenizer_config").and_then(|t| t.get("model_max_length")).and_then(Value::as_f64) {
        // Hugging Face writes 1e30 for "no limit"
        if (3.0..=1_000_000.0).contains(&n) {
            c.tokenizer_max_tokens = Some(n as usize);
        }
    }
    Ok(c)
}

/// The one pooling mode a `1_Pooling/config.json` switches on.
fn pooling_of(p: &Value) -> std::result::Result<Pooling, String> {
    if let Some(mode) = p.get("pooling_mode").and_then(Value::as_str) {
        return Pooling::parse(mode).ok_or_else(|| format!("pooling_mode {mode:?} is not one of mean, cls, lasttoken, max"));
    }
    let on = |k: &str| p.get(k).and_then(Value::as_bool).unwrap_or(false);
    let modes = [
        ("pooling_mode_mean_tokens", Some(Pooling::Mean)),
        ("pooling_mode_cls_token", Some(Pooling::Cls)),
        ("pooling_mode_lasttoken", Some(Pooling::LastToken)),
        ("pooling_mode_max_tokens", Some(Pooling::Max)),
        ("pooling_mode_mean_sqrt_len_tokens", None),
        ("pooling_mode_weightedmean_tokens", None),
    ];
    let chosen: Vec<_> = modes.iter().filter(|(k, _)| on(k)).collect();
    match chosen.as_slice() {
        [(_, Some(m))] => Ok(*m),
        [(k, None)] => Err(format!("{k} is not supported (mean, cls, lasttoken and max are)")),
        [] => Err("no pooling_mode_* is true".into()),
        _ => Err(format!(
            "{} pooling modes are on ({}); concatenated poolings are not supported",
            chosen.len(),
            chosen.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_transformers_configs_are_read() {
        let bge = r#"{"pooling": {"word_embedding_dimension": 384, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false},
            "sentence_transformers": {"prompts": {"query": "Represent this sentence for searching relevant passages: ", "document": ""}},
            "sentence_bert": {"max_seq_length": 512, "do_lower_case": true}}"#;
        let c = from_sentence_transformers(bge, "bge").unwrap();
        assert_eq!(c.pooling, Some(Pooling::Cls));
        assert_eq!(c.query_prefix.as_deref(), Some("Represent this sentence for searching relevant passages: "));
        assert_eq!(c.document_prefix.as_deref(), Some(""));
        assert_eq!(c.max_tokens, Some(512));
        let st6 = r#"{"tokenizer_config": {"model_max_length": 48}, "sentence_bert": {"module_output_name": "token_embeddings"}}"#;
        let c = from_sentence_transformers(st6, "st6").unwrap();
        assert_eq!((c.max_tokens, c.tokenizer_max_tokens), (None, Some(48)));
        let unlimited = r#"{"tokenizer_config": {"model_max_length": 1000000000000000019884624838656}}"#;
        assert_eq!(from_sentence_transformers(unlimited, "x").unwrap().tokenizer_max_tokens, None);
        let e5 = r#"{"pooling": {"pooling_mode": "mean"}, "sentence_transformers": {"prompts": {"query": "query: ", "passage": "passage: "}}}"#;
        let c = from_sentence_transformers(e5, "e5").unwrap();
        assert_eq!((c.pooling, c.document_prefix.as_deref()), (Some(Pooling::Mean), Some("passage: ")));
        assert_eq!(from_sentence_transformers("{}", "x").unwrap(), ModelConfig::default());
        let chosen = from_sentence_transformers(r#"{"pooling": {"pooling_mode_cls_token": true}, "pooling_mode": "max"}"#, "x").unwrap();
        assert_eq!((chosen.pooling, chosen.pooling_chosen), (Some(Pooling::Max), true));
        assert!(from_sentence_transformers(r#"{"pooling_mode": "sum"}"#, "x").is_err());
        for bad in [
            r#"{"pooling": {"pooling_mode_mean_tokens": true, "pooling_mode_max_tokens": true}}"#,
            r#"{"pooling": {"pooling_mode_mean_sqrt_len_tokens": true}}"#,
            r#"{"pooling": {}}"#,
            r#"{"pooling": {"pooling_mode": "mean", "include_prompt": false}}"#,
            r#"{"sentence_bert": {"max_seq_length": -1}}"#,
            "not json",
        ] {
            let e = from_sentence_transformers(bad, "m").unwrap_err().to_string();
            assert!(e.contains("of m"), "{e}");
        }
    }

    #[test]
    fn pooling_skips_padding() {
        // 3 token rows of 2 values, 2 real tokens
        let rows = [1.0, 4.0, 3.0, 2.0, 100.0, 100.0];
        let mut out = [0.0; 2];
        Pooling::Mean.pool(&rows, 2, 2, &mut out);
        assert_eq!(out, [2.0, 3.0]);
        Pooling::Cls.pool(&rows, 2, 2, &mut out);
        assert_eq!(out, [1.0, 4.0]);
        Pooling::LastToken.pool(&rows, 2, 2, &mut out);
        assert_eq!(out, [3.0, 2.0]);
        Pooling::Max.pool(&rows, 2, 2, &mut out);
        assert_eq!(out, [3.0, 4.0]);
        assert_eq!(Pooling::parse("CLS_token"), Some(Pooling::Cls));
        assert_eq!(Pooling::parse("weighted"), None);
    }
}
