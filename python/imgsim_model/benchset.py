"""The invariance benchmark's images: >= 300 originals of six kinds and >= 10,000 distractors, all
from Debian packages kept apart from the training sources (python/fetch_bench.sh), and the edits
applied to the originals to make the queries.

`prepare()` picks the images with a fixed seed, decodes them once (PDF pages rendered with PyMuPDF,
alpha over white as the library does), and writes the originals (max side 1024, PNG), the queries
(each edit applied at that size, then stored with max side 512, PNG: the model sees 224 px or less)
and the distractors (max side 384, JPEG q95) under .cache/data/bench/. A later run reads them back.
"""
import json
import math
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

from . import data

PKG = data.CACHE / 'pkg'
OUT = data.CACHE / 'bench'
SEED = 2026
QUERY_SIDE = 512
DISTRACTOR_SIDE = 384
ORIGINAL_SIDE = 1024

# photographs of the existing held-out set (python/evaluate.py) and more
OPENCV_PHOTOS = ['aloeL.jpg', 'aero1.jpg', 'apple.jpg', 'baboon.jpg', 'basketball1.png', 'board.jpg', 'box.png',
                 'building.jpg', 'butterfly.jpg', 'ela_original.jpg', 'fruits.jpg', 'graf1.png', 'home.jpg',
                 'leuvenA.jpg', 'left.jpg', 'messi5.jpg', 'orange.jpg', 'rubberwhale1.png', 'smarties.png',
                 'squirrel_cls.jpg', 'starry_night.jpg', 'stuff.jpg', 'Blender_Suzanne1.jpg', 'licenseplate_motion.jpg']
SKIMAGE = ['astronaut.png', 'brick.png', 'camera.png', 'chelsea.png', 'coffee.png', 'coins.png', 'grass.png',
           'gravel.png', 'hubble_deep_field.jpg', 'ihc.png', 'moon.png', 'motorcycle_left.png', 'retina.jpg',
           'rocket.jpg', 'cell.png', 'microaneurysms.png', 'clock_motion.png', 'color.png']

# kind -> number of originals
ORIGINALS = {'photo': 110, 'drawing': 70, 'screenshot': 50, 'document': 40, 'icon': 40, 'science': 30}
MAX_DISTRACTORS = {'photo': 2000, 'drawing': 8000, 'screenshot': 2000, 'document': 4000, 'icon': 2000, 'science': 2000}


def _files(root, pattern, where=None):
    return sorted(p for p in Path(root).rglob(pattern) if where is None or where(p))


def sources():
    """kind -> (fixed originals first, then a candidate list); each item is (id, loader)."""
    ev = data.CACHE / 'eval'
    fixed_photos = [ev / n for n in OPENCV_PHOTOS] + [ev / 'skimage' / n for n in SKIMAGE if n not in
                                                      ('cell.png', 'microaneurysms.png', 'ihc.png', 'hubble_deep_field.jpg',
                                                       'retina.jpg', 'moon.png')]
    fixed_photos += [ev / 'sklearn' / 'china.jpg', ev / 'sklearn' / 'flower.jpg']
    fixed_photos += _files(PKG / 'x-gnome-backgrounds', '*.webp') + _files(PKG / 'x-ukui-wallpapers', '*.jpg')
    science_fixed = [ev / 'skimage' / n for n in ('cell.png', 'microaneurysms.png', 'ihc.png', 'hubble_deep_field.jpg',
                                                  'retina.jpg', 'moon.png')]
    gimp = PKG / 'x-gimp-help-en/usr/share/gimp/2.0/help/en/images'
    return {
        'photo': (fixed_photos, _files(PKG / 'x-tuxpaint-stamps-default', '*.png')),
        'drawing': ([], _files(PKG / 'x-openclipart-png', '*.png') +
                    _files(PKG / 'x-stellarium-data/usr/share/stellarium/skycultures', '*.png')),
        'screenshot': ([], _files(gimp, '*.png', lambda p: 'filters' not in p.parts and 'examples' not in p.parts)),
        'document': ([], _files(PKG / 'x-texlive-latex-base-doc', '*.pdf')),
        'icon': ([], _files(PKG / 'x-oxygen-icon-theme', '*.png', lambda p: '256x256' in str(p))),
        'science': (science_fixed, _files(PKG / 'x-stellarium-data/usr/share/stellarium/nebulae', '*.png'))
        if (PKG / 'x-stellarium-data/usr/share/stellarium/nebulae').exists() else (science_fixed, []),
    }


_PDF = {}


def load(path, page=None, max_side=ORIGINAL_SIDE):
    """Decodes a file (or a PDF page) to RGB with the library's colour rules, max side `max_side`."""
    if page is not None:
        import pymupdf as fitz  # PyMuPDF (AGPL-3.0; a tool here, nothing of it is shipped)
        if _PDF.get('path') != str(path):  # pages of one PDF come one after the other: keep it open
            if _PDF.get('doc') is not None:
                _PDF['doc'].close()
            _PDF.update(path=str(path), doc=fitz.open(str(path)))
        pg = _PDF['doc'][page]
        zoom = max_side / max(pg.rect.width, pg.rect.height)
        pix = pg.get_pixmap(matrix=fitz.Matrix(zoom, zoom), alpha=False)
        img = Image.frombytes('RGB', (pix.width, pix.height), pix.samples)
    else:
        img = data.to_rgb(Image.open(path))
    img.thumbnail((max_side, max_side), Image.BILINEAR)
    return img


def _usable(img, kind):
    w, h = img.size
    if min(w, h) < (48 if kind == 'icon' else 96):
        return False
    a = np.asarray(img.resize((32, 32), Image.BILINEAR), np.float32)
    return a.std() > 2.0  # not a blank page or a flat colour


def _pdf_pages(pdfs, rng, n_docs, pages_per_doc):
    import pymupdf as fitz
    out = []
    for p in pdfs[:n_docs]:
        try:
            with fitz.open(str(p)) as d:
                n = d.page_count
        except Exception:
            continue
        for pg in sorted(rng.sample(range(n), min(n, pages_per_doc))):
            out.append((p, pg))
    return out


# ---------------------------------------------------------------------------------------------
# edits: each takes (PIL RGB image, random.Random) and returns an edited PIL RGB image

_jpeg = data.jpeg


def _crop_frac(im, frac, cx, cy):
    w, h = im.size
    cw, ch = max(1, int(round(w * frac))), max(1, int(round(h * frac)))
    x, y = int((w - cw) * cx), int((h - ch) * cy)
    return im.crop((x, y, x + cw, y + ch))


def _crop_area(im, area, rng):
    """A crop keeping `area` of the pixels, aspect within 3/4..4/3 of the image's, anywhere."""
    w, h = im.size
    ar = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
    cw = min(w, int(round(w * math.sqrt(area * ar))))
    ch = min(h, int(round(h * math.sqrt(area / ar))))
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    return im.crop((x, y, x + cw, y + ch))


_FONT_CACHE = {}


def font(size, bold=True):
    key = (size, bold)
    if key not in _FONT_CACHE:
        name = 'DejaVuSans-Bold.ttf' if bold else 'DejaVuSans.ttf'
        cands = list((PKG / 'x-fonts-dejavu-core').rglob(name))
        _FONT_CACHE[key] = ImageFont.truetype(str(cands[0]), size) if cands else ImageFont.load_default(size)
    return _FONT_CACHE[key]


WORDS = ('when you see it', 'monday again', 'sale 50% off', 'best day ever', 'no caption needed', 'look at this',
         'imgsim', 'do not repost', 'original content', 'summer 2026', 'breaking news', 'thanks for sharing')


def _caption(im, rng):
    """Meme-style caption: white bold text with a black outline at the top and/or bottom."""
    im = im.copy()
    d = ImageDraw.Draw(im)
    w, h = im.size
    f = font(max(12, h // 9))
    for where in rng.sample(['top', 'bottom'], rng.randint(1, 2)):
        t = rng.choice(WORDS).upper()
        tw = d.textlength(t, font=f)
        if tw > 0.95 * w:  # shrink to fit the width
            f = font(max(8, int(f.size * 0.95 * w / tw)))
            tw = d.textlength(t, font=f)
        x = max(2, (w - tw) / 2)
        y = h * 0.03 if where == 'top' else h - h // 9 - h * 0.06
        d.text((x, y), t, font=f, fill=(255, 255, 255), stroke_width=max(1, h // 150), stroke_fill=(0, 0, 0))
    return im


def _watermark(im, rng):
    """Semi-transparent diagonal text repeated over the image (stock-photo style)."""
    w, h = im.size
    layer = Image.new('RGBA', (w * 2, h * 2), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    f = font(max(10, min(w, h) // 10))
    t = rng.choice(['© imgsim', 'SAMPLE', 'watermark', 'stock photo', 'PREVIEW'])
    step = max(20, min(w, h) // 4)
    alpha = rng.randint(70, 120)
    for y in range(0, h * 2, step):
        for x in range(-(y % (2 * step)), w * 2, int(d.textlength(t, font=f)) + step):
            d.text((x, y), t, font=f, fill=(255, 255, 255, alpha))
    layer = layer.rotate(rng.uniform(20, 40), resample=Image.BILINEAR).crop((w // 2, h // 2, w // 2 + w, h // 2 + h))
    return Image.alpha_composite(im.convert('RGBA'), layer).convert('RGB')


def _logo(im, rng):
    """An opaque logo (rounded badge with initials) in a corner, 12-20 % of the shorter side."""
    im = im.copy()
    w, h = im.size
    s = int(min(w, h) * rng.uniform(0.12, 0.2))
    s = max(s, 8)
    x = rng.choice([int(0.03 * w), w - s - int(0.03 * w)])
    y = rng.choice([int(0.03 * h), h - s - int(0.03 * h)])
    d = ImageDraw.Draw(im)
    col = tuple(rng.randint(0, 255) for _ in range(3))
    d.rounded_rectangle((x, y, x + s, y + s), radius=s // 4, fill=col, outline=(255, 255, 255), width=max(1, s // 20))
    d.text((x + s / 2, y + s / 2), rng.choice(['TV', 'IM', 'G+', 'N1', 'HD']), font=font(max(6, s // 2)),
           fill=(255, 255, 255), anchor='mm')
    return im


def _pad(im, rng):
    """The image placed on a larger canvas (screenshot/meme style): 40-70 % of the canvas width,
    a title bar and a text line around it."""
    w, h = im.size
    frac = rng.uniform(0.4, 0.7)
    cw = int(w / frac)
    ch = int(h + cw * rng.uniform(0.15, 0.5))
    bg = rng.choice([(255, 255, 255), (245, 245, 245), (30, 30, 30), (0, 0, 0)])
    c = Image.new('RGB', (cw, ch), bg)
    d = ImageDraw.Draw(c)
    bar = max(8, ch // 14)
    d.rectangle((0, 0, cw, bar), fill=(60, 90, 160))
    x = rng.randint(0, cw - w)
    y = rng.randint(bar + 2, max(bar + 2, ch - h))
    c.paste(im, (x, y))
    fg = (0, 0, 0) if sum(bg) > 380 else (230, 230, 230)
    ty = y + h + 4 if y + h + bar < ch else bar + 2
    d.text((4, ty), rng.choice(WORDS), font=font(max(8, bar * 2 // 3), bold=False), fill=fg)
    return c


def _perspective(im, rng):
    w, h = im.size
    m = 0.12
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    dst = [(x + rng.uniform(-m, m) * w, y + rng.uniform(-m, m) * h) for x, y in src]
    # PIL wants the coefficients mapping output -> input
    a = []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    coeffs = np.linalg.solve(np.array(a), np.array(src).ravel())
    return im.transform((w, h), Image.PERSPECTIVE, tuple(coeffs), Image.BILINEAR, fillcolor=(0, 0, 0))


def _noise(im, rng, sigma=18):
    a = np.asarray(im, np.float32)
    g = np.random.default_rng(rng.randrange(1 << 30)).normal(0, sigma, a.shape)
    return Image.fromarray(np.clip(a + g, 0, 255).astype(np.uint8))


def _hue_sat(im, rng):
    hsv = np.asarray(im.convert('HSV'), np.int16).copy()
    hsv[..., 0] = (hsv[..., 0] + rng.choice([-1, 1]) * rng.randint(25, 50)) % 256
    hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(1.3, 1.6), 0, 255)
    return Image.fromarray(hsv.astype(np.uint8), 'HSV').convert('RGB')


def _gamma(im, g):
    lut = [int(round(255 * (i / 255) ** g)) for i in range(256)]
    return im.point(lut * 3)


def _blur(im):
    return im.filter(ImageFilter.GaussianBlur(radius=max(1.0, max(im.size) / 250)))


def _down(im, f):
    return im.resize((max(1, int(im.width * f)), max(1, int(im.height * f))), Image.BILINEAR)


EDITS = {
    # the nine of the first benchmark
    'down 50%': lambda im, r: _down(im, 0.5),
    'JPEG q30': lambda im, r: _jpeg(im, 30),
    'bright +30%': lambda im, r: ImageEnhance.Brightness(im).enhance(1.3),
    'contrast -30%': lambda im, r: ImageEnhance.Contrast(im).enhance(0.7),
    'crop 80% centre': lambda im, r: _crop_frac(im, 0.8, 0.5, 0.5),
    'crop 80% corner': lambda im, r: _crop_frac(im, 0.8, r.choice([0, 1]), r.choice([0, 1])),
    'rotate 10°': lambda im, r: im.rotate(10, resample=Image.BILINEAR),
    'mirror': lambda im, r: ImageOps.mirror(im),
    'grayscale': lambda im, r: ImageOps.grayscale(im).convert('RGB'),
    # more everyday edits
    'rotate 90°': lambda im, r: im.transpose(Image.ROTATE_90),
    'rotate 180°': lambda im, r: im.transpose(Image.ROTATE_180),
    'rotate 270°': lambda im, r: im.transpose(Image.ROTATE_270),
    'crop 50% area': lambda im, r: _crop_area(im, 0.5, r),
    'crop 30% area': lambda im, r: _crop_area(im, 0.3, r),
    'caption overlay': _caption,
    'watermark': _watermark,
    'logo overlay': _logo,
    'pad into canvas': _pad,
    'perspective': _perspective,
    'blur': lambda im, r: _blur(im),
    'noise σ18': lambda im, r: _noise(im, r),
    'hue/saturation': _hue_sat,
    'gamma 0.6/1.7': lambda im, r: _gamma(im, r.choice([0.6, 1.7])),
    'JPEG q20': lambda im, r: _jpeg(im, 20),
    # pairs of edits
    'grayscale + JPEG q30': lambda im, r: _jpeg(ImageOps.grayscale(im).convert('RGB'), 30),
    'mirror + crop 80%': lambda im, r: _crop_frac(ImageOps.mirror(im), 0.8, r.random(), r.random()),
    'rotate 90° + down 50%': lambda im, r: _down(im.transpose(r.choice([Image.ROTATE_90, Image.ROTATE_270])), 0.5),
    'caption + pad': lambda im, r: _pad(_caption(im, r), r),
}


def _dhash(img):
    """Identity key for de-duplication: 12x12 gray thumbnail in 16 levels (the same picture at
    another size gets the same key; a near-blank drawing is not mistaken for every other one)."""
    g = np.asarray(img.convert('L').resize((12, 12), Image.BILINEAR), np.uint8)
    return (g // 16).tobytes()


def _thumb(img):
    """Mean-centred, unit-length 16x16 RGB thumbnail: cosine >= 0.9 between two of them means
    "looks like the same picture" (used to keep look-alikes out of the originals and copies of an
    original out of the distractors)."""
    v = np.asarray(img.resize((16, 16), Image.BILINEAR), np.float32).ravel()
    v = v - v.mean()
    return v / max(float(np.linalg.norm(v)), 1e-6)


def _name(i, kind, src, page):
    tag = Path(src).stem[:40] + (f'-p{page + 1}' if page is not None else '')
    return f'{i:04d}-{kind}-{tag}'


def _save_png(img, path, side):
    img = img.copy()
    img.thumbnail((side, side), Image.BILINEAR)
    img.save(path, optimize=False, compress_level=1)


def prepare(force=False, only_distractors=False):
    """Writes .cache/data/bench/{originals,queries,distractors}/ and manifest.json; returns the manifest.
    only_distractors: keep the originals and queries of an existing manifest, redo the distractors
    (the same selection a full run makes)."""
    manifest_path = OUT / 'manifest.json'
    if manifest_path.exists() and not force:
        return json.loads(manifest_path.read_text())
    old = json.loads(manifest_path.read_text()) if only_distractors else None
    from tqdm import tqdm
    rng = random.Random(SEED)
    for sub in ('originals', 'queries', 'distractors'):
        (OUT / sub).mkdir(parents=True, exist_ok=True)
    originals, distractors, thumbs = [], [], []
    for kind, (fixed, pool) in sources().items():
        pool = list(pool)
        rng.shuffle(pool)
        if kind == 'document':
            orig_pages = _pdf_pages(pool, rng, 80, 1)
            # distractor pages come from the other PDFs (own random stream: the originals stay put)
            pool_items = _pdf_pages(pool[80:], random.Random(SEED + 1), len(pool) - 80, 10 ** 6)
            cands = [(p, pg) for p, pg in orig_pages]
        else:
            cands = [(p, None) for p in fixed] + [(p, None) for p in pool]
            pool_items = None
        chosen, seen = [], set()
        if old is not None:  # the originals a full run chose
            for o in old['originals']:
                if o['kind'] == kind:
                    chosen.append((data.CACHE / o['source'], o['page'],
                                   Image.open(OUT / o['file']).convert('RGB')))
            cands = []
        it = iter(cands)
        for p, pg in it:
            if len(chosen) == ORIGINALS[kind]:
                break
            try:
                img = load(p, pg)
            except Exception:
                continue
            h = _dhash(img)
            if h in seen or not _usable(img, kind):
                continue
            t = _thumb(img)
            if thumbs and max(float(t @ u) for u in thumbs) >= 0.9:
                continue  # looks like an original already chosen
            seen.add(h)
            thumbs.append(t)
            chosen.append((p, pg, img))
        assert len(chosen) == ORIGINALS[kind], (kind, len(chosen))
        rest = pool_items if pool_items is not None else [(p, None) for p in pool if p not in {c[0] for c in chosen}]
        for p, pg, img in chosen:
            originals.append((kind, p, pg, img))
        distractors += [(kind, p, pg) for p, pg in rest[:MAX_DISTRACTORS[kind]]]
    # distractors only: GIMP's filter examples (photos with a filter applied; none of their
    # sources is an original)
    gimp = PKG / 'x-gimp-help-en/usr/share/gimp/2.0/help/en/images/filters/examples'
    distractors += [('photo', p, None) for p in _files(gimp, '*.jpg') + _files(gimp, '*.png')]
    man = {'seed': SEED, 'edits': list(EDITS), 'originals': [], 'queries': [], 'distractors': []}
    if old is not None:
        man['originals'], man['queries'] = old['originals'], old['queries']
        originals_todo = []
    else:
        originals_todo = originals
    for i, (kind, p, pg, img) in enumerate(tqdm(originals_todo, desc='originals and queries')):
        name = _name(i, kind, p, pg)
        img.save(OUT / 'originals' / f'{name}.png', compress_level=1)
        man['originals'].append({'file': f'originals/{name}.png', 'kind': kind, 'source': str(Path(p).relative_to(data.CACHE)),
                                 'page': pg})
        for j, (edit, fn) in enumerate(EDITS.items()):
            r = random.Random(f'{SEED}/{i}/{edit}')
            q = fn(img, r)
            qf = f'queries/{name}-e{j:02d}.png'
            _save_png(q, OUT / qf, QUERY_SIDE)
            man['queries'].append({'file': qf, 'original': i, 'edit': edit})
    seen = {_dhash(o[3]) for o in originals}  # no distractor that is an original at another size
    orig_thumbs = np.stack([_thumb(o[3]) for o in originals])
    for k, (kind, p, pg) in enumerate(tqdm(distractors, desc='distractors')):
        try:
            img = load(p, pg, max_side=DISTRACTOR_SIDE)
        except Exception:
            continue
        if not _usable(img, kind):
            continue
        h = _dhash(img)
        if h in seen:
            continue
        if float(np.max(orig_thumbs @ _thumb(img))) >= 0.95:
            continue  # a copy of an original (another size or variant): not a distractor
        seen.add(h)
        img.thumbnail((DISTRACTOR_SIDE, DISTRACTOR_SIDE), Image.BILINEAR)
        f = f'distractors/{k:05d}-{kind}.jpg'
        img.save(OUT / f, quality=95)
        man['distractors'].append({'file': f, 'kind': kind, 'source': str(Path(p).relative_to(data.CACHE)), 'page': pg})
    manifest_path.write_text(json.dumps(man, indent=0))
    return man
