"""Trains one of the two candidate autoencoders on random crops of the training photos.

  python python/train.py --model transfer --minutes 6    # (B) EfficientNet-Lite0 encoder, frozen
  python python/train.py --model scratch  --minutes 10   # (A) denoising autoencoder from scratch

Writes .cache/runs/<model>/model.pt (+ pca.pt for transfer) and train.log. Seeded; CPU only.
"""
import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from imgsim_model import data, nets  # noqa: E402


def batch_of(photos, rng, n, size, denoise):
    clean, noisy = [], []
    for _ in range(n):
        name, src = photos[rng.randrange(len(photos))]
        crop, box = data.random_crop(src, rng, size=size)
        clean.append(np.asarray(crop, np.float32) / 255.0)
        if denoise:
            noisy.append(np.asarray(data.corrupt(crop, box, src, rng, size), np.float32) / 255.0)
    t = lambda a: torch.from_numpy(np.stack(a).transpose(0, 3, 1, 2).copy())
    return t(clean), (t(noisy) if denoise else None)


def normalise(x):
    m = torch.tensor(data.MEAN).view(1, 3, 1, 1)
    s = torch.tensor(data.STD).view(1, 3, 1, 1)
    return (x - m) / s


def fit_pca(features_fn, photos, rng, n_crops, k):
    """PCA of pooled features over random crops of the training photos (never evaluation photos)."""
    feats = []
    with torch.no_grad():
        for _ in tqdm(range(n_crops // 32), desc='pca features'):
            x, _ = batch_of(photos, rng, 32, 224, False)
            feats.append(features_fn(normalise(x)))
    f = torch.cat(feats)
    mean = f.mean(0)
    u, s, vt = torch.linalg.svd(f - mean, full_matrices=False)
    var = (s ** 2) / (s ** 2).sum()
    print(f'PCA: {k} of {f.shape[1]} components keep {var[:k].sum():.4f} of the variance', flush=True)
    return {'mean': mean, 'components': vt[:k].contiguous(), 'explained': float(var[:k].sum())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', choices=['scratch', 'transfer'], required=True)
    ap.add_argument('--minutes', type=float, default=6)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--size', type=int, default=None)
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--pca-dim', type=int, default=512)
    ap.add_argument('--pca-crops', type=int, default=2048)
    ap.add_argument('--out', default=str(data.ROOT / '.cache' / 'runs'))
    a = ap.parse_args()
    torch.set_num_threads(2)
    data.seed_all(a.seed)
    rng = random.Random(a.seed)
    out = Path(a.out) / a.model
    out.mkdir(parents=True, exist_ok=True)
    photos = data.load_photos(data.CACHE / 'train')
    print(f'{len(photos)} training photos from {data.CACHE / "train"}', flush=True)
    size = a.size or (160 if a.model == 'transfer' else 128)
    model = nets.TransferAE() if a.model == 'transfer' else nets.ScratchDAE()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=2e-3 if a.model == 'scratch' else 1e-3)
    denoise = a.model == 'scratch'
    model.train()
    if a.model == 'transfer':
        model.encoder.eval()  # frozen: keep its batch-norm statistics
    log = open(out / 'train.log', 'w')
    t0, step = time.time(), 0
    bar = tqdm(total=int(a.minutes * 60), desc=f'train {a.model}', unit='s')
    while time.time() - t0 < a.minutes * 60:
        clean, noisy = batch_of(photos, rng, a.batch, size, denoise)
        recon, _ = model(normalise(noisy if denoise else clean))
        loss = F.mse_loss(recon, clean)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        elapsed = time.time() - t0
        bar.n = min(int(elapsed), bar.total)
        bar.set_postfix(step=step, loss=f'{loss.item():.4f}')
        bar.refresh()
        print(f'step {step} t {elapsed:.0f}s loss {loss.item():.5f}', file=log, flush=True)
    bar.close()
    model.eval()
    torch.save(model.state_dict(), out / 'model.pt')
    print(f'{a.model}: {step} steps in {time.time() - t0:.0f}s, last loss {loss.item():.5f}', flush=True)
    if a.model == 'transfer':
        gem = nets.GeM()
        pca = fit_pca(lambda x: gem(model.encoder(x)), photos, rng, a.pca_crops, a.pca_dim)
        torch.save(pca, out / 'pca.pt')


if __name__ == '__main__':
    main()
