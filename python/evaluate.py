"""Measures what users get: embeddings from the shipped ONNX file(s), computed with the library's
preprocessing (imgsim_model.data.preprocess; the golden fixtures prove the Rust core matches it),
on photos never used in training. Baselines run in the same process on the same images.

  python python/evaluate.py models/image-similarity.onnx .cache/runs/scratch/encoder.onnx > docs/quality-run.md

Tracks: (1) synthetic near-duplicates: each held-out original, transformed 9 ways, searched among
all originals plus >= 500 distractors: recall@1, recall@5, mAP (one relevant item per query, so
mAP is the mean reciprocal rank); (2) the real near-duplicate pairs in the evaluation sources;
(3) class-level retrieval on Fashion-MNIST test (200 per class).
"""
import argparse
import gzip
import random
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageEnhance, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent))
from imgsim_model import data  # noqa: E402

EVAL = data.CACHE / 'eval'
# Held-out photographs: one of each real pair plus the single photos. Drawings, charts, text
# pages, calibration series and logos in the same folders are left out.
ORIGINALS = ['aloeL.jpg', 'aero1.jpg', 'apple.jpg', 'baboon.jpg', 'basketball1.png', 'board.jpg', 'box.png',
             'building.jpg', 'butterfly.jpg', 'ela_original.jpg', 'fruits.jpg', 'graf1.png', 'home.jpg',
             'leuvenA.jpg', 'left.jpg', 'messi5.jpg', 'orange.jpg', 'rubberwhale1.png', 'smarties.png',
             'squirrel_cls.jpg', 'starry_night.jpg', 'stuff.jpg', 'Blender_Suzanne1.jpg', 'licenseplate_motion.jpg',
             'skimage/astronaut.png', 'skimage/brick.png', 'skimage/camera.png', 'skimage/chelsea.png',
             'skimage/coffee.png', 'skimage/coins.png', 'skimage/grass.png', 'skimage/gravel.png',
             'skimage/hubble_deep_field.jpg', 'skimage/ihc.png', 'skimage/moon.png', 'skimage/motorcycle_left.png',
             'skimage/retina.jpg', 'skimage/rocket.jpg', 'skimage/cell.png', 'skimage/microaneurysms.png',
             'skimage/clock_motion.png', 'skimage/color.png', 'sklearn/china.jpg', 'sklearn/flower.jpg']
PAIRS = [('aloeL.jpg', 'aloeR.jpg'), ('aero1.jpg', 'aero3.jpg'), ('basketball1.png', 'basketball2.png'),
         ('box.png', 'box_in_scene.png'), ('graf1.png', 'graf3.png'), ('leuvenA.jpg', 'leuvenB.jpg'),
         ('left.jpg', 'right.jpg'), ('rubberwhale1.png', 'rubberwhale2.png'),
         ('Blender_Suzanne1.jpg', 'Blender_Suzanne2.jpg'), ('ela_original.jpg', 'ela_modified.jpg'),
         ('skimage/motorcycle_left.png', 'skimage/motorcycle_right.png')]


jpeg = data.jpeg


def crop(img, frac, cx, cy):
    w, h = img.size
    cw, ch = int(w * frac), int(h * frac)
    x, y = int((w - cw) * cx), int((h - ch) * cy)
    return img.crop((x, y, x + cw, y + ch))


TRANSFORMS = {
    'downscale 50%': lambda im: im.resize((max(1, im.width // 2), max(1, im.height // 2)), Image.BILINEAR),
    'JPEG q30': lambda im: jpeg(im, 30),
    'brightness +30%': lambda im: ImageEnhance.Brightness(im).enhance(1.3),
    'contrast -30%': lambda im: ImageEnhance.Contrast(im).enhance(0.7),
    'centre crop 80%': lambda im: crop(im, 0.8, 0.5, 0.5),
    'crop 80% off-centre': lambda im: crop(im, 0.8, 0.0, 0.0),
    'rotate 10°': lambda im: im.rotate(10, resample=Image.BILINEAR),
    'horizontal flip': lambda im: ImageOps.mirror(im),
    'grayscale': lambda im: ImageOps.grayscale(im).convert('RGB'),
}


def distractors(n, seed=1):
    """Random crops (10-100 % of the area, any aspect) of the training wallpapers: never queries."""
    rng = random.Random(seed)
    photos = data.load_photos(data.CACHE / 'train', max_side=768)
    out = []
    for i in range(n):
        _, src = photos[i % len(photos)]
        c, _ = data.random_crop(src, rng, min_area=0.1, size=256)
        out.append(c)
    return out


def fashion(per_class=200):
    d = data.CACHE / 'fashion'
    x = np.frombuffer(gzip.open(d / 't10k-images-idx3-ubyte.gz').read(), np.uint8, offset=16).reshape(-1, 28, 28)
    y = np.frombuffer(gzip.open(d / 't10k-labels-idx1-ubyte.gz').read(), np.uint8, offset=8)
    idx = np.concatenate([np.where(y == c)[0][:per_class] for c in range(10)])
    return [Image.fromarray(x[i]).convert('RGB') for i in idx], y[idx]


# --- embedders: each maps a list of PIL images to an [n, d] array, compared by cosine or Hamming ---

class OnnxEmbedder:
    def __init__(self, path):
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        self.sess = ort.InferenceSession(str(path), so, providers=['CPUExecutionProvider'])
        meta = self.sess.get_modelmeta().custom_metadata_map
        self.size = (int(meta['imgsim.input_width']), int(meta['imgsim.input_height']))
        self.mean = tuple(float(v) for v in meta['imgsim.mean'].split(','))
        self.std = tuple(float(v) for v in meta['imgsim.std'].split(','))
        self.name = f"{meta.get('imgsim.model_name', '')} ({Path(path).name})"
        self.metric = 'cosine'

    def __call__(self, imgs):
        out = []
        for i in range(0, len(imgs), 16):
            x = np.stack([data.preprocess(im, self.size, self.mean, self.std) for im in imgs[i:i + 16]])
            out.append(self.sess.run(['output'], {'input': x})[0])
        return np.concatenate(out)

    def latency_ms(self):
        x = data.preprocess(Image.new('RGB', self.size), self.size, self.mean, self.std)[None]
        for _ in range(3):
            self.sess.run(['output'], {'input': x})
        ts = []
        for _ in range(20):
            t = time.perf_counter()
            self.sess.run(['output'], {'input': x})
            ts.append((time.perf_counter() - t) * 1000)
        return float(np.median(ts))


class Thumbnail:
    name, metric = 'thumbnail 16x16 RGB (PIL BILINEAR, antialiased), cosine of mean-centred pixels', 'cosine'

    def __call__(self, imgs):
        v = np.stack([np.asarray(im.convert('RGB').resize((16, 16), Image.BILINEAR), np.float32).ravel() for im in imgs])
        return v - v.mean(axis=1, keepdims=True)


def _dct_matrix(n):
    k = np.arange(n)
    m = np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / (2 * n))
    m[0] /= np.sqrt(2)
    return m


class PHash:
    name, metric = 'pHash 64-bit (32x32 gray, PIL BILINEAR antialiased; DCT 8x8 > median), Hamming', 'hamming'
    D = _dct_matrix(32)

    def __call__(self, imgs):
        out = []
        for im in imgs:
            g = np.asarray(im.convert('L').resize((32, 32), Image.BILINEAR), np.float64)
            c = (self.D @ g @ self.D.T)[:8, :8].ravel()
            out.append(c > np.median(c[1:]))
        return np.stack(out)


class DHash:
    name, metric = 'dHash 64-bit (9x8 gray, PIL BILINEAR antialiased), Hamming', 'hamming'

    def __call__(self, imgs):
        out = []
        for im in imgs:
            g = np.asarray(im.convert('L').resize((9, 8), Image.BILINEAR), np.int16)
            out.append((g[:, 1:] > g[:, :-1]).ravel())
        return np.stack(out)


def similarity(q, db, metric):
    if metric == 'hamming':
        return -(q[:, None, :] != db[None, :, :]).sum(-1).astype(np.float64)
    qn = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
    dn = db / np.maximum(np.linalg.norm(db, axis=1, keepdims=True), 1e-12)
    return qn @ dn.T


def ranks(sim, target):
    """1-based rank of each query's target; ties count against the query."""
    t = sim[np.arange(len(target)), target]
    return (sim > t[:, None]).sum(1) + (sim == t[:, None]).sum(1)


def fmt(r):
    return f'{np.mean(r <= 1):.3f} | {np.mean(r <= 5):.3f} | {np.mean(1.0 / r):.3f}'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('models', nargs='+')
    ap.add_argument('--distractors', type=int, default=600)
    a = ap.parse_args()
    t0 = time.time()
    originals = [data.to_rgb(Image.open(EVAL / n)) for n in ORIGINALS]
    for im in originals:
        im.thumbnail((1024, 1024), Image.BILINEAR)
    queries, target, kinds = [], [], []
    for i, im in enumerate(originals):
        for k, f in TRANSFORMS.items():
            queries.append(f(im))
            target.append(i)
            kinds.append(k)
    target, kinds = np.array(target), np.array(kinds)
    extra = distractors(a.distractors)
    pair_imgs = {n: data.to_rgb(Image.open(EVAL / n)) for p in PAIRS for n in p}
    f_imgs, f_lab = fashion()
    embedders = [OnnxEmbedder(m) for m in a.models] + [PHash(), DHash(), Thumbnail()]
    print(f'# imgsim quality run\n\n{len(originals)} held-out originals x {len(TRANSFORMS)} transforms = {len(queries)} queries; '
          f'database: {len(originals)} originals + {len(extra)} distractors; {len(PAIRS)} real pairs; '
          f'Fashion-MNIST test {len(f_imgs)} images (200 per class).\n')
    results = {}
    for e in embedders:
        db = e(originals + extra)
        q = e(queries)
        r = ranks(similarity(q, db, e.metric), target)
        # real pairs: each member queries the database (all originals + distractors + the partner; itself removed)
        pr = []
        for x, y in PAIRS:
            for qn, tn in ((x, y), (y, x)):
                names = [n for n in ORIGINALS if n not in (qn, tn)]
                pe = e([pair_imgs[qn], pair_imgs[tn]])
                ge = db[[ORIGINALS.index(n) for n in names] + list(range(len(originals), len(originals) + len(extra)))]
                s = similarity(pe[:1], np.concatenate([pe[1:], ge]), e.metric)
                pr.append(ranks(s, np.array([0]))[0])
        pr = np.array(pr)
        fe = e(f_imgs)
        fs = similarity(fe, fe, e.metric)
        np.fill_diagonal(fs, -np.inf)
        order = np.argsort(-fs, axis=1)[:, :-1]
        rel = f_lab[order] == f_lab[:, None]
        p10 = rel[:, :10].mean()
        cum = np.cumsum(rel, 1)
        ap_ = ((cum / np.arange(1, rel.shape[1] + 1)) * rel).sum(1) / rel.sum(1)
        results[e.name] = dict(all=r, per={k: r[kinds == k] for k in TRANSFORMS}, pairs=pr, p10=p10, map=ap_.mean(),
                               dim=db.shape[1], lat=e.latency_ms() if hasattr(e, 'latency_ms') else None)
    print('## Synthetic near-duplicates (recall@1 | recall@5 | mAP)\n')
    names = list(results)
    print('| method | dim | ORT 1-thread ms | all |')
    print('|---|---|---|---|')
    for n in names:
        res = results[n]
        lat = f"{res['lat']:.1f}" if res['lat'] else '-'
        print(f"| {n} | {res['dim']} | {lat} | {fmt(res['all'])} |")
    print('\n### recall@1 per transform\n')
    print('| transform | ' + ' | '.join(names) + ' |')
    print('|---|' + '---|' * len(names))
    for k in TRANSFORMS:
        print(f'| {k} | ' + ' | '.join(f"{np.mean(results[n]['per'][k] <= 1):.3f}" for n in names) + ' |')
    print('\n## Real near-duplicate pairs (both directions; recall@1 | recall@5 | mAP)\n')
    print('| method | pairs |')
    print('|---|---|')
    for n in names:
        print(f"| {n} | {fmt(results[n]['pairs'])} |")
    print('\n## Fashion-MNIST class retrieval (leave-one-out, 2000 images)\n')
    print('| method | precision@10 | mAP |')
    print('|---|---|---|')
    for n in names:
        print(f"| {n} | {results[n]['p10']:.3f} | {results[n]['map']:.3f} |")
    print(f'\n(run took {time.time() - t0:.0f} s)')


if __name__ == '__main__':
    main()
