"""The invariance benchmark: near-duplicate retrieval under everyday edits, hard enough to steer by.

  bash python/fetch_bench.sh                                   # Debian packages -> .cache/data/pkg
  python python/invariance_bench.py models/image-similarity.onnx [more.onnx ...] \
      [--json docs/results/invariance.json] > docs/results/invariance-run.md

340 originals of six kinds (photographs, drawings, UI screenshots, document pages, icons, scientific
images; python/imgsim_model/benchset.py picks them with a fixed seed from packages the training
never sees), each edited 28 ways (the 9 edits of the first benchmark, rotations by 90/180/270
degrees, heavy crops, overlays, padding, perspective, blur, noise, colour, gamma, JPEG q20, and
four pairs of edits) = 9,520 queries, searched among the 340 originals + >= 10,000 distractors
(less the few distractors that are an original turned or mirrored: `copies_of_originals`).

Per edit: recall@1, mAP (one relevant item per query, so mAP = mean reciprocal rank), and the
duplicate finder's operating point: each query's 10 nearest database images are candidate pairs
(what a k-NN index returns); one global threshold, the lowest at which >= 99 % of the candidate
pairs at or above it are true (query, original) pairs; per edit, the share of queries whose
original is found at or above it (like the micro-AP of copy-detection benchmarks, at one point).
Methods side by side: each ONNX model (the library's preprocessing, 2 ORT threads), dHash, pHash,
a 16x16 thumbnail; plus Fashion-MNIST class retrieval (precision@10) and 1-thread latency.
Embeddings are cached per model file (sha256) under .cache/data/bench/emb/.
"""
import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate import DHash, OnnxEmbedder, PHash, Thumbnail, fashion  # noqa: E402
from imgsim_model import benchset, data  # noqa: E402

EMB = benchset.OUT / 'emb'


class Onnx(OnnxEmbedder):
    def __init__(self, path, threads=2):
        super().__init__(path)
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        self.threads_sess = ort.InferenceSession(str(path), so, providers=['CPUExecutionProvider'])
        self.key = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16] + f'-{self.size[0]}'

    def __call__(self, imgs):
        out = []
        for i in range(0, len(imgs), 16):
            x = np.stack([data.preprocess(im, self.size, self.mean, self.std) for im in imgs[i:i + 16]])
            out.append(self.threads_sess.run(['output'], {'input': x})[0])
        return np.concatenate(out)


for cls, key in ((DHash, 'dhash'), (PHash, 'phash'), (Thumbnail, 'thumb16')):
    cls.key = key


def embed_all(embedders, files, desc):
    """One pass over the files (decoded once), every embedder fed; cached per embedder."""
    from tqdm import tqdm
    todo = []
    res = {}
    for e in embedders:
        f = EMB / f'{e.key}-{desc}.npy'
        if f.exists():
            res[e.key] = np.load(f)
        else:
            todo.append(e)
    if todo:
        parts = {e.key: [] for e in todo}
        for i in tqdm(range(0, len(files), 64), desc=f'{desc} ({", ".join(e.key for e in todo)})', file=sys.stderr,
                      mininterval=10):
            imgs = [data.to_rgb(Image.open(benchset.OUT / f)) for f in files[i:i + 64]]
            for e in todo:
                parts[e.key].append(e(imgs))
        EMB.mkdir(parents=True, exist_ok=True)
        for e in todo:
            res[e.key] = np.concatenate(parts[e.key])
            np.save(EMB / f'{e.key}-{desc}.npy', res[e.key])
    return res


def scores(q, db, metric):
    """Similarity matrix: cosine, or minus the Hamming distance for binary hashes."""
    if metric == 'hamming':
        qs, ds = q.astype(np.float32) * 2 - 1, db.astype(np.float32) * 2 - 1
        return -(q.shape[1] - qs @ ds.T) / 2
    qn = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
    dn = db / np.maximum(np.linalg.norm(db, axis=1, keepdims=True), 1e-12)
    return (qn @ dn.T).astype(np.float32)


def evaluate(q, db, target, metric, precision=0.99, k=10):
    """Ranks of each query's original, and the duplicate finder's operating point: every query's
    top-k database results are candidate pairs (what a k-NN index returns); one global threshold,
    the lowest at which the candidates at or above it are >= `precision` true (query, original)
    pairs; a query's duplicate is found when its original is among its candidates at or above it."""
    rank = np.zeros(len(q), np.int64)
    pos = np.zeros(len(q), np.float32)
    cand_s, cand_t = [], []
    for i in range(0, len(q), 512):
        s = scores(q[i:i + 512], db, metric)
        idx = np.arange(s.shape[0])
        tg = target[i:i + 512]
        t = s[idx, tg]
        pos[i:i + 512] = t
        rank[i:i + 512] = (s > t[:, None]).sum(1) + (s == t[:, None]).sum(1)  # ties count against the query
        top = np.argpartition(-s, k, axis=1)[:, :k]
        cand_s.append(np.take_along_axis(s, top, 1).ravel())
        cand_t.append((top == tg[:, None]).ravel())
    cs, ct = np.concatenate(cand_s), np.concatenate(cand_t)
    order = np.argsort(-cs, kind='stable')
    cs, ct = cs[order], ct[order]
    prec = np.cumsum(ct) / np.arange(1, len(ct) + 1)
    group_end = np.r_[cs[:-1] > cs[1:], True]  # a threshold takes a whole group of tied scores
    ok = np.where((prec >= precision) & group_end)[0]
    if len(ok) == 0 or not ct[:ok[-1] + 1].any():
        return rank, np.zeros(len(q), bool), float('inf')
    last = ok[-1]
    thr = float(cs[last]) + 0.0  # + 0.0: a Hamming distance of 0 prints as 0, not -0
    return rank, (rank <= k) & (pos >= thr), thr


def copies_of_originals(man, tag, side=48, corr=0.98, mad=3.0):
    """Distractors that are an original turned by 90/180/270 degrees or mirrored (Open Clip Art's
    arrows in four directions, GIMP's rotate icons, Tux Paint's `_mirror` stamps): by the
    benchmark's own edits they *are* duplicates of that original, so they must not count as false
    matches. A distractor is one when, for some turn/mirror of the original, their `side`^2 grey
    thumbnails correlate >= `corr` and their colour thumbnails differ by <= `mad` (of 255) on
    average: exact copies, not recoloured variants (a violet folder icon is another icon).
    Returns a bool per distractor; cached next to the embeddings."""
    f = EMB / f'copies-{tag}-{side}-{corr}-{mad}.npy'
    if f.exists():
        return np.load(f)

    def thumb(name):
        return np.asarray(Image.open(benchset.OUT / name).convert('RGB').resize((side, side), Image.BILINEAR),
                          np.float32)

    def grey(rgb):
        g = rgb.mean(2).ravel()
        g = g - g.mean()
        return g / max(np.linalg.norm(g), 1e-6)

    def turns(x):  # the 8 turns and mirrors
        return [np.fliplr(np.rot90(x, k)) if m else np.rot90(x, k) for k in range(4) for m in (0, 1)]

    origs = [thumb(o['file']) for o in man['originals']]
    dists = [thumb(d['file']) for d in man['distractors']]
    dg = np.stack([grey(d) for d in dists])
    out = np.zeros(len(dists), bool)
    for o in origs:
        for t in turns(o):
            for j in np.where(dg @ grey(t) >= corr)[0]:
                out[j] |= bool(np.abs(t - dists[j]).mean() <= mad)
    EMB.mkdir(parents=True, exist_ok=True)
    np.save(f, out)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('models', nargs='*')
    ap.add_argument('--json', default=None)
    ap.add_argument('--labels', default=None,
                    help="column names for the models, comma-separated, in order (default: each model's name @size)")
    ap.add_argument('--with-copies', action='store_true',
                    help='keep the distractors that copies_of_originals leaves out (the database before session 6: '
                         'reproduces docs/results/invariance-run3.md and -run4.md)')
    ap.add_argument('--no-baselines', action='store_true')
    ap.add_argument('--no-fashion', action='store_true')
    ap.add_argument('--latency', action='store_true', help='time each model (1 thread, median of 20): only on a quiet machine')
    a = ap.parse_args()
    t0 = time.time()
    man = benchset.prepare()
    edits = man['edits']
    db_files = [o['file'] for o in man['originals']] + [d['file'] for d in man['distractors']]
    q_files = [q['file'] for q in man['queries']]
    target = np.array([q['original'] for q in man['queries']])
    qedit = np.array([q['edit'] for q in man['queries']])
    kinds = np.array([man['originals'][t]['kind'] for t in target])
    embedders = [Onnx(m) for m in a.models] + ([] if a.no_baselines else [DHash(), PHash(), Thumbnail()])
    tag = hashlib.sha256(json.dumps([man['originals'], man['queries'], man['distractors']]).encode()).hexdigest()[:10]
    db = embed_all(embedders, db_files, f'{tag}-db{len(db_files)}')
    qs = embed_all(embedders, q_files, f'{tag}-q{len(q_files)}')
    copies = np.zeros(len(man['distractors']), bool) if a.with_copies else copies_of_originals(man, tag)
    keep = np.r_[np.ones(len(man['originals']), bool), ~copies]  # originals first: targets keep their index
    db = {k: v[keep] for k, v in db.items()}
    n_dist = int((~copies).sum())
    f_imgs, f_lab = (None, None) if a.no_fashion else fashion()
    results = {}
    for e in embedders:
        rank, found, thr = evaluate(qs[e.key], db[e.key], target, e.metric)
        r = {'name': e.name, 'dim': int(db[e.key].shape[1]), 'threshold': thr,
             'recall@1': float(np.mean(rank <= 1)), 'mAP': float(np.mean(1.0 / rank)),
             'per_edit': {k: {'recall@1': float(np.mean(rank[qedit == k] <= 1)),
                              'mAP': float(np.mean(1.0 / rank[qedit == k])),
                              'recall@p99': float(np.mean(found[qedit == k]))} for k in edits},
             'per_kind': {k: float(np.mean(rank[kinds == k] <= 1)) for k in benchset.ORIGINALS}}
        r['recall@p99_mean_over_edits'] = float(np.mean([v['recall@p99'] for v in r['per_edit'].values()]))
        if f_imgs is not None:
            fe = e(f_imgs)
            fs = scores(fe, fe, e.metric).astype(np.float64)
            np.fill_diagonal(fs, -np.inf)
            order = np.argsort(-fs, axis=1)[:, :10]
            r['fashion_p@10'] = float((f_lab[order] == f_lab[:, None]).mean())
        if isinstance(e, Onnx):
            if a.latency:
                r['latency_ms_1thread'] = e.latency_ms()
            r['input'] = e.size[0]
        results[e.key] = r
    keys = list(results)
    short = {k: (results[k]['name'].split(' (')[0] + f" @{results[k]['input']}" if 'input' in results[k] else k)
             for k in keys}
    if a.labels:
        labels = a.labels.split(',')
        if len(labels) != len(a.models):
            sys.exit(f'--labels: {len(labels)} labels for {len(a.models)} models')
        short.update({e.key: lab.strip() for e, lab in zip(embedders, labels)})
        for e, lab in zip(embedders, labels):
            results[e.key]['label'] = lab.strip()
    print('# imgsim invariance benchmark\n')
    print(f"{len(man['originals'])} originals ({', '.join(f'{n} {k}' for k, n in benchset.ORIGINALS.items())}) x "
          f"{len(edits)} edits = {len(q_files)} queries; database {len(man['originals']) + n_dist} images "
          f"({len(man['originals'])} originals + {n_dist} distractors" +
          (f"; {int(copies.sum())} more distractors are an original turned or mirrored, i.e. duplicates by the "
           f"benchmark's own edits, and are left out: `copies_of_originals`).\n" if not a.with_copies else
           ", --with-copies: the turned/mirrored copies of originals stay in).\n"))
    print('| method | dim | recall@1 | mAP | recall at precision 0.99 (mean over edits) | threshold | Fashion P@10 | 1-thread ms |')
    print('|---|---|---|---|---|---|---|---|')
    for k in keys:
        r = results[k]
        print(f"| {short[k]} | {r['dim']} | {r['recall@1']:.3f} | {r['mAP']:.3f} | {r['recall@p99_mean_over_edits']:.3f} | "
              f"{r['threshold']:.4g} | {r.get('fashion_p@10', float('nan')):.3f} | "
              f"{r['latency_ms_1thread']:.1f} |" if 'latency_ms_1thread' in r else
              f"| {short[k]} | {r['dim']} | {r['recall@1']:.3f} | {r['mAP']:.3f} | {r['recall@p99_mean_over_edits']:.3f} | "
              f"{r['threshold']:.4g} | {r.get('fashion_p@10', float('nan')):.3f} | - |")
    for metric, title in (('recall@1', 'recall@1'), ('recall@p99', 'recall at the precision-0.99 threshold'),
                          ('mAP', 'mAP')):
        print(f'\n## {title} per edit\n')
        print('| edit | ' + ' | '.join(short[k] for k in keys) + ' |')
        print('|---|' + '---|' * len(keys))
        for ed in edits:
            vals = [results[k]['per_edit'][ed][metric] for k in keys]
            best = max(vals)
            print(f'| {ed} | ' + ' | '.join((f'**{v:.3f}**' if v == best else f'{v:.3f}') for v in vals) + ' |')
    print('\n## recall@1 per kind of original\n')
    print('| kind | ' + ' | '.join(short[k] for k in keys) + ' |')
    print('|---|' + '---|' * len(keys))
    for kind in benchset.ORIGINALS:
        print(f'| {kind} | ' + ' | '.join(f"{results[k]['per_kind'][kind]:.3f}" for k in keys) + ' |')
    print(f'\n(run took {time.time() - t0:.0f} s)')
    if a.json:
        Path(a.json).write_text(json.dumps({'originals': len(man['originals']), 'distractors': n_dist,
                                            'distractors_left_out_as_copies': int(copies.sum()),
                                            'queries': len(q_files), 'edits': edits, 'results': results}, indent=1))


if __name__ == '__main__':
    main()
