"""Reference outputs of the models `java/imgsim-bench/fetch-text-models.sh` fetches, computed the
plain Python way (onnxruntime + Hugging Face `tokenizers`, no imgsim code), for
`gradle textBench -PbenchArgs="--only models"` to compare the library's own results with:

    python python/check_fetched_models.py     # writes .cache/models/python_reference.json

- ms-marco-MiniLM-L-12-v2 (INT8): the logit of each (query, text) pair, one pair per run.
- bge-small-en-v1.5 (INT8): CLS token of last_hidden_state, L2-normalised, for each text as a
  document and with bge's retrieval prompt as a query.
Only INT8-to-INT8 checks are possible: no FP32 copy of either model is reachable here. Run it with
the onnxruntime the library ships (1.26.0, `pip install onnxruntime==1.26.0`): dynamically
quantised models round activations at run time, and another version's kernels move a score by up
to ~0.2 (onnxruntime 1.32: largest score difference 0.16 over these pairs).
"""
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / '.cache' / 'models'
QUERIES = ['how do I resize a photo', 'secure remote shell access', 'a moral about patience']
TEXTS = [
    'Resize, crop and convert images from the command line (ImageMagick).',
    'OpenSSH client: log in to a remote machine and run commands over an encrypted channel.',
    'The tortoise kept walking slowly and steadily, and won the race while the hare slept.',
    '',
    'Tokens beyond the limit are cut: ' + ' '.join(f'word{i}' for i in range(700)),
]
PROMPT = 'Represent this sentence for searching relevant passages: '


def session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), so, providers=['CPUExecutionProvider'])


def feed(e):
    return {'input_ids': np.array([e.ids], dtype=np.int64), 'attention_mask': np.array([e.attention_mask], dtype=np.int64),
            'token_type_ids': np.array([e.type_ids], dtype=np.int64)}


def main():
    out = {'queries': QUERIES, 'texts': TEXTS, 'prompt': PROMPT}
    ce_dir = MODELS / 'ms-marco-MiniLM-L-12-v2-int8'
    tok = Tokenizer.from_file(str(ce_dir / 'tokenizer.json'))
    tok.no_padding()
    tok.enable_truncation(512, strategy='longest_first')
    s = session(ce_dir / 'model.onnx')
    out['rerank'] = [[float(s.run(['logits'], feed(tok.encode(q, t)))[0][0][0]) for t in TEXTS] for q in QUERIES]

    bge_dir = MODELS / 'bge-small-en-v1.5-int8'
    tok = Tokenizer.from_file(str(bge_dir / 'tokenizer.json'))
    tok.no_padding()
    tok.enable_truncation(512)
    s = session(bge_dir / 'model.onnx')

    def embed(text):
        h = s.run(['last_hidden_state'], feed(tok.encode(text)))[0][0][0]
        return (h / np.linalg.norm(h)).tolist()

    out['bge_documents'] = [embed(t) for t in TEXTS]
    out['bge_queries'] = [embed(PROMPT + q) for q in QUERIES]
    dest = MODELS / 'python_reference.json'
    dest.write_text(json.dumps(out))
    print('wrote', dest, 'rerank scores:', [[round(x, 3) for x in row] for row in out['rerank']])


if __name__ == '__main__':
    main()
