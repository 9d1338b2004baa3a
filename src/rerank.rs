//! A cross-encoder: a model that reads a query and a candidate text together and scores how well
//! the text answers the query (the second stage of a search, `dev.imgsim.text.CrossEncoder`).
//!
//! The model contract is a Hugging Face sequence-classification export with one label (e.g.
//! cross-encoder/ms-marco-MiniLM-L-12-v2): int64 inputs `input_ids`, `attention_mask` and
//! optionally `token_type_ids` (0 for the query's tokens, 1 for the text's), shape
//! `[batch, sequence]`; one float output (`logits` when there are several) of shape `[batch, 1]`.
//! A pair is tokenised as the tokenizer's own pair template says (`[CLS] query [SEP] text [SEP]`
//! for BERT) and cut to the token limit from the longer side first, as sentence-transformers'
//! `CrossEncoder` does; the score is the raw logit (sentence-transformers applies a sigmoid on
//! top by default, which keeps the order).
//!
//! Each pair runs in an inference of its own, so that a pair's score never depends on the other
//! pairs of a call (dynamically quantised INT8 models compute one activation scale per batch);
//! the pairs of one call run side by side, one per session of the pool.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Instant;

use ort::session::Session;
use ort::value::{TensorElementType, TensorRef, ValueType};
use tokenizers::{Tokenizer, TruncationParams, TruncationStrategy};

use crate::error::{Error, Result};
use crate::pool::SessionPool;
use crate::text::TokenInputs;

/// How a cross-encoder runs.
#[derive(Clone, Debug, Default)]
pub struct RerankOptions {
    /// ONNX Runtime intra-op threads per session; 0 = adaptive (see [`crate::pool`]).
    pub intra_threads: usize,
    pub pool_size: usize,
    /// Tokens per pair, special ones included; 0 = the model's limit.
    pub max_tokens: usize,
    /// The model's limit when neither the tokenizer nor the metadata states one (from
    /// `tokenizer_config.json`'s `model_max_length`).
    pub model_max_tokens: Option<usize>,
}

pub struct CrossEncoderModel {
    tokenizer: Tokenizer,
    sessions: SessionPool,
    pub max_tokens: usize,
    parallel: usize,
    input_ids: String,
    attention_mask: String,
    token_type_ids: Option<String>,
    output: String,
    pub metadata: Vec<(String, String)>,
}

/// Native cross-encoders alive in this process (for leak tests).
pub static LIVE_CROSS_ENCODERS: AtomicI64 = AtomicI64::new(0);

impl CrossEncoderModel {
    /// A cross-encoder from its ONNX bytes and `tokenizer.json` bytes; `what` names it in errors.
    pub fn from_bytes(model: Vec<u8>, tokenizer_json: &[u8], what: &str, options: RerankOptions) -> Result<CrossEncoderModel> {
        let (mut sessions, session) = SessionPool::new(model, options.intra_threads, options.pool_size, crate::pool::Device::Cpu, what)?;
        let metadata = crate::pool::metadata_of(&session);
        let mut tokenizer = Tokenizer::from_bytes(tokenizer_json)
            .map_err(|e| Error::Model(format!("cannot read the tokenizer of {what}: {e}")))?;
        let meta_max = match metadata.iter().find(|(k, _)| k == crate::text::keys::MAX_TOKENS) {
            None => None,
            Some((k, v)) => Some(v.trim().parse::<usize>().map_err(|_| Error::Model(format!("metadata {k} of {what} is {v:?}, not a number")))?),
        };
        // a tokenizer.json often states the model's limit in its own truncation settings
        let model_max = meta_max
            .or(tokenizer.get_truncation().map(|t| t.max_length))
            .or(options.model_max_tokens.filter(|&n| n <= 1 << 20))
            .unwrap_or(512);
        let max_tokens = match options.max_tokens {
            0 => model_max,
            n if n > model_max => return Err(Error::InvalidArgument(format!("maxTokens {n} is more than the model's limit of {model_max}"))),
            n if n < 4 => return Err(Error::InvalidArgument(format!("maxTokens must be at least 4 for a query-text pair, got {n}"))),
            n => n,
        };
        if max_tokens < 4 {
            return Err(Error::Model(format!("the token limit of {what} is {max_tokens}; a query-text pair needs at least 4")));
        }
        tokenizer
            .with_truncation(Some(TruncationParams { max_length: max_tokens, strategy: TruncationStrategy::LongestFirst, ..Default::default() }))
            .map_err(|e| Error::Model(format!("cannot configure the tokenizer of {what}: {e}")))?;
        tokenizer.with_padding(None);

        let TokenInputs { input_ids, attention_mask, token_type_ids } = TokenInputs::of(&session, "cross-encoder", what)?;
        let outputs = session.outputs();
        let chosen = if outputs.len() == 1 { Some(&outputs[0]) } else { outputs.iter().find(|o| o.name() == "logits") };
        let Some(chosen) = chosen else {
            let names: Vec<&str> = outputs.iter().map(|o| o.name()).collect();
            return Err(Error::Model(format!(
                "the cross-encoder {what} has outputs {}; expected one output, or one named logits",
                names.join(", ")
            )));
        };
        let output = chosen.name().to_string();
        match chosen.dtype() {
            ValueType::Tensor { ty: TensorElementType::Float32, shape, .. } if shape.len() == 2 && (shape[1] == 1 || shape[1] < 0) => {}
            other => {
                return Err(Error::Model(format!(
                    "output {output} of {what} is {other}; a cross-encoder returns one relevance logit per pair, float [batch, 1] \
                     (a model with several labels is a classifier, not a reranker)"
                )))
            }
        }
        sessions.give(session);
        LIVE_CROSS_ENCODERS.fetch_add(1, Ordering::Relaxed);
        let m = CrossEncoderModel {
            tokenizer,
            sessions,
            max_tokens,
            parallel: options.pool_size.max(1),
            input_ids,
            attention_mask,
            token_type_ids,
            output,
            metadata,
        };
        m.score("probe", &["probe"]).map_err(|e| match e {
            Error::Runtime(msg) | Error::Model(msg) => Error::Model(format!("the cross-encoder {what} fails on a test input: {msg}")),
            other => other,
        })?;
        Ok(m)
    }

    /// The tokens (special ones included) of the pair as the model sees it, and their types.
    fn encode(&self, query: &str, text: &str) -> Result<(Vec<i64>, Vec<i64>)> {
        let e = self
            .tokenizer
            .encode((query, text), true)
            .map_err(|e| Error::InvalidArgument(format!("the pair cannot be tokenised: {e}")))?;
        Ok((e.get_ids().iter().map(|&t| t as i64).collect(), e.get_type_ids().iter().map(|&t| t as i64).collect()))
    }

    /// Tokens of the pair after truncation (special ones included).
    pub fn token_count(&self, query: &str, text: &str) -> Result<usize> {
        Ok(self.encode(query, text)?.0.len())
    }

    /// One score per text: how well it answers `query` (the model's logit; higher is better).
    pub fn score<S: AsRef<str>>(&self, query: &str, texts: &[S]) -> Result<Vec<f32>> {
        let pairs: Vec<(Vec<i64>, Vec<i64>)> = texts.iter().map(|t| self.encode(query, t.as_ref())).collect::<Result<_>>()?;
        let mut out = vec![0f32; pairs.len()];
        let workers = self.parallel.min(pairs.len()).max(1);
        let next = AtomicUsize::new(0);
        let work = || -> Result<Vec<(usize, f32)>> {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((ids, types)) = pairs.get(i) else { return Ok(done) };
                done.push((i, self.run(ids, types)?));
            }
        };
        let scored = if workers == 1 {
            work()?
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..workers).map(|_| scope.spawn(work)).collect();
                let mut all = Vec::new();
                for h in handles {
                    all.extend(h.join().map_err(|_| Error::Runtime("a reranking worker panicked".into()))??);
                }
                Ok::<_, Error>(all)
            })?
        };
        for (i, s) in scored {
            out[i] = s;
        }
        Ok(out)
    }

    fn run(&self, ids: &[i64], types: &[i64]) -> Result<f32> {
        let mask = vec![1i64; ids.len()];
        let mut loan = self.sessions.checkout()?;
        let start = Instant::now();
        let r = self.run_on(loan.session(), ids, &mask, types);
        if r.is_ok() {
            loan.timed(start.elapsed().as_secs_f64() * 1e3);
        }
        r
    }

    fn run_on(&self, session: &mut Session, ids: &[i64], mask: &[i64], types: &[i64]) -> Result<f32> {
        fn wrap(v: &[i64]) -> Result<TensorRef<'_, i64>> {
            TensorRef::from_array_view(([1usize, v.len()], v)).map_err(|e| Error::Runtime(format!("cannot wrap the token tensor: {e}")))
        }
        let mut inputs = ort::inputs![self.input_ids.as_str() => wrap(ids)?, self.attention_mask.as_str() => wrap(mask)?];
        if let Some(name) = &self.token_type_ids {
            inputs.push((name.as_str().into(), wrap(types)?.into()));
        }
        let outputs = session
            .run(inputs)
            .map_err(|e| Error::Runtime(format!("ONNX Runtime failed to run the cross-encoder: {e}")))?;
        let (shape, data) = outputs[self.output.as_str()]
            .try_extract_tensor::<f32>()
            .map_err(|e| Error::Model(format!("output {} is not a float tensor: {e}", self.output)))?;
        if shape.len() != 2 || shape[0] != 1 || shape[1] != 1 || data.len() != 1 {
            return Err(Error::Model(format!("output {} has shape {:?} for one pair; expected [1, 1]", self.output, &shape[..])));
        }
        Ok(data[0])
    }

    pub fn sessions_created(&self) -> usize {
        self.sessions.sessions_created()
    }
}

impl Drop for CrossEncoderModel {
    fn drop(&mut self) {
        LIVE_CROSS_ENCODERS.fetch_sub(1, Ordering::Relaxed);
    }
}
