"""FP32 vs INT8, Python side of docs/EDGE.md (the library's own latencies come from
`gradle edgeBench`; `bash python/edge.sh` runs both):

  python python/edge_eval.py models/image-similarity.onnx models/image-similarity-int8.onnx

Prints file sizes, PyTorch FP32 latency on the same input, onnxruntime latencies, the cosine
between FP32 and INT8 embeddings over the evaluation photos (and their transformed copies), and
near-duplicate recall@1 / mAP of both (the benchmark of evaluate.py).
"""
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evaluate as ev  # noqa: E402
from export import build_encoder  # noqa: E402
from imgsim_model import data  # noqa: E402


def median_ms(fn, n=30):
    for _ in range(3):
        fn()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1000)
    return float(np.median(ts))


def main():
    fp32_path, int8_path = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    fp32, int8 = ev.OnnxEmbedder(fp32_path), ev.OnnxEmbedder(int8_path)
    x = data.preprocess(Image.open(ev.EVAL / 'skimage/chelsea.png'), fp32.size)[None]
    enc = build_encoder('transfer').eval()
    with torch.no_grad():
        pt_ms = median_ms(lambda: enc(torch.from_numpy(x)))
    print('| | FP32 | INT8 | ratio |\n|---|---|---|---|')
    s32, s8 = Path(fp32_path).stat().st_size / 1e6, Path(int8_path).stat().st_size / 1e6
    print(f'| file size (MB) | {s32:.1f} | {s8:.1f} | {s8 / s32:.2f} |')
    l32 = median_ms(lambda: fp32.sess.run(['output'], {'input': x}))
    l8 = median_ms(lambda: int8.sess.run(['output'], {'input': x}))
    print(f'| onnxruntime (Python), 1 thread, 224x224 (ms) | {l32:.2f} | {l8:.2f} | {l8 / l32:.2f} |')
    print(f'| PyTorch FP32 (the original), 1 thread, same input (ms) | {pt_ms:.2f} | - | - |')
    originals = [data.to_rgb(Image.open(ev.EVAL / n)) for n in ev.ORIGINALS]
    for im in originals:
        im.thumbnail((1024, 1024), Image.BILINEAR)
    queries, target, kinds = [], [], []
    for i, im in enumerate(originals):
        for k, f in ev.TRANSFORMS.items():
            queries.append(f(im))
            target.append(i)
            kinds.append(k)
    target = np.array(target)
    extra = ev.distractors(600)
    res = {}
    for name, e in (('FP32', fp32), ('INT8', int8)):
        db, q = e(originals + extra), e(queries)
        r = ev.ranks(ev.similarity(q, db, 'cosine'), target)
        res[name] = (db, q, r)
    db_cos = (res['FP32'][0] * res['INT8'][0]).sum(1)
    q_cos = (res['FP32'][1] * res['INT8'][1]).sum(1)
    c = np.concatenate([db_cos, q_cos])
    print(f'| cosine(FP32, INT8) over {len(c)} images (originals, distractors, transformed copies): mean / min | - | '
          f'{c.mean():.4f} / {c.min():.4f} | - |')
    # the distractors are crops of the training photos (also the calibration and fine-tuning
    # data); the evaluation photos and their transformed copies were never seen
    held = np.concatenate([db_cos[:len(originals)], q_cos])
    print(f'| cosine(FP32, INT8) over the {len(held)} evaluation photos and their transformed copies only: mean / min | - | '
          f'{held.mean():.4f} / {held.min():.4f} | - |')
    r32, r8 = res['FP32'][2], res['INT8'][2]
    print(f'| near-duplicate recall@1 (396 queries) | {np.mean(r32 <= 1):.3f} | {np.mean(r8 <= 1):.3f} | '
          f'{np.mean(r8 <= 1) - np.mean(r32 <= 1):+.3f} |')
    print(f'| near-duplicate mAP | {np.mean(1 / r32):.3f} | {np.mean(1 / r8):.3f} | {np.mean(1 / r8) - np.mean(1 / r32):+.3f} |')
    kinds = np.array(kinds)
    worst = min(ev.TRANSFORMS, key=lambda k: np.mean(r8[kinds == k] <= 1))
    print(f'| weakest transform for INT8 ({worst}), recall@1 | {np.mean(r32[kinds == worst] <= 1):.3f} | '
          f'{np.mean(r8[kinds == worst] <= 1):.3f} | - |')


if __name__ == '__main__':
    main()
