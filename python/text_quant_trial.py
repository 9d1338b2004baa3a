"""Trial (issue 12): INT8 schemes for the text model side by side: the shipped dynamic model
(attention fused), the same without fusion (shipped before), the per-row scheme
(`text_model.py quantize --scheme rowwise`: batchable) and ONNX Runtime's weight-only
MatMulNBits quantiser, against FP32. Prints size, agreement with FP32, batch independence and
1-thread speed one text per run vs length-sorted batches of 32.

  python python/text_quant_trial.py            # needs python/fetch_text_data.sh; ~3 min on 2 cores

The models stay in build/text-trial/ (tokenizer beside them) for the Java benchmark:
  gradle textBench -PbenchArgs="--only separate --model build/text-trial/dynamic-unfused.onnx"

MatMulNBits (8-bit weights, block 32, symmetric, accuracy_level 4) quantises activations per row
block inside the kernel, so a text's result does not depend on its batch; the word-embedding table
is quantised to 4 bits (GatherBlockQuantized supports only 4) to reach the size target.
Result on the 2-core AMD EPYC VM (AVX2, no VNNI): docs/TEXT.md "Batchable INT8 trial".
"""
import logging
import os
import sys
import shutil
import time
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
import text_model as tm  # noqa: E402

logging.disable(logging.ERROR)


def fix_reduce_axes(m):
    """The quantiser raises the opset to 21, where Reduce* (but ReduceSum, handled) take axes as input."""
    if max(o.version for o in m.opset_import if o.domain in ('', 'ai.onnx')) < 18:
        return m
    for n in m.graph.node:
        ax = [a for a in n.attribute if a.name == 'axes']
        if n.op_type.startswith('Reduce') and ax:
            name = n.name.strip('/').replace('/', '_') + '_axes'
            m.graph.initializer.append(numpy_helper.from_array(np.array(ax[0].ints, np.int64), name))
            n.input.append(name)
            n.attribute.remove(ax[0])
    return m


def nbits(path, out, gather_bits=4):
    from onnxruntime.quantization import matmul_nbits_quantizer as mq
    q = mq.MatMulNBitsQuantizer(onnx.load(str(path)), bits=8, block_size=32, is_symmetric=True, accuracy_level=4,
                                op_types_to_quantize=('MatMul',))
    q.process()
    m = q.model.model
    if gather_bits:
        q = mq.MatMulNBitsQuantizer(m, bits=gather_bits, block_size=32, is_symmetric=True, accuracy_level=4,
                                    op_types_to_quantize=('Gather',))
        q.process()
        m = q.model.model
    onnx.save_model(fix_reduce_axes(m), str(out))
    return out


def main():
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(tm.TOKENIZER))
    tok.enable_truncation(tm.MAX_TOKENS)
    tok.no_padding()  # tokenizer.json pads to 256 by default
    items = tm.debian_texts()
    texts = [d[1][0] for d in items[:6000:12]]  # 500 synopses (short texts)
    mixed = texts[:400] + [d[1][1] for d in items[:3000:30]]  # + 100 long descriptions
    tmp = tm.ROOT / 'build' / 'text-trial'  # kept, with the tokenizer: gradle textBench -PbenchArgs="--model FILE"
    tmp.mkdir(parents=True, exist_ok=True)
    shutil.copy(tm.TOKENIZER, tmp / 'tokenizer.json')
    models = {'FP32': tm.FP32,
              'dynamic INT8, unfused (shipped before)': tm.quantize('dynamic-unfused', tmp / 'dynamic-unfused.onnx'),
              'dynamic INT8, fused attention (shipped)': tm.quantize('dynamic', tmp / 'dynamic.onnx'),
              'per-row INT8 (`--scheme rowwise`)': tm.quantize('rowwise', tmp / 'rowwise.onnx'),
              'MatMulNBits 8-bit + 4-bit embeddings': nbits(tm.FP32, tmp / 'nbits8-g4.onnx')}
    sess = {}
    for name, p in models.items():
        o = ort.SessionOptions()
        o.intra_op_num_threads = 1
        sess[name] = ort.InferenceSession(str(p), o, providers=['CPUExecutionProvider'])

    def run(s, encs):
        L = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), L), np.int64)
        mask = np.zeros((len(encs), L), np.int64)
        for r, e in enumerate(encs):
            ids[r, :len(e.ids)] = e.ids
            mask[r, :len(e.ids)] = 1
        return s.run(['embedding'], {'input_ids': ids, 'attention_mask': mask})[0]

    enc_mixed = tok.encode_batch(mixed)
    ref = np.concatenate([run(sess['FP32'], [e]) for e in enc_mixed])
    print('| model | size MB | cosine to FP32, mean / min (500 texts) | in random padded batches of 16 vs alone, min cosine |'
          ' 1 thread, one text per run, ms/text (median of 5) | 1 thread, length-sorted batches of 32, ms/text |')
    print('|---|---|---|---|---|---|')
    enc = tok.encode_batch(texts)
    order = np.argsort([len(e.ids) for e in enc])
    batches = [[enc[j] for j in order[i:i + 32]] for i in range(0, len(order), 32)]
    stats = {}
    for name, s in sess.items():
        alone = np.concatenate([run(s, [e]) for e in enc_mixed])
        c = (alone * ref).sum(1)
        perm = np.random.default_rng(0).permutation(len(enc_mixed))
        b = np.concatenate([run(s, [enc_mixed[j] for j in perm[i:i + 16]]) for i in range(0, len(perm), 16)])
        inb = np.empty_like(b)
        inb[perm] = b
        stats[name] = (c, (inb * alone).sum(1).min(), [], [])
    for _ in range(5):  # rounds interleaved over the models: a noisy moment hits all of them
        for name, s in sess.items():
            t1, t32 = stats[name][2:]
            t = time.perf_counter()
            for e in enc:
                run(s, [e])
            t1.append((time.perf_counter() - t) / len(enc) * 1000)
            t = time.perf_counter()
            for bt in batches:
                run(s, bt)
            t32.append((time.perf_counter() - t) / len(enc) * 1000)
    for name, (c, batch_min, t1, t32) in stats.items():
        print(f'| {name} | {os.path.getsize(models[name]) / 1e6:.1f} | {c.mean():.4f} / {c.min():.4f} | '
              f'{batch_min:.6f} | {np.median(t1):.2f} | {np.median(t32):.2f} |', flush=True)

if __name__ == '__main__':
    main()
