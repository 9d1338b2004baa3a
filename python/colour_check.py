"""Why the colour veto (src/colour.rs, CopyCalibration.HUE_MISMATCH_VETO) counts only vivid cells.

    python python/colour_check.py [--floors 6,12,16,20,25,30,35,40] [--rows .cache/data/bench/copy-rows-colour.tsv]

1. Edits that must stay copies: each of the invariance benchmark's 340 originals against itself
   after a white-balance shift (warm, cool, strong warm) and a sepia tint. The chroma grid is
   computed as the library does ((B - Y) / 2, (R - Y) / 2, 16x16 area means, rounded to bytes) on
   the whole picture (the library's content box is the same for a picture and its recoloured
   self); prints how many are measured at all and how many would be vetoed at 0.3 and 0.5.
2. Look-alikes the veto should catch: the rows of `copy_bench --rows` (with the chroma grids
   cached in .cache/data/bench/copy-colour-*.bin) that the hand-set rules call copies with a
   whole-picture alignment; prints how many wrong pairs and how many copies each floor vetoes.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import copy_decision as cd  # noqa: E402

BENCH = Path(__file__).resolve().parent.parent / '.cache/data/bench'
S = 16
SEPIA = np.array([[0.393, 0.349, 0.272], [0.769, 0.686, 0.534], [0.189, 0.168, 0.131]])
EDITS = {
    'white balance warm (R x1.15, B x0.85)': lambda a: a * np.array([1.15, 1.0, 0.85]),
    'white balance cool (R x0.85, B x1.15)': lambda a: a * np.array([0.85, 1.0, 1.15]),
    'white balance strong (R x1.3, G x1.05, B x0.75)': lambda a: a * np.array([1.3, 1.05, 0.75]),
    'sepia': lambda a: a @ SEPIA,
}


def grid(a):
    y = 0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]
    h, w = y.shape
    out = []
    for p in (0.5 * (a[..., 2] - y), 0.5 * (a[..., 0] - y)):
        out.append(np.array([[p[i * h // S:(i + 1) * h // S, j * w // S:(j + 1) * w // S].mean() for j in range(S)]
                             for i in range(S)]).round().clip(-127, 127))
    return np.stack(out)


def mismatch(a, b, floor, min_cells=16, low=None):
    """colour::hue_mismatch: the share of the cells vivid in both whose hues are > 90 degrees apart, -1 if too few.
    `low`: a cell counts when vivid (>= floor) in one picture and at least `low` in the other."""
    ca, cb = np.hypot(a[0], a[1]), np.hypot(b[0], b[1])
    low = floor if low is None else low
    c = (np.maximum(ca, cb) >= floor) & (np.minimum(ca, cb) >= low)
    if c.sum() < min_cells:
        return -1.0
    return float(((a[0] * b[0] + a[1] * b[1]) < 0)[c].mean())


def transformed(g, t):
    """copies::transformed on both planes: turn counter-clockwise t % 4 times, then mirror when t >= 4."""
    n = S - 1
    out = np.empty_like(g)
    for y in range(S):
        for x in range(S):
            xm = n - x if t >= 4 else x
            sx, sy = [(xm, y), (n - y, xm), (n - xm, n - y), (y, n - xm)][t % 4]
            out[:, y, x] = g[:, sy, sx]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--floors', default='6,12,16,20,25,30,35,40')
    ap.add_argument('--rows', default=str(BENCH / 'copy-rows-colour.tsv'))
    ap.add_argument('--low', type=float, help='the other picture\'s chroma floor (default: --floors)')
    ap.add_argument('--min-cells', type=int, default=16)
    a = ap.parse_args()
    floors = [float(f) for f in a.floors.split(',')]
    man = json.loads((BENCH / 'manifest.json').read_text())
    pics = [np.asarray(Image.open(BENCH / o['file']).convert('RGB').resize((224, 224)), np.float32) for o in man['originals']]
    print('1. recoloured copies of the 340 originals: measured / vetoed at 0.3 / at 0.5\n')
    print('| edit | ' + ' | '.join(f'floor {f:g}' for f in floors) + ' |\n|---|' + '---|' * len(floors))
    originals = [grid(p) for p in pics]
    for name, edit in EDITS.items():
        edited = [grid(np.clip(edit(p), 0, 255)) for p in pics]
        cells = []
        for f in floors:
            m = np.array([mismatch(g, e, f, a.min_cells, a.low) for g, e in zip(originals, edited)])
            cells.append(f'{(m >= 0).sum()} / {(m >= 0.3).sum()} / {(m >= 0.5).sum()}')
        print(f'| {name} | ' + ' | '.join(cells) + ' |')
    if not Path(a.rows).exists():
        return
    db = np.fromfile(BENCH / 'copy-colour-db10974.bin', np.int8).reshape(-1, 2, S, S).astype(np.float32)
    qs = np.fromfile(BENCH / 'copy-colour-q9520.bin', np.int8).reshape(-1, 2, S, S).astype(np.float32)
    d = cd.load(a.rows)
    raw = [line.split('\t') for line in open(a.rows)]
    align = np.array([int(r[11]) for r in raw])
    trans = np.array([int(float(r[10])) for r in raw])
    score = np.array([float(r[8]) for r in raw])
    sel = np.where((cd.old_rule(d) > 0) & (align == 1) & (score >= 0.5))[0]
    print(f'\n2. the rules\' whole-picture copies on the benchmark ({len(sel)} rows, {d["true"][sel].sum()} of them copies):'
          ' wrong pairs / copies vetoed at 0.3\n')
    print('| floor | wrong vetoed | copies vetoed |\n|---|---|---|')
    pairs = [(transformed(db[d['j'][i]], trans[i]), qs[d['q'][i]]) for i in sel]
    for f in floors:
        m = np.array([mismatch(x, y, f, a.min_cells, a.low) for x, y in pairs])
        v = m >= 0.3
        print(f'| {f:g} | {(v & ~d["true"][sel]).sum()} | {(v & d["true"][sel]).sum()} |')


if __name__ == '__main__':
    main()
