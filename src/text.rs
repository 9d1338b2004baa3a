//! A sentence-embedding model: the tokenizer (Hugging Face `tokenizers`, from the model's
//! `tokenizer.json`), batches padded to their longest text, inference through the session pool
//! ([`crate::pool`]), and texts longer than the model's limit truncated or split into windows.
//!
//! The model contract: int64 inputs `input_ids` and `attention_mask` (and optionally
//! `token_type_ids`, fed zeros), shape `[batch, sequence]`, and either
//! - one float output `[batch, D]`, pooled in the graph (what `python/text_model.py` exports:
//!   metadata `imgsim.pooling`, `imgsim.normalized`), or
//! - token embeddings `[batch, sequence, D]` (any sentence-transformers / Hugging Face export:
//!   output `last_hidden_state` or `token_embeddings`), pooled here as the model's own
//!   configuration says ([`crate::text_config`]: mean, CLS, last token or max).
//!
//! Embeddings are always returned L2-normalised (cosines are unchanged by it). Metadata
//! `imgsim.max_tokens` and `imgsim.tokenizer_sha256` (which must match the tokenizer supplied),
//! `imgsim.query_prefix` and `imgsim.document_prefix` are read when present.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use ort::session::Session;
use ort::value::{TensorElementType, TensorRef, ValueType};
use tokenizers::{Tokenizer, TruncationParams};

use crate::error::{Error, Result};
use crate::pool::SessionPool;
use crate::text_config::{ModelConfig, Pooling};

/// What happens to a text longer than the token limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Keep the first `max_tokens` tokens (sentence-transformers does the same).
    Truncate,
    /// Split into windows of `max_tokens` tokens that overlap by this many tokens; the
    /// embedding is the renormalised mean of the windows' embeddings.
    Chunk { overlap: usize },
}

#[derive(Clone, Debug)]
pub struct TextOptions {
    /// ONNX Runtime intra-op threads per session; 0 = adaptive (see `pool`).
    pub intra_threads: usize,
    pub pool_size: usize,
    /// 0 = the model's limit; otherwise at most that.
    pub max_tokens: usize,
    pub overflow: Overflow,
    /// Texts per inference in `embed_all`.
    pub batch_size: usize,
    /// What the model's folder says (sentence-transformers configuration) or the caller chose;
    /// it overrides the model's metadata.
    pub config: ModelConfig,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions { intra_threads: 0, pool_size: 1, max_tokens: 0, overflow: Overflow::Truncate, batch_size: 32, config: ModelConfig::default() }
    }
}

pub struct TextModel {
    tokenizer: Tokenizer,
    /// Chunking only: the same tokenizer without truncation, and the special tokens it puts
    /// around a text (those of an empty text), made once at construction.
    whole: Option<(Tokenizer, Vec<u32>)>,
    sessions: SessionPool,
    pub max_tokens: usize,
    pub embedding_size: usize,
    pub overflow: Overflow,
    batch_size: usize,
    /// Batches of one `embed_all` call that run at once (the session pool's size).
    parallel_batches: usize,
    input_ids: String,
    attention_mask: String,
    token_type_ids: Option<String>,
    output: String,
    /// How token embeddings become one; `None`: the graph pools.
    pub pooling: Option<Pooling>,
    /// Whether the output still needs L2 normalisation.
    normalize: bool,
    /// What to put before a query and before a document (e5, bge); `None`: nothing.
    pub query_prefix: Option<String>,
    pub document_prefix: Option<String>,
    /// The model's `metadata_props`, sorted by key.
    pub metadata: Vec<(String, String)>,
}

/// Live `TextModel` count, for leak tests.
pub static LIVE_TEXT_MODELS: AtomicI64 = AtomicI64::new(0);

pub mod keys {
    pub const KIND: &str = "imgsim.kind";
    pub const MAX_TOKENS: &str = "imgsim.max_tokens";
    pub const POOLING: &str = "imgsim.pooling";
    pub const NORMALIZED: &str = "imgsim.normalized";
    pub const TOKENIZER_SHA256: &str = "imgsim.tokenizer_sha256";
    /// "padded": texts may share a run, padded to the longest; "single": one text per run, for
    /// models whose result for a text would depend on its batch (dynamic quantisation). Absent:
    /// "single" when the graph quantises at run time ([`dynamically_quantised`]), else "padded".
    pub const BATCHING: &str = "imgsim.batching";
    pub const QUERY_PREFIX: &str = "imgsim.query_prefix";
    pub const DOCUMENT_PREFIX: &str = "imgsim.document_prefix";
}

/// The token inputs of a BERT-style model: `input_ids`, `attention_mask` and optionally
/// `token_type_ids`, int64 `[batch, sequence]`; anything else is refused by name.
pub(crate) struct TokenInputs {
    pub input_ids: String,
    pub attention_mask: String,
    pub token_type_ids: Option<String>,
}

impl TokenInputs {
    /// The inputs of `session`; `kind` ("text model", "cross-encoder") and `what` name it in errors.
    pub(crate) fn of(session: &Session, kind: &str, what: &str) -> Result<TokenInputs> {
        let names: Vec<String> = session.inputs().iter().map(|i| i.name().to_string()).collect();
        for i in session.inputs() {
            match i.dtype() {
                ValueType::Tensor { ty: TensorElementType::Int64, shape, .. } if shape.len() == 2 => {}
                other => {
                    return Err(Error::Model(format!(
                        "input {} of {what} is {other}; a {kind} takes int64 [batch, sequence] tensors",
                        i.name()
                    )))
                }
            }
        }
        let need = |n: &str| -> Result<String> {
            names.iter().find(|x| x.as_str() == n).cloned().ok_or_else(|| {
                Error::Model(format!("the {kind} {what} has no input {n}; it has: {}", names.join(", ")))
            })
        };
        let input_ids = need("input_ids")?;
        let attention_mask = need("attention_mask")?;
        let token_type_ids = names.iter().find(|x| x.as_str() == "token_type_ids").cloned();
        if let Some(other) = names.iter().find(|x| !["input_ids", "attention_mask", "token_type_ids"].contains(&x.as_str())) {
            return Err(Error::Model(format!("the {kind} {what} has an input {other} this library cannot fill")));
        }
        Ok(TokenInputs { input_ids, attention_mask, token_type_ids })
    }
}

/// Whether the ONNX graph quantises activations at run time (an operator `DynamicQuantizeLinear`,
/// whose name an ONNX file stores as plain text).
pub fn dynamically_quantised(model: &[u8]) -> bool {
    const OP: &[u8] = b"DynamicQuantizeLinear";
    model.windows(OP.len()).any(|w| w == OP)
}

impl TextModel {
    /// The name of the model's token-id input.
    pub fn input_ids(&self) -> &str {
        &self.input_ids
    }

    /// The name of the model's output.
    pub fn output(&self) -> &str {
        &self.output
    }

    /// A model from its ONNX bytes and its `tokenizer.json` bytes; `what` names it in errors.
    pub fn from_bytes(model: Vec<u8>, tokenizer_json: &[u8], what: &str, options: TextOptions) -> Result<TextModel> {
        // a dynamically quantised graph computes one activation scale per batch: batching would
        // make a text's vector depend on the other texts, so such a model runs one text per
        // inference unless its metadata says otherwise
        let dynamic = dynamically_quantised(&model);
        let (mut sessions, session) = SessionPool::new(model, options.intra_threads, options.pool_size, crate::pool::Device::Cpu, what)?;
        let metadata = crate::pool::metadata_of(&session);
        let meta = |k: &str| metadata.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        if let Some(kind) = meta(keys::KIND) {
            if kind != "text" {
                return Err(Error::Model(format!("the model {what} is an {kind} model (metadata {}), not a text model", keys::KIND)));
            }
        }
        if let Some(expected) = meta(keys::TOKENIZER_SHA256) {
            let actual = crate::checksum::sha256_hex(tokenizer_json);
            if !expected.eq_ignore_ascii_case(&actual) {
                return Err(Error::Model(format!(
                    "the tokenizer does not belong to the model {what}: its SHA-256 is {actual}, the model was exported with {expected}"
                )));
            }
        }
        let single = match meta(keys::BATCHING) {
            None => dynamic,
            Some("padded") => false,
            Some("single") => true,
            Some(other) => {
                return Err(Error::Model(format!("metadata {} of {what} is {other:?}; expected \"padded\" or \"single\"", keys::BATCHING)))
            }
        };
        let config = &options.config;
        let model_max: usize = match (config.max_tokens, meta(keys::MAX_TOKENS)) {
            (Some(n), _) => n,
            (None, Some(v)) => v.trim().parse().map_err(|_| Error::Model(format!("metadata {} of {what} is {v:?}, not a number", keys::MAX_TOKENS)))?,
            (None, None) => config.tokenizer_max_tokens.unwrap_or(512),
        };
        if model_max < 3 {
            return Err(Error::Model(format!("metadata {} of {what} is {model_max}; at least 3 tokens are needed", keys::MAX_TOKENS)));
        }
        let max_tokens = match options.max_tokens {
            0 => model_max,
            n if n > model_max => {
                return Err(Error::InvalidArgument(format!("maxTokens {n} is more than the model's limit of {model_max}")))
            }
            n if n < 3 => return Err(Error::InvalidArgument(format!("maxTokens must be at least 3, got {n}"))),
            n => n,
        };
        if let Overflow::Chunk { overlap } = options.overflow {
            if overlap + 2 >= max_tokens - 2 {
                return Err(Error::InvalidArgument(format!(
                    "the chunk overlap ({overlap} tokens) must be smaller than a window's text tokens ({})",
                    max_tokens - 2
                )));
            }
        }
        let mut tokenizer = Tokenizer::from_bytes(tokenizer_json)
            .map_err(|e| Error::Model(format!("cannot read the tokenizer of {what}: {e}")))?;
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: max_tokens, ..Default::default() }))
            .map_err(|e| Error::Model(format!("cannot configure the tokenizer of {what}: {e}")))?;
        tokenizer.with_padding(None);
        let whole = match options.overflow {
            Overflow::Truncate => None,
            Overflow::Chunk { overlap } => {
                let frame = tokenizer
                    .encode("", true)
                    .map_err(|e| Error::Model(format!("the tokenizer of {what} cannot encode an empty text: {e}")))?
                    .get_ids()
                    .to_vec();
                if overlap + frame.len() >= max_tokens {
                    return Err(Error::InvalidArgument(format!(
                        "the chunk overlap ({overlap} tokens) leaves no room in windows of {max_tokens} tokens"
                    )));
                }
                let mut t = tokenizer.clone();
                t.with_truncation(None).map_err(|e| Error::Model(format!("cannot configure the tokenizer of {what}: {e}")))?;
                Some((t, frame))
            }
        };
        let TokenInputs { input_ids, attention_mask, token_type_ids } = TokenInputs::of(&session, "text model", what)?;
        let outputs = session.outputs();
        let chosen = if outputs.len() == 1 {
            Some(&outputs[0])
        } else {
            ["sentence_embedding", "last_hidden_state", "token_embeddings"]
                .iter()
                .find_map(|n| outputs.iter().find(|o| o.name() == *n))
        };
        let Some(chosen) = chosen else {
            let names: Vec<&str> = outputs.iter().map(|o| o.name()).collect();
            return Err(Error::Model(format!(
                "the text model {what} has outputs {}; expected one output, or one named sentence_embedding, \
                 last_hidden_state or token_embeddings",
                names.join(", ")
            )));
        };
        let output = chosen.name().to_string();
        let rank = match chosen.dtype() {
            ValueType::Tensor { ty: TensorElementType::Float32, shape, .. } if shape.len() == 2 || shape.len() == 3 => shape.len(),
            other => {
                return Err(Error::Model(format!(
                    "output {output} of {what} is {other}; a text model returns float [batch, D] or token embeddings [batch, sequence, D]"
                )))
            }
        };
        let meta_pooling = match meta(keys::POOLING) {
            None => None,
            Some(p) => Some(Pooling::parse(p).ok_or_else(|| {
                Error::Model(format!("metadata {} of {what} is {p:?}; expected mean, cls, lasttoken or max", keys::POOLING))
            })?),
        };
        let (pooling, normalize) = if rank == 2 {
            if config.pooling_chosen {
                return Err(Error::InvalidArgument(format!(
                    "the text model {what} pools in its graph (output {output} is [batch, D]); a pooling cannot be chosen for it"
                )));
            }
            (None, meta(keys::NORMALIZED) != Some("true"))
        } else {
            let p = config.pooling.or(meta_pooling).ok_or_else(|| {
                Error::Model(format!(
                    "the text model {what} returns token embeddings (output {output} is [batch, sequence, D]) and does not say how \
                     to pool them: give its sentence-transformers folder (1_Pooling/config.json), choose a pooling, or set \
                     metadata {}",
                    keys::POOLING
                ))
            })?;
            (Some(p), true)
        };
        let prefix = |chosen: &Option<String>, key: &str| chosen.clone().or_else(|| meta(key).map(str::to_string)).filter(|p| !p.is_empty());
        let query_prefix = prefix(&config.query_prefix, keys::QUERY_PREFIX);
        let document_prefix = prefix(&config.document_prefix, keys::DOCUMENT_PREFIX);
        sessions.give(session);
        // counted from construction: `Drop` (which decrements) also runs if the probe below fails
        LIVE_TEXT_MODELS.fetch_add(1, Ordering::Relaxed);
        let mut m = TextModel {
            tokenizer,
            whole,
            sessions,
            max_tokens,
            embedding_size: 0,
            overflow: options.overflow,
            batch_size: if single { 1 } else { options.batch_size.max(1) },
            parallel_batches: options.pool_size.max(1),
            input_ids,
            attention_mask,
            token_type_ids,
            output,
            pooling,
            normalize,
            query_prefix,
            document_prefix,
            metadata,
        };
        let probe = m.embed_all(&["probe"]).map_err(|e| match e {
            Error::Runtime(msg) | Error::Model(msg) => Error::Model(format!("the text model {what} fails on a test input: {msg}")),
            other => other,
        })?;
        m.embedding_size = probe[0].len();
        Ok(m)
    }

    /// Token ids of a text as the model sees it: one window when truncating; when chunking,
    /// windows of at most `max_tokens` (special tokens included) overlapping by `overlap` text
    /// tokens, each framed by the special tokens the tokenizer puts around an empty text.
    fn windows(&self, text: &str) -> Result<Vec<Vec<u32>>> {
        let bad = |e: tokenizers::Error| Error::InvalidArgument(format!("the text cannot be tokenised: {e}"));
        let (Overflow::Chunk { overlap }, Some((whole, frame))) = (self.overflow, &self.whole) else {
            return Ok(vec![self.tokenizer.encode(text, true).map_err(bad)?.get_ids().to_vec()]);
        };
        let (head, tail) = frame.split_at(frame.len().min(1));
        let ids = whole.encode(text, false).map_err(bad)?.get_ids().to_vec();
        // checked at construction: overlap + frame < max_tokens
        let room = self.max_tokens - frame.len();
        let step = room - overlap;
        let mut out = Vec::new();
        let mut start = 0;
        loop {
            let end = (start + room).min(ids.len());
            out.push([head, &ids[start..end], tail].concat());
            if end == ids.len() {
                break;
            }
            start += step;
        }
        Ok(out)
    }

    /// Number of tokens (with the special ones) of each window of `text`.
    pub fn token_counts(&self, text: &str) -> Result<Vec<usize>> {
        Ok(self.windows(text)?.iter().map(|w| w.len()).collect())
    }

    pub fn embed(&self, text: &str) -> Result<Vec<f32>> {
        Ok(self.embed_all(&[text])?.pop().unwrap_or_default())
    }

    /// One normalised embedding per text. Texts are sorted by length and run in batches of
    /// similar lengths (less padding), or one per run when the model says so (`imgsim.batching`
    /// "single": dynamically quantised models), so that a text's embedding never depends on the
    /// other texts; the runs go side by side, one per session of the pool.
    pub fn embed_all<S: AsRef<str>>(&self, texts: &[S]) -> Result<Vec<Vec<f32>>> {
        let mut windows: Vec<(usize, Vec<u32>)> = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            for w in self.windows(t.as_ref())? {
                windows.push((i, w));
            }
        }
        let mut order: Vec<usize> = (0..windows.len()).collect();
        order.sort_by_key(|&k| windows[k].1.len());
        let batches: Vec<&[usize]> = order.chunks(self.batch_size).collect();
        // batches run side by side, one per session of the pool (each on one thread: the pool
        // gives overlapping calls narrow sessions), as many as the pool allows
        let workers = self.parallel_batches.min(batches.len()).max(1);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let run_batches = || -> Result<Vec<(usize, Vec<Vec<f32>>)>> {
            let mut done = Vec::new();
            loop {
                let b = next.fetch_add(1, Ordering::Relaxed);
                let Some(chunk) = batches.get(b) else { return Ok(done) };
                let batch: Vec<&[u32]> = chunk.iter().map(|&k| windows[k].1.as_slice()).collect();
                done.push((b, self.run(&batch)?));
            }
        };
        let mut outs: Vec<(usize, Vec<Vec<f32>>)> = if workers == 1 {
            run_batches()?
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..workers).map(|_| scope.spawn(run_batches)).collect();
                let mut all = Vec::new();
                for h in handles {
                    all.extend(h.join().map_err(|_| Error::Runtime("a text batch worker panicked".into()))??);
                }
                Ok::<_, Error>(all)
            })?
        };
        outs.sort_by_key(|(b, _)| *b);
        let mut sums: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        for (b, out) in outs {
            for (&k, e) in batches[b].iter().zip(out) {
                let s = &mut sums[windows[k].0];
                if s.is_empty() {
                    *s = e;
                } else {
                    s.iter_mut().zip(&e).for_each(|(a, b)| *a += b);
                }
            }
        }
        if matches!(self.overflow, Overflow::Chunk { .. }) {
            for s in &mut sums {
                let n = s.iter().map(|v| v * v).sum::<f32>().sqrt();
                if n > 0.0 {
                    s.iter_mut().for_each(|v| *v /= n);
                }
            }
        }
        Ok(sums)
    }

    /// Runs token windows padded to the longest; returns one embedding per window.
    pub fn run(&self, batch: &[&[u32]]) -> Result<Vec<Vec<f32>>> {
        let n = batch.len();
        let len = batch.iter().map(|w| w.len()).max().unwrap_or(0).max(1);
        let mut ids = vec![0i64; n * len];
        let mut mask = vec![0i64; n * len];
        for (r, w) in batch.iter().enumerate() {
            for (c, &t) in w.iter().enumerate() {
                ids[r * len + c] = t as i64;
                mask[r * len + c] = 1;
            }
        }
        let types = vec![0i64; if self.token_type_ids.is_some() { n * len } else { 0 }];
        let mut loan = self.sessions.checkout()?;
        let start = Instant::now();
        let result = self.run_on(loan.session(), &ids, &mask, &types, n, len);
        if result.is_ok() {
            loan.timed(start.elapsed().as_secs_f64() * 1e3 / n as f64);
        }
        result
    }

    fn run_on(&self, session: &mut Session, ids: &[i64], mask: &[i64], types: &[i64], n: usize, len: usize) -> Result<Vec<Vec<f32>>> {
        fn wrap(v: &[i64], n: usize, len: usize) -> Result<TensorRef<'_, i64>> {
            TensorRef::from_array_view(([n, len], v)).map_err(|e| Error::Runtime(format!("cannot wrap the token tensor: {e}")))
        }
        let mut inputs = ort::inputs![self.input_ids.as_str() => wrap(ids, n, len)?, self.attention_mask.as_str() => wrap(mask, n, len)?];
        if let Some(name) = &self.token_type_ids {
            inputs.push((name.as_str().into(), wrap(types, n, len)?.into()));
        }
        let outputs = session
            .run(inputs)
            .map_err(|e| Error::Runtime(format!("ONNX Runtime failed to run the text model: {e}")))?;
        let (shape, data) = outputs[self.output.as_str()]
            .try_extract_tensor::<f32>()
            .map_err(|e| Error::Model(format!("output {} is not a float tensor: {e}", self.output)))?;
        let want = if self.pooling.is_some() { 3 } else { 2 };
        let d = shape.last().copied().unwrap_or(0);
        if shape.len() != want || shape[0] != n as i64 || d <= 0 || (want == 3 && shape[1] != len as i64) {
            return Err(Error::Model(format!(
                "output {} has shape {:?} for {n} texts of {len} tokens; expected {}",
                self.output,
                &shape[..],
                if want == 3 { format!("[{n}, {len}, D]") } else { format!("[{n}, D]") }
            )));
        }
        let d = d as usize;
        let mut out: Vec<Vec<f32>> = match self.pooling {
            None => data.chunks_exact(d).map(|c| c.to_vec()).collect(),
            Some(p) => data
                .chunks_exact(len * d)
                .zip(mask.chunks_exact(len))
                .map(|(rows, m)| {
                    let mut v = vec![0f32; d];
                    // windows are left-aligned: the real tokens come first
                    p.pool(rows, d, m.iter().filter(|&&x| x != 0).count(), &mut v);
                    v
                })
                .collect(),
        };
        if self.normalize {
            for v in &mut out {
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                if norm > 0.0 {
                    v.iter_mut().for_each(|x| *x /= norm);
                }
            }
        }
        Ok(out)
    }

    pub fn sessions_created(&self) -> usize {
        self.sessions.sessions_created()
    }
}

impl Drop for TextModel {
    fn drop(&mut self) {
        LIVE_TEXT_MODELS.fetch_sub(1, Ordering::Relaxed);
    }
}

