"""Copy search for parts of document pages and pages inside a screenshot: N pages of a
`python/dupes_scale.py` work folder (the indexed images named `*-document.*`), each cropped to 30 %
and to 50 % of its area (an off-centre box, as the invariance benchmark's crops) and pasted at 60 %
of its size into a grey 1.6x canvas under a title bar, saved as JPEG q90, searched with
`imgsim search --copies --json -k 3` (one call) on that folder's index; counts, per edit, the
searches whose first hit is the page itself (or one of the copies `dupes_scale.py` planted of it,
WORK/planted.json: the same picture) and is called a copy (docs/QUALITY.md, "Words of local
features").

    python python/cropped_pages.py WORK build/install/imgsim/bin/imgsim [N] [SEED]
"""
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw


def crop(img, area, rng):
    w, h = img.size
    s = area ** 0.5
    cw, ch = max(1, round(w * s)), max(1, round(h * s))
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    return img.crop((x, y, x + cw, y + ch))


def screenshot(img, rng):
    w, h = img.size
    small = img.resize((max(1, round(w * 0.6)), max(1, round(h * 0.6))), Image.LANCZOS)
    cw, ch = round(small.width * 1.6), round(small.height * 1.6) + 24
    canvas = Image.new('RGB', (cw, ch), (210, 210, 214))
    d = ImageDraw.Draw(canvas)
    d.rectangle((0, 0, cw, 23), fill=(60, 64, 72))
    d.text((8, 5), 'Document viewer', fill=(240, 240, 240))
    canvas.paste(small, (rng.randint(0, cw - small.width), 24 + rng.randint(0, ch - 24 - small.height)))
    return canvas


EDITS = {
    'crop 30 %': lambda img, rng: crop(img, 0.3, rng),
    'crop 50 %': lambda img, rng: crop(img, 0.5, rng),
    'in a screenshot': screenshot,
}


def main(work, imgsim, n=60, seed=27):
    work = Path(work).resolve()
    pages = sorted(str(p) for p in (work / 'images').rglob('*-document.*'))
    if not pages:
        sys.exit(f'no *-document.* images under {work / "images"}')
    rng = random.Random(seed)
    pick = rng.sample(pages, min(n, len(pages)))
    with tempfile.TemporaryDirectory() as tmp:
        original, edit = {}, {}
        for i, p in enumerate(pick):
            img = Image.open(p).convert('RGB')
            for name, f in EDITS.items():
                q = os.path.join(tmp, f'q{i:04d}-{name.replace(" ", "").replace("%", "")}.jpg')
                f(img, rng).save(q, quality=90)
                original[q], edit[q] = p, name
        out = subprocess.run([imgsim, 'search', '--copies', '--json', '-k', '3', '--index', str(work / 'idx'), *sorted(original)],
                             check=True, capture_output=True, text=True).stdout
    if os.environ.get('CROPPED_PAGES_JSON'):  # every search's hits, for a look at what changed
        Path(os.environ['CROPPED_PAGES_JSON']).write_text(out)
    # the copies planted of a page are the page too
    same = {}
    planted = work / 'planted.json'
    if planted.exists():
        for copy, orig in json.loads(planted.read_text()).items():
            same.setdefault(str(work / 'images' / orig), set()).add(str(work / 'images' / copy))
    found = {name: 0 for name in EDITS}
    listed = {name: 0 for name in EDITS}
    for r in json.loads(out):
        hits = r['hits']
        listed[edit[r['query']]] += any(h['id'] == original[r['query']] for h in hits)
        page = original[r['query']]
        if hits and (hits[0]['id'] == page or hits[0]['id'] in same.get(page, ())) and hits[0]['copy']:
            found[edit[r['query']]] += 1
    for name in EDITS:
        print(f'{name}: {len(pick)} pages searched, the page listed {listed[name]}, first and called a copy {found[name]}')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:]))
