"""A tiny sentence-transformers model, exported the way Hugging Face / sentence-transformers
ONNX exports are (token embeddings out, pooling and prompts in the folder's configuration), and
the vectors sentence-transformers itself computes with it: the fixture behind
`SentenceTransformersFolderTest` (imgsim-text), which checks that `TextEmbedder` reads a folder's
pooling, token limit and prompts and gives sentence-transformers' vectors.

    python python/st_fixture.py      # models/fixtures/st-tiny/ (~150 KB) + st_tiny_golden.json

The model is random (seeded) BERT, 2 layers of width 32, with a WordPiece vocabulary of 400
trained on the check texts below: not a useful model, a faithful format. Needs torch,
transformers, sentence-transformers, tokenizers (python/requirements.txt).
"""
import json
import shutil
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'models' / 'fixtures' / 'st-tiny'
GOLDEN = ROOT / 'models' / 'fixtures' / 'st_tiny_golden.json'

TEXTS = [
    'A cat sits on the warm windowsill.',
    'The kitten is resting by the window in the sun.',
    'Install the package with the system package manager.',
    'How do I resize a photo without losing quality?',
    'Rust compiles to fast native code.',
    '',
    'x',
    'Tokens beyond the limit are cut: ' + ' '.join(f'word{i}' for i in range(80)),
]
MAX_SEQ = 48


def main():
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast
    from sentence_transformers import SentenceTransformer, models as st_models

    torch.manual_seed(7)
    tok = Tokenizer(models.WordPiece(unk_token='[UNK]'))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
    corpus = TEXTS * 3 + ['the quick brown fox jumps over the lazy dog'] * 3
    tok.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=400, special_tokens=specials))
    cls, sep = tok.token_to_id('[CLS]'), tok.token_to_id('[SEP]')
    tok.post_processor = processors.TemplateProcessing(single='[CLS] $A [SEP]', pair='[CLS] $A [SEP] $B:1 [SEP]:1',
                                                       special_tokens=[('[CLS]', cls), ('[SEP]', sep)])
    tok.decoder = __import__('tokenizers').decoders.WordPiece()

    work = Path('/tmp/st-tiny-hf')
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token='[UNK]', pad_token='[PAD]', cls_token='[CLS]',
                                   sep_token='[SEP]', mask_token='[MASK]', model_max_length=MAX_SEQ)
    fast.save_pretrained(work)
    cfg = BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=64)
    bert = BertModel(cfg, add_pooling_layer=False).eval()
    bert.save_pretrained(work)

    word = st_models.Transformer(str(work), max_seq_length=MAX_SEQ)
    pool = st_models.Pooling(32, pooling_mode='cls')
    st = SentenceTransformer(modules=[word, pool, st_models.Normalize()],
                             prompts={'query': 'query: ', 'document': 'passage: '})
    shutil.rmtree(OUT, ignore_errors=True)
    st.save(str(OUT))
    # the ONNX export as Hugging Face exports it: onnx/model.onnx, token embeddings out
    for f in OUT.glob('*.safetensors'):
        f.unlink()
    (OUT / 'onnx').mkdir()
    ids = torch.tensor([[cls, 7, 8, sep]])
    mask = torch.ones_like(ids)
    types = torch.zeros_like(ids)

    class Wrapped(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    torch.onnx.export(Wrapped(bert), (ids, mask, types), str(OUT / 'onnx' / 'model.onnx'), dynamo=False, opset_version=17,
                      input_names=['input_ids', 'attention_mask', 'token_type_ids'], output_names=['last_hidden_state'],
                      dynamic_axes={n: {0: 'batch', 1: 'sequence'} for n in ['input_ids', 'attention_mask', 'token_type_ids', 'last_hidden_state']})
    for extra in ['vocab.txt', 'special_tokens_map.json', 'README.md']:
        (OUT / extra).unlink(missing_ok=True)

    golden = {'source': 'python/st_fixture.py: sentence-transformers ' + __import__('sentence_transformers').__version__,
              'texts': TEXTS, 'max_seq_length': MAX_SEQ}
    for mode in ['cls', 'mean', 'lasttoken', 'max']:
        p = st_models.Pooling(32, pooling_mode=mode)
        m = SentenceTransformer(modules=[word, p, st_models.Normalize()])
        golden[mode] = [[round(float(v), 7) for v in row] for row in m.encode(TEXTS, batch_size=3)]
    golden['query'] = [[round(float(v), 7) for v in row] for row in st.encode(TEXTS, prompt_name='query')]
    golden['document'] = [[round(float(v), 7) for v in row] for row in st.encode(TEXTS, prompt_name='document')]
    GOLDEN.write_text(json.dumps(golden, indent=0) + '\n')
    size = sum(f.stat().st_size for f in OUT.rglob('*') if f.is_file())
    print(f'wrote {OUT} ({size / 1024:.0f} KB): {sorted(str(f.relative_to(OUT)) for f in OUT.rglob("*") if f.is_file())}')
    print(f'wrote {GOLDEN}')


if __name__ == '__main__':
    main()
