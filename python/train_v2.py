"""Trains model v2 for invariance to everyday edits, still as an autoencoder.

  python python/train_v2.py --minutes 55            # background it: nohup ... > .cache/runs/v2/train.out &
  python python/train_v2.py --minutes 55 --resume   # continues from .cache/runs/v2/ckpt.pt

Each step draws N "instances" (random crops of the training sources: photographs, UI screenshots,
text pages drawn here, artwork, maps; all from packages the benchmark never uses, see
python/fetch_bench.sh), and for each a clean view and an edited view (a random chain of the
edits users meet: crops down to 25 % of the area, rotations by 90/180/270 degrees and small
angles, mirror, grayscale, colour/gamma/contrast, blur, noise, captions, watermarks, logos,
padding into a canvas, perspective, JPEG down to q10). Loss:
  InfoNCE (NT-Xent, temperature 0.05) over the 2N embeddings: each view's positive is its
  instance's other view, every other view in the batch a negative;
+ `--recon` x MSE of the decoder's reconstruction of the clean view from the edited view's feature
  map (denoising autoencoder).
The encoder is EfficientNet-Lite0 (ImageNet) with blocks from `--train-from` on fine-tuned, GeM,
a 1280->512 projection initialised from v1's (read from the shipped ONNX file, so step 0 is v1).
Checkpoints every 5 minutes (model, optimiser, step, time) and resumes; seeded; CPU only.
"""
import argparse
import copy
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from imgsim_model import benchset as B  # noqa: E402
from imgsim_model import data, nets  # noqa: E402

RUNS = data.ROOT / '.cache' / 'runs'
PKG = data.CACHE / 'pkg'


V1_NAME = 'imgsim-effnetlite0-gem-pca512'
V1_PLACES = [RUNS / 'v1' / 'image-similarity-v1.onnx', RUNS / 'transfer' / 'encoder.onnx',
             data.ROOT / 'models' / 'image-similarity.onnx']


def v1_projection(path=None):
    """The projection of model v1 (GeM -> centred PCA 512): Gemm weight [512, 1280] and bias.
    v1 is the first file of V1_PLACES that holds it: python/train.py --model transfer + export.py
    --model transfer make it, or `git show 9c22f4b:models/image-similarity.onnx` (the last commit
    that shipped it as the default)."""
    import onnx
    from onnx import numpy_helper
    for p in ([Path(path)] if path else V1_PLACES):
        if p.exists():
            m = onnx.load(str(p))
            if {x.key: x.value for x in m.metadata_props}.get('imgsim.model_name') == V1_NAME:
                break
    else:
        sys.exit(f'model v1 ({V1_NAME}) not found in {[str(p) for p in V1_PLACES]}; see v1_projection()')
    print(f'projection initialised from v1: {p}', flush=True)
    init = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    return torch.from_numpy(init['head.proj.weight'].copy()), torch.from_numpy(init['head.proj.bias'].copy())


def pdf_pages(n_pages, max_side=512, seed=5):
    """`n_pages` random pages (`--documents`) of texlive-latex-recommended-doc's PDFs, rendered
    once: real typeset documents (the benchmark's are texlive-latex-base-doc's, another package)."""
    pdfs = sorted((PKG / 'x-texlive-latex-recommended-doc').rglob('*.pdf'))
    if not pdfs:
        sys.exit('--documents: texlive-latex-recommended-doc not found; run python/fetch_bench.sh')
    rng = random.Random(seed)
    pages = B._pdf_pages(pdfs, rng, len(pdfs), 3)
    out = []
    for p, pg in rng.sample(pages, min(n_pages, len(pages))):
        try:
            img = B.load(p, pg, max_side)
        except Exception:
            continue
        if B._usable(img, 'document'):
            out.append(('document', img))
    return out


def training_sources(max_side=512, documents=0):
    """(kind, PIL image) from the training packages only."""
    out = pdf_pages(documents, max_side) if documents else []
    for _, img in data.load_photos(data.CACHE / 'train', max_side=max_side):
        out.append(('photo', img))
    def add(kind, files, min_side=120):
        for p in files:
            try:
                img = data.to_rgb(Image.open(p))
            except Exception:
                continue
            if min(img.size) < min_side:
                continue
            img.thumbnail((max_side, max_side), Image.BILINEAR)
            out.append((kind, img))
    add('screenshot', sorted((PKG / 'x-gnome-user-docs').rglob('*.png')))
    add('art', sorted((PKG / 'x-desktop-base').rglob('*.png')) + sorted((PKG / 'x-desktop-base').rglob('*.jpg')))
    add('map', sorted((PKG / 'x-marble-data').rglob('*.jpg')) + sorted((PKG / 'x-marble-data').rglob('*.png')))
    add('icon', sorted((PKG / 'x-tango-icon-theme').rglob('32x32/*/*.png')), min_side=32)
    return out


LOREM = ('the of and to in is that for it as with was on be by this are from at or an have not which but all can '
         'image model search index vector query result file folder thread memory native library embedding cosine '
         'duplicate network service java package build test release version document page section figure table').split()


def text_page(rng, w=None, h=None):
    """A page of text (document/scan-like): title, paragraphs, sometimes a table or a rule."""
    w = w or rng.randint(300, 520)
    h = h or int(w * rng.uniform(1.2, 1.5))
    bg = rng.choice([(255, 255, 255), (250, 248, 240), (235, 235, 235)])
    im = Image.new('RGB', (w, h), bg)
    d = ImageDraw.Draw(im)
    y = rng.randint(10, 30)
    d.text((20, y), ' '.join(rng.choice(LOREM) for _ in range(rng.randint(2, 5))).title(),
           font=B.font(rng.randint(16, 24)), fill=(0, 0, 0))
    y += 36
    fs = rng.randint(9, 13)
    f = B.font(fs, bold=False)
    while y < h - 20:
        if rng.random() < 0.08:
            d.rectangle((20, y, w - 20, y + rng.randint(30, 80)), outline=(0, 0, 0))
            y += 90
            continue
        for _ in range(rng.randint(2, 7)):
            line = ' '.join(rng.choice(LOREM) for _ in range(40))
            d.text((20, y), line[:int((w - 40) / (fs * 0.55))], font=f, fill=(20, 20, 20))
            y += fs + 4
        y += fs
    return im


def instance(src, rng):
    kind, img = src
    if kind == 'icon':
        img = img.resize((128, 128), Image.NEAREST if rng.random() < 0.5 else Image.BILINEAR)
        bg = Image.new('RGB', (rng.randint(128, 200),) * 2, tuple(rng.randint(200, 255) for _ in range(3)))
        bg.paste(img, ((bg.width - 128) // 2, (bg.height - 128) // 2))
        return bg
    if kind == 'document' and rng.random() < 0.5:  # whole pages, as users file them
        return img
    w, h = img.size
    area = rng.uniform(0.15, 1.0)
    ar = math.exp(rng.uniform(math.log(1 / 2), math.log(2)))
    cw, ch = min(w, int(w * math.sqrt(area * ar))), min(h, int(h * math.sqrt(area / ar)))
    cw, ch = max(cw, 16), max(ch, 16)
    x, y = rng.randint(0, max(0, w - cw)), rng.randint(0, max(0, h - ch))
    c = img.crop((x, y, x + cw, y + ch))
    c.thumbnail((320, 320), Image.BILINEAR)
    return c


def edit(im, rng):
    """A random chain of everyday edits (wider ranges than the benchmark's fixed ones)."""
    if rng.random() < 0.6:
        im = B._crop_area(im, rng.uniform(0.25, 1.0), rng)
    if rng.random() < 0.15:
        im = B._pad(im, rng)
    if rng.random() < 0.35:
        im = im.transpose(rng.choice([Image.ROTATE_90, Image.ROTATE_180, Image.ROTATE_270]))
    if rng.random() < 0.5:
        im = ImageOps.mirror(im)
    if rng.random() < 0.15:
        im = im.rotate(rng.uniform(-15, 15), resample=Image.BILINEAR, expand=rng.random() < 0.5)
    if rng.random() < 0.12:
        im = B._perspective(im, rng)
    r = rng.random()
    if r < 0.3:
        im = ImageOps.grayscale(im).convert('RGB')
    elif r < 0.45:
        im = B._hue_sat(im, rng)
    if rng.random() < 0.5:
        im = ImageEnhance.Brightness(im).enhance(rng.uniform(0.6, 1.4))
        im = ImageEnhance.Contrast(im).enhance(rng.uniform(0.5, 1.4))
    if rng.random() < 0.2:
        im = B._gamma(im, rng.uniform(0.5, 1.9))
    r = rng.random()
    if r < 0.12:
        im = B._caption(im, rng)
    elif r < 0.2:
        im = B._watermark(im, rng)
    elif r < 0.28:
        im = B._logo(im, rng)
    if rng.random() < 0.15:
        im = im.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.5, 2.0)))
    if rng.random() < 0.12:
        im = B._noise(im, rng, sigma=rng.uniform(5, 25))
    if rng.random() < 0.2:
        f = rng.uniform(0.3, 0.7)
        im = im.resize((max(8, int(im.width * f)), max(8, int(im.height * f))), Image.BILINEAR)
    if rng.random() < 0.55:
        im = B._jpeg(im, rng.randint(10, 90))
    return im


def tensor(imgs, size):
    return torch.from_numpy(np.stack([data.preprocess(im, size) for im in imgs]))


def kind_weights(documents):
    """How often each kind of source is drawn; `--documents` gives real PDF pages 10 % (from
    photographs 5 %, drawn text pages 5 %)."""
    if documents:
        return {'photo': 0.40, 'screenshot': 0.15, 'text': 0.10, 'document': 0.10, 'art': 0.08, 'map': 0.07,
                'icon': 0.10}
    return {'photo': 0.45, 'screenshot': 0.15, 'text': 0.15, 'art': 0.08, 'map': 0.07, 'icon': 0.10}


class Views(torch.utils.data.IterableDataset):
    def __init__(self, sources, batch, size, seed, weights=None):
        self.sources, self.batch, self.size, self.seed = sources, batch, size, seed
        self.weights = weights or kind_weights(0)

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        rng = random.Random(self.seed * 1000 + (info.id if info else 0) + int(time.time()))
        weights = self.weights
        by_kind = {}
        for s in self.sources:
            by_kind.setdefault(s[0], []).append(s)
        kinds = [k for k in weights if k == 'text' or k in by_kind]
        while True:
            clean, edited, target = [], [], []
            for _ in range(self.batch):
                k = rng.choices(kinds, [weights[k] for k in kinds])[0]
                inst = text_page(rng) if k == 'text' else instance(rng.choice(by_kind[k]), rng)
                a = inst if rng.random() < 0.7 else edit(inst, rng)
                b = edit(inst, rng)
                clean.append(a)
                edited.append(b)
                target.append(inst)
            yield tensor(clean, self.size), tensor(edited, self.size), tensor(target, self.size) * 0.5 + 0.5


def nt_xent(z, temperature):
    """z: [2N, D] L2-normalised, rows i and i+N are positives."""
    n = z.shape[0] // 2
    sim = z @ z.T / temperature
    sim.fill_diagonal_(-1e9)
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    loss = F.cross_entropy(sim, target)
    acc = (sim.argmax(1) == target).float().mean()
    return loss, acc


def koleo(z):
    """SSCD's entropy term (Kozachenko-Leonenko): minus the mean log distance from each embedding
    to its nearest embedding of *another* instance in the batch. It spreads unrelated images over
    the sphere, so that one global cosine threshold separates copies from look-alikes.
    z: [2N, D] L2-normalised, rows i and i+N are the same instance."""
    n = z.shape[0] // 2
    d = torch.cdist(z, z)
    idx = torch.arange(2 * n)
    same = (idx[:, None] % n) == (idx[None, :] % n)
    d = d.masked_fill(same, float('inf'))
    return -torch.log(d.min(1).values + 1e-6).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--minutes', type=float, default=55)
    ap.add_argument('--batch', type=int, default=32, help='instances per step (2 views each)')
    ap.add_argument('--size', type=int, default=160)
    ap.add_argument('--train-from', type=int, default=8)
    ap.add_argument('--lr', type=float, default=3e-4)
    ap.add_argument('--temperature', type=float, default=0.05)
    ap.add_argument('--recon', type=float, default=1.0)
    ap.add_argument('--koleo', type=float, default=0.0,
                    help="weight of SSCD's entropy term (`koleo`; SSCD uses 30); 0: off (runs 1-5)")
    ap.add_argument('--bn-train', action='store_true',
                    help="the fine-tuned blocks' batch norms in training mode (run 1's setting)")
    ap.add_argument('--keep', type=float, default=0.0,
                    help='weight of 1 - cosine(embedding, v1 embedding) on the clean views (0: off)')
    ap.add_argument('--documents', type=int, default=0,
                    help='also train on this many real PDF pages (texlive-latex-recommended-doc), drawn for '
                         '10 %% of the instances (from photos 5 %%, drawn text pages 5 %%); 0: off (runs 1-4)')
    ap.add_argument('--seed', type=int, default=11)
    ap.add_argument('--workers', type=int, default=1)
    ap.add_argument('--resume', action='store_true')
    ap.add_argument('--init', default=None, help='model v1 ONNX file (default: see v1_projection)')
    ap.add_argument('--out', default=str(RUNS / 'v2'))
    a = ap.parse_args()
    torch.set_num_threads(2)
    data.seed_all(a.seed)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    sources = training_sources(documents=a.documents)
    print(f'{len(sources)} training sources: ' + ', '.join(f'{k} {sum(1 for s in sources if s[0] == k)}'
                                                             for k in sorted({s[0] for s in sources})), flush=True)
    w, b = v1_projection(a.init)
    model = nets.InvariantAE(train_from=a.train_from)
    with torch.no_grad():
        model.head.proj.weight.copy_(w)
        model.head.proj.bias.copy_(b)
    teacher = None
    if a.keep > 0:  # v1 as it is (the frozen trunk is shared): keeps the clean views' embeddings
        teacher = copy.deepcopy(model).eval()
        for p in teacher.parameters():
            p.requires_grad_(False)
    backbone = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith('encoder.')]
    rest = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith('encoder.')]
    opt = torch.optim.AdamW([{'params': backbone, 'lr': a.lr}, {'params': rest, 'lr': a.lr * 3}], weight_decay=1e-5)
    base_lrs = [g['lr'] for g in opt.param_groups]
    step, spent = 0, 0.0
    ckpt = out / 'ckpt.pt'
    if a.resume and ckpt.exists():
        st = torch.load(ckpt)
        model.load_state_dict(st['model'])
        opt.load_state_dict(st['opt'])
        step, spent = st['step'], st['spent']
        print(f'resumed at step {step}, {spent / 60:.1f} min spent', flush=True)
    loader = torch.utils.data.DataLoader(Views(sources, a.batch, a.size, a.seed + step, kind_weights(a.documents)),
                                         batch_size=None,
                                         num_workers=a.workers, prefetch_factor=4 if a.workers else None)
    model.train()
    if a.bn_train:
        model.frozen_eval()  # run 1: the fine-tuned blocks' batch norms used (and updated) batch statistics
    else:
        model.encoder.eval()  # every encoder batch norm keeps ImageNet's statistics: step 0 is exactly v1
    budget = a.minutes * 60
    log = open(out / 'train.log', 'a')
    bar = tqdm(total=int(budget), initial=int(spent), desc='train v2', unit='s', mininterval=5)
    t_last, t_ckpt = time.time(), time.time()
    for clean, edited, target in loader:
        if spent >= budget:
            break
        frac = spent / budget
        warm = min(1.0, (step + 1) / 50)
        for g, lr0 in zip(opt.param_groups, base_lrs):
            g['lr'] = lr0 * warm * 0.5 * (1 + math.cos(math.pi * frac))
        x = torch.cat([clean, edited])
        n = clean.shape[0]
        t = model.trunk(x)
        f = model.tail(t)
        recon, z = model.decoder(f), model.head(f)
        l_nce, acc = nt_xent(z, a.temperature)
        l_rec = F.mse_loss(recon[n:], target)
        loss = l_nce + a.recon * l_rec
        l_ent = koleo(z) if a.koleo else torch.zeros(())
        if a.koleo:
            loss = loss + a.koleo * l_ent
        l_keep = torch.zeros(())
        if teacher is not None:
            with torch.no_grad():
                z_v1 = teacher.head(teacher.tail(t[:n]))
            l_keep = (1 - (z[:n] * z_v1).sum(1)).mean()
            loss = loss + a.keep * l_keep
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        now = time.time()
        spent += now - t_last
        t_last = now
        bar.n = min(int(spent), bar.total)
        bar.set_postfix(step=step, nce=f'{l_nce.item():.3f}', acc=f'{acc.item():.3f}', rec=f'{l_rec.item():.4f}',
                        keep=f'{l_keep.item():.4f}', ent=f'{l_ent.item():.3f}')
        bar.refresh()
        print(f'step {step} t {spent:.0f}s lr {opt.param_groups[0]["lr"]:.2e} nce {l_nce.item():.4f} '
              f'acc {acc.item():.3f} rec {l_rec.item():.5f} keep {l_keep.item():.5f} ent {l_ent.item():.4f}', file=log, flush=True)
        if now - t_ckpt > 300:
            torch.save({'model': model.state_dict(), 'opt': opt.state_dict(), 'step': step, 'spent': spent}, ckpt)
            t_ckpt = now
    bar.close()
    torch.save({'model': model.state_dict(), 'opt': opt.state_dict(), 'step': step, 'spent': spent}, ckpt)
    model.eval()
    torch.save(model.state_dict(), out / 'model.pt')
    print(f'v2: {step} steps in {spent / 60:.1f} min', flush=True)


if __name__ == '__main__':
    main()
