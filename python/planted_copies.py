"""Copies of the copy benchmark's distractors, as people make them, for training the learned copy
decision beyond the benchmark's PNG edits (docs/QUALITY.md, "The learned decision").

    python python/planted_copies.py [--per-source 2] [--sources 1500]
    IMGSIM_ORT=/abs/libonnxruntime.so cargo run --release --example copy_bench -- \\
        --copies .cache/data/bench/copies-of-originals.txt --planted .cache/data/bench/planted.tsv \\
        --rows .cache/data/bench/copy-rows-planted.tsv
    python python/copy_decision.py .cache/data/bench/copy-rows.tsv --extra .cache/data/bench/copy-rows-planted.tsv

Each copy is a distractor (a JPEG at most 640 px) downscaled (to 50, 70 or 85 %), then kept,
mirrored, centre-cropped to 90 % or cropped to 80 % off-centre, saved as JPEG (quality 90 or 75)
or PNG: what a re-saved, resized or trimmed copy in a photo collection looks like. Writes the
copies under .cache/data/bench/planted/ and .cache/data/bench/planted.tsv (file, database index of
its source in copy_bench's order: originals then distractors, edit number, edit name).

The sources leave out every distractor that python/dupes_scale.py plants copies of (its default
run: 10,000 images, 1,000 copies, seed 25), so that run measures the decision on copies of
pictures it never saw copied.
"""
import argparse
import json
import os
import random
import sys
from pathlib import Path

from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / '.cache/data/bench'
SCALES = (0.5, 0.7, 0.85)
OPS = ('as is', 'mirrored', 'crop 90% centre', 'crop 80% off-centre')
FORMATS = ('JPEG q90', 'JPEG q75', 'PNG')
# edit numbers after the benchmark's own (28): one per (scale, op, format)
FIRST_EDIT = 100


def dupes_scale_chosen(names, n=10000, copies=1000, seed=25):
    """The distractors python/dupes_scale.py plants copies of (the same random draws in the same order)."""
    rng = random.Random(seed)
    names = sorted(names)
    rng.shuffle(names)
    placed = names[:n]
    return set(placed[:100] + rng.sample(placed[100:], copies - 100))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--per-source', type=int, default=2)
    ap.add_argument('--sources', type=int, default=1500)
    a = ap.parse_args()
    man = json.loads((BENCH / 'manifest.json').read_text())
    dist = man['distractors']
    names = [os.path.basename(d['file']) for d in dist]
    held_out = dupes_scale_chosen([n for n in names if n.lower().endswith(('.jpg', '.jpeg', '.png'))])
    rng = random.Random(23)
    pool = [k for k, n in enumerate(names) if n not in held_out]
    rng.shuffle(pool)
    out_dir = BENCH / 'planted'
    out_dir.mkdir(exist_ok=True)
    rows = []
    for k in pool[:a.sources]:
        src = Image.open(BENCH / dist[k]['file']).convert('RGB')
        for c in range(a.per_source):
            s, op, fmt = rng.randrange(len(SCALES)), rng.randrange(len(OPS)), rng.randrange(len(FORMATS))
            w, h = src.size
            img = src.resize((max(8, round(w * SCALES[s])), max(8, round(h * SCALES[s]))), Image.LANCZOS)
            w, h = img.size
            if OPS[op] == 'mirrored':
                img = ImageOps.mirror(img)
            elif OPS[op] == 'crop 90% centre':
                img = img.crop((w // 20, h // 20, w - w // 20, h - h // 20))
            elif OPS[op] == 'crop 80% off-centre':
                x, y = rng.randint(0, w // 5), rng.randint(0, h // 5)
                img = img.crop((x, y, x + w - w // 5, y + h - h // 5))
            stem = f'{k:05d}-{c}'
            if FORMATS[fmt] == 'PNG':
                f = out_dir / f'{stem}.png'
                img.save(f)
            else:
                f = out_dir / f'{stem}.jpg'
                img.save(f, quality=90 if FORMATS[fmt] == 'JPEG q90' else 75)
            edit = FIRST_EDIT + (s * len(OPS) + op) * len(FORMATS) + fmt
            name = f'planted: down {round(SCALES[s] * 100)}%, {OPS[op]}, {FORMATS[fmt]}'
            rows.append(f"planted/{f.name}\t{len(man['originals']) + k}\t{edit}\t{name}")
    (BENCH / 'planted.tsv').write_text('\n'.join(rows) + '\n')
    print(f'{len(rows)} copies of {min(a.sources, len(pool))} distractors ({len(held_out)} held out for dupes_scale.py)'
          f' in {out_dir}', file=sys.stderr)


if __name__ == '__main__':
    main()
