/**
 * Semantic text embeddings on the device: {@link dev.imgsim.text.TextEmbedder} turns texts into
 * sentence embeddings with a distilled BERT (bundled: INT8 all-MiniLM-L6-v2) run by imgsim's native
 * library, which tokenises in Rust; only the vectors need to leave the machine.
 */
package dev.imgsim.text;
