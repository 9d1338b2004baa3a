"""Photos, crops, corruptions, and the library's preprocessing re-implemented for Python.

`preprocess` must match the Rust core (src/preprocess.rs): RGB, stretch to the input size with
Pillow's antialiased BILINEAR filter, x/255, (x - mean) / std, NCHW. The golden fixtures prove
the two agree.
"""
import io
import os
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get('IMGSIM_DATA', ROOT / '.cache' / 'data'))
MEAN = (0.5, 0.5, 0.5)
STD = (0.5, 0.5, 0.5)


def to_rgb(img):
    """The library's colour rules: alpha over white, gray as (g, g, g)."""
    if img.mode in ('RGBA', 'LA', 'PA') or (img.mode == 'P' and 'transparency' in img.info):
        img = img.convert('RGBA')
        bg = Image.new('RGBA', img.size, (255, 255, 255, 255))
        return Image.alpha_composite(bg, img).convert('RGB')
    if img.mode == 'I;16':
        a = np.asarray(img, dtype=np.uint32)
        return Image.fromarray(((a * 255 + 32767) // 65535).astype(np.uint8)).convert('RGB')
    return img.convert('RGB')


def preprocess(img, size=224, mean=MEAN, std=STD):
    """PIL image -> float32 [3, H, W] exactly as the library prepares it. size: int or (w, h)."""
    w, h = (size, size) if isinstance(size, int) else size
    img = to_rgb(img)
    if img.size != (w, h):
        img = img.resize((w, h), Image.BILINEAR)
    a = np.asarray(img, dtype=np.float32) / 255.0
    a = (a - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return np.ascontiguousarray(a.transpose(2, 0, 1), dtype=np.float32)


def jpeg(img, q):
    """The image re-encoded as JPEG at quality q and decoded again (RGB)."""
    buf = io.BytesIO()
    img.save(buf, 'JPEG', quality=q)
    return Image.open(io.BytesIO(buf.getvalue())).convert('RGB')


def load_photos(folder, max_side=1024):
    out = []
    for p in sorted(Path(folder).rglob('*')):
        if p.suffix.lower() in ('.jpg', '.jpeg', '.png'):
            img = to_rgb(Image.open(p))
            img.thumbnail((max_side, max_side), Image.BILINEAR)
            out.append((p.name, img))
    return out


def random_crop(img, rng, min_area=0.08, size=160):
    w, h = img.size
    for _ in range(10):
        area = rng.uniform(min_area, 1.0) * w * h
        ar = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
        cw, ch = int(round(np.sqrt(area * ar))), int(round(np.sqrt(area / ar)))
        if 16 <= cw <= w and 16 <= ch <= h:
            x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
            return img.crop((x, y, x + cw, y + ch)).resize((size, size), Image.BILINEAR), (x, y, cw, ch)
    return img.resize((size, size), Image.BILINEAR), (0, 0, w, h)


def corrupt(img, box, src, rng, size):
    """A corrupted view of the same crop: small shift/scale/rotation, brightness/contrast,
    grayscale, JPEG. Used as the denoising autoencoder's input (target: the clean crop)."""
    x, y, cw, ch = box
    s = rng.uniform(0.85, 1.15)
    dx, dy = rng.uniform(-0.08, 0.08) * cw, rng.uniform(-0.08, 0.08) * ch
    nw, nh = cw * s, ch * s
    cx, cy = x + cw / 2 + dx, y + ch / 2 + dy
    v = src.crop((int(cx - nw / 2), int(cy - nh / 2), int(cx + nw / 2), int(cy + nh / 2)))
    v = v.rotate(rng.uniform(-10, 10), resample=Image.BILINEAR, fillcolor=(0, 0, 0))
    v = v.resize((size, size), Image.BILINEAR)
    v = ImageEnhance.Brightness(v).enhance(rng.uniform(0.7, 1.3))
    v = ImageEnhance.Contrast(v).enhance(rng.uniform(0.6, 1.3))
    if rng.random() < 0.2:
        v = ImageOps.grayscale(v).convert('RGB')
    if rng.random() < 0.5:
        v = jpeg(v, rng.randint(20, 90))
    return v


def seed_all(seed):
    import torch
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
