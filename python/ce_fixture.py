"""A tiny cross-encoder, exported the way Hugging Face exports a sequence-classification model to
ONNX (`logits` out, one label), and the scores sentence-transformers' own `CrossEncoder` gives
with it: the fixture behind `CrossEncoderTest` (imgsim-text), which checks that the Rust core
tokenises query-text pairs (truncating the longer side first) and scores them as
sentence-transformers does.

    python python/ce_fixture.py      # models/fixtures/ce-tiny/ (~150 KB) + ce_tiny_golden.json

The model is random (seeded) BERT, 2 layers of width 32, with a WordPiece vocabulary of 400
trained on the check texts below: not a useful model, a faithful format. Needs torch,
transformers, sentence-transformers, tokenizers (python/requirements.txt).
"""
import json
import shutil
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'models' / 'fixtures' / 'ce-tiny'
GOLDEN = ROOT / 'models' / 'fixtures' / 'ce_tiny_golden.json'

QUERY = 'how do I resize a photo'
TEXTS = [
    'Resize and convert images from the command line.',
    'A cat sits on the warm windowsill.',
    'Install the package with the system package manager.',
    '',
    'x',
    'Tokens beyond the limit are cut from the longer side first: ' + ' '.join(f'word{i}' for i in range(80)),
]
LONG_QUERY = 'a long query ' + ' '.join(f'term{i}' for i in range(60))
MAX_LENGTH = 48


def main():
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast
    from sentence_transformers import CrossEncoder

    torch.manual_seed(11)
    tok = Tokenizer(models.WordPiece(unk_token='[UNK]'))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
    corpus = (TEXTS + [QUERY, LONG_QUERY]) * 3 + ['the quick brown fox jumps over the lazy dog'] * 3
    tok.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=400, special_tokens=specials))
    cls, sep = tok.token_to_id('[CLS]'), tok.token_to_id('[SEP]')
    tok.post_processor = processors.TemplateProcessing(single='[CLS] $A [SEP]', pair='[CLS] $A [SEP] $B:1 [SEP]:1',
                                                       special_tokens=[('[CLS]', cls), ('[SEP]', sep)])
    tok.decoder = decoders.WordPiece()

    work = Path('/tmp/ce-tiny-hf')
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token='[UNK]', pad_token='[PAD]', cls_token='[CLS]',
                                   sep_token='[SEP]', mask_token='[MASK]', model_max_length=MAX_LENGTH,
                                   model_input_names=['input_ids', 'token_type_ids', 'attention_mask'])
    fast.save_pretrained(work)
    cfg = BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=64, num_labels=1,
                     initializer_range=0.6)
    bert = BertForSequenceClassification(cfg).eval()
    with torch.no_grad():  # spread the scores (a random head gives near-constant ones)
        bert.classifier.weight.mul_(20.0)
    bert.save_pretrained(work)

    ce = CrossEncoder(str(work), max_length=MAX_LENGTH, activation_fn=torch.nn.Identity())
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    for f in ['tokenizer.json', 'tokenizer_config.json', 'config.json']:
        shutil.copy(work / f, OUT / f)
    ids = torch.tensor([[cls, 7, 8, sep, 9, sep]])
    mask = torch.ones_like(ids)
    types = torch.tensor([[0, 0, 0, 0, 1, 1]])

    class Wrapped(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits

    torch.onnx.export(Wrapped(bert), (ids, mask, types), str(OUT / 'model.onnx'), dynamo=False, opset_version=17,
                      input_names=['input_ids', 'attention_mask', 'token_type_ids'], output_names=['logits'],
                      dynamic_axes={'input_ids': {0: 'batch', 1: 'sequence'}, 'attention_mask': {0: 'batch', 1: 'sequence'},
                                    'token_type_ids': {0: 'batch', 1: 'sequence'}, 'logits': {0: 'batch'}})

    pairs = [(QUERY, t) for t in TEXTS] + [(LONG_QUERY, TEXTS[0]), (LONG_QUERY, TEXTS[-1])]
    scores = ce.predict(pairs, batch_size=3, convert_to_numpy=True)
    golden = {'source': 'python/ce_fixture.py: sentence-transformers ' + __import__('sentence_transformers').__version__
                        + ' CrossEncoder, identity activation (raw logits)',
              'max_length': MAX_LENGTH, 'pairs': [list(p) for p in pairs],
              'scores': [round(float(s), 7) for s in scores],
              # as predict() tokenises: in batch form, where an empty text is still a second sequence
              'tokens': [len(ce.tokenizer([q], [t], truncation=True, max_length=MAX_LENGTH)['input_ids'][0]) for q, t in pairs]}
    GOLDEN.write_text(json.dumps(golden, indent=0) + '\n')
    size = sum(f.stat().st_size for f in OUT.rglob('*') if f.is_file())
    print(f'wrote {OUT} ({size / 1024:.0f} KB): {sorted(str(f.relative_to(OUT)) for f in OUT.rglob("*") if f.is_file())}')
    print(f'wrote {GOLDEN}: {golden["scores"]} tokens {golden["tokens"]}')


if __name__ == '__main__':
    main()
