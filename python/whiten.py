"""Learned whitening for an exported image model: a linear map, fitted on training views only,
that shrinks the directions in which everyday edits move an embedding, appended to the ONNX
graph (Sub, MatMul, L2 normalisation), so the library runs it with no change.

  python python/whiten.py .cache/runs/v2e/encoder-192.onnx --out .cache/runs/v2e/encoder-192-w.onnx

Fitting (Radenovic et al., "Fine-tuning CNN image retrieval with no human annotation", learned
whitening): `--pairs` instances drawn as in python/train_v2.py (its training sources, its
`instance` and `edit`), each as a clean and an edited view; mu = mean of the clean views'
embeddings; S_w = covariance of (clean - edited) differences; the map is
x -> (x - mu) (S_w + shrink * mean(eig S_w) I)^(-1/2). `--mode pca` instead whitens by the
covariance of the clean views (plain PCA whitening). The shrinkage is chosen on held-out
training pairs (recall@1 of edited views among clean ones), never on the benchmark.
"""
import argparse
import random
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_v2  # noqa: E402
from imgsim_model import data  # noqa: E402


def embedder(path):
    m = onnx.load(str(path))
    meta = {p.key: p.value for p in m.metadata_props}
    size = (int(meta['imgsim.input_width']), int(meta['imgsim.input_height']))
    mean = [float(v) for v in meta['imgsim.mean'].split(',')]
    std = [float(v) for v in meta['imgsim.std'].split(',')]
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    sess = ort.InferenceSession(str(path), so, providers=['CPUExecutionProvider'])

    def run(imgs):
        out = []
        for i in range(0, len(imgs), 32):
            x = np.stack([data.preprocess(im, size, mean, std) for im in imgs[i:i + 32]])
            out.append(sess.run(['output'], {'input': x})[0])
        return np.concatenate(out).astype(np.float64)
    return run


def views(n, seed, documents):
    """n (clean, edited) pairs, drawn like train_v2's (same sources and kind weights)."""
    sources = train_v2.training_sources(documents=documents)
    weights = train_v2.kind_weights(documents)
    by_kind = {}
    for s in sources:
        by_kind.setdefault(s[0], []).append(s)
    kinds = [k for k in weights if k == 'text' or k in by_kind]
    rng = random.Random(seed)
    clean, edited = [], []
    for _ in range(n):
        k = rng.choices(kinds, [weights[k] for k in kinds])[0]
        inst = train_v2.text_page(rng) if k == 'text' else train_v2.instance(rng.choice(by_kind[k]), rng)
        clean.append(inst)
        edited.append(train_v2.edit(inst, rng))
    return clean, edited


def fit(zc, ze, mode, shrink):
    mu = zc.mean(0)
    if mode == 'pairs':
        d = zc - ze
        cov = d.T @ d / len(d)
    else:
        c = zc - mu
        cov = c.T @ c / len(c)
    w, v = np.linalg.eigh(cov)
    w = np.maximum(w, 0) + shrink * w.mean()
    return mu, (v / np.sqrt(w)) @ v.T  # symmetric inverse square root


def apply(z, mu, p):
    y = (z - mu) @ p
    return y / np.linalg.norm(y, axis=1, keepdims=True)


def recall1(zc, ze):
    s = ze @ zc.T
    return float(np.mean(s.argmax(1) == np.arange(len(ze))))


def append_whitening(src, dst, mu, p):
    m = onnx.load(str(src))
    g = m.graph
    out = g.output[0].name
    raw = out + '_unwhitened'
    for node in g.node:
        node.output[:] = [raw if o == out else o for o in node.output]
    g.initializer.extend([numpy_helper.from_array(mu.astype(np.float32), 'whiten_mean'),
                          numpy_helper.from_array(p.astype(np.float32), 'whiten_matrix')])
    g.node.extend([helper.make_node('Sub', [raw, 'whiten_mean'], ['whiten_centred']),
                   helper.make_node('MatMul', ['whiten_centred', 'whiten_matrix'], ['whiten_projected']),
                   helper.make_node('LpNormalization', ['whiten_projected'], [out], axis=1, p=2)])
    meta = {x.key: x for x in m.metadata_props}
    if 'imgsim.model_name' in meta:
        meta['imgsim.model_name'].value += '-whitened'
    onnx.checker.check_model(m)
    onnx.save_model(m, str(dst), save_as_external_data=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('model')
    ap.add_argument('--out', required=True)
    ap.add_argument('--mode', choices=['pairs', 'pca'], default='pairs')
    ap.add_argument('--pairs', type=int, default=3000, help='training pairs to fit on')
    ap.add_argument('--held-out', type=int, default=1000, help='training pairs to choose the shrinkage on')
    ap.add_argument('--documents', type=int, default=400, help='as train_v2.py --documents (0: off)')
    ap.add_argument('--seed', type=int, default=3)
    a = ap.parse_args()
    run = embedder(a.model)
    clean, edited = views(a.pairs + a.held_out, a.seed, a.documents)
    zc, ze = run(clean), run(edited)
    fc, fe, hc, he = zc[:a.pairs], ze[:a.pairs], zc[a.pairs:], ze[a.pairs:]
    print(f'held-out training pairs: recall@1 of edited among clean, without whitening {recall1(hc, he):.3f}')
    best = None
    for shrink in (0.01, 0.03, 0.1, 0.3, 1.0):
        mu, p = fit(fc, fe, a.mode, shrink)
        r = recall1(apply(hc, mu, p), apply(he, mu, p))
        print(f'  {a.mode} whitening, shrink {shrink}: {r:.3f}')
        if best is None or r > best[0]:
            best = (r, shrink)
    mu, p = fit(zc, ze, a.mode, best[1])  # refit on all the pairs with the chosen shrinkage
    append_whitening(a.model, a.out, mu, p)
    ref = apply(run(clean[:4]), mu, p)  # the whitened file must match the map applied in numpy
    got = embedder(a.out)(clean[:4])
    assert np.abs(ref - got).max() < 1e-4, np.abs(ref - got).max()
    print(f'wrote {a.out} (shrink {best[1]}, {a.mode})')


if __name__ == '__main__':
    main()
