"""`imgsim dupes` on mixed content, as issue 23 measured it: originals of every kind (photos,
drawings, screenshots, documents, icons, science figures), each with one everyday edited copy
saved as its own file, among distractors; pair precision and recall of what `dupes` groups.

    python python/dupes_mixed.py WORK_DIR IMGSIM [--originals 150] [--images 1871] [--seed 23] \
        [--runs default,strict,learned,cosine]

Reads the invariance benchmark (.cache/data/bench: `benchset.prepare()`): picks ORIGINALS of its
340 originals (every kind in proportion, seeded), gives the i-th the i-th of the 13 edits the
issue's table names (round robin), and fills up to IMAGES files with distractors (none that is an
original turned or mirrored: `copies-of-originals.txt`). Files are named by number only. Then:

    imgsim index WORK_DIR/images --index WORK_DIR/idx
    imgsim dupes --index WORK_DIR/idx --json [--strict | --learned | --threshold 0.95]

and scores every pair inside a group (a group of n files is n(n-1)/2 pairs: what a user acting
on the group sees): a pair is right when it is an original and its copy. Wrong pairs are split
into those that touch an original or a copy and those among distractors (the distractors hold
pictures shared between Debian packages — Tux Paint stamps drawn from Open Clip Art — that no
label covers; they are counted as errors in the precision, and listed apart). One family is
labelled: the GIMP manual's filter examples (`filters/examples/*-taj-*`, 104 of the distractors)
are each one filter applied to the same photograph of the Taj Mahal, so pairs among them are
edited copies; the precision is printed counting them as errors and as copies. Other families
checked by eye to show one picture (python/data/bench-same-distractors.tsv: more of that photograph,
another photograph through filters, arrows and corners Open Clip Art draws once per direction, a
crop) are counted apart too: a third precision counts every such pair, and the distractors checked
by eye to show an original's picture (python/data/bench-same-pictures.tsv), as copies. Writes
WORK_DIR/pairs-RUN.tsv (every pair, its label and the band/confidence `dupes` gave) and prints
a table per run, per edit and per kind.
"""
import argparse
import collections
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent))
from imgsim_model import benchset  # noqa: E402

BENCH = benchset.OUT


def pad(im, rng, factor=1.5):
    """Letterboxed into a canvas `factor` times its width and height, plain background."""
    w, h = im.size
    bg = rng.choice([(255, 255, 255), (0, 0, 0), (240, 240, 240), (40, 40, 40)])
    c = Image.new('RGB', (int(w * factor), int(h * factor)), bg)
    c.paste(im, (rng.randint(0, c.width - w), rng.randint(0, c.height - h)))
    return c


def gray(im):
    return ImageOps.grayscale(im).convert('RGB')


def down(im, f):
    return im.resize((max(8, int(im.width * f)), max(8, int(im.height * f))), Image.LANCZOS)


# the 13 edits: (name, function, how the copy is saved)
EDITS = [
    ('gray', lambda im, r: gray(im), 'png'),
    ('JPEG q20', lambda im, r: im, 'q20'),
    ('turn 90', lambda im, r: im.transpose(Image.ROTATE_90), 'png'),
    ('turn 180', lambda im, r: im.transpose(Image.ROTATE_180), 'png'),
    ('mirror', lambda im, r: ImageOps.mirror(im), 'png'),
    ('crop 50%', lambda im, r: benchset._crop_area(im, 0.5, r), 'png'),
    ('caption', benchset._caption, 'png'),
    ('watermark', benchset._watermark, 'png'),
    ('pad 1.5x', pad, 'png'),
    ('bright', lambda im, r: __import__('PIL.ImageEnhance', fromlist=['x']).Brightness(im).enhance(1.3), 'png'),
    ('down 25%', lambda im, r: down(im, 0.25), 'png'),
    ('crop 70% + q40', lambda im, r: benchset._crop_area(im, 0.7, r), 'q40'),
    ('gray + turn 90', lambda im, r: gray(im).transpose(Image.ROTATE_90), 'png'),
]


def build(work, n_orig, n_images, seed):
    man = json.loads((BENCH / 'manifest.json').read_text())
    rng = random.Random(seed)
    by_kind = collections.defaultdict(list)
    for i, o in enumerate(man['originals']):
        by_kind[o['kind']].append(i)
    total = len(man['originals'])
    chosen = []
    for kind, idx in sorted(by_kind.items()):
        chosen += rng.sample(idx, round(n_orig * len(idx) / total))
    chosen = sorted(chosen)[:n_orig]
    rng.shuffle(chosen)
    excluded = {int(line.split()[0]) for line in (BENCH / 'copies-of-originals.txt').read_text().split('\n') if line.strip()}
    pool = [i for i in range(len(man['distractors'])) if i not in excluded]
    dis = rng.sample(pool, n_images - 2 * len(chosen))
    images = work / 'images'
    images.mkdir(parents=True)
    files = []  # (name, role, kind, edit, pair key, benchmark index: original's or -1 - distractor's)
    for k, oi in enumerate(chosen):
        o = man['originals'][oi]
        name, fn, save = EDITS[k % len(EDITS)]
        im = Image.open(BENCH / o['file']).convert('RGB')
        a = f'img{len(files):05d}.png'
        shutil.copyfile(BENCH / o['file'], images / a)
        files.append((a, 'original', o['kind'], name, k, oi))
        c = fn(im, rng)
        b = f'img{len(files):05d}.' + ('png' if save == 'png' else 'jpg')
        c.save(images / b) if save == 'png' else c.save(images / b, quality=int(save[1:]))
        files.append((b, 'copy', o['kind'], name, k, oi))
    for di in dis:
        d = man['distractors'][di]
        ext = os.path.splitext(d['file'])[1]
        a = f'img{len(files):05d}{ext}'
        shutil.copyfile(BENCH / d['file'], images / a)
        files.append((a, 'distractor', d['kind'], '', -1 - di, -1 - di))
    # shuffle the numbering so that a copy is not next to its original
    order = list(range(len(files)))
    rng.shuffle(order)
    renamed = []
    for new, old in enumerate(order):
        name, role, kind, edit, key, source = files[old]
        target = f'f{new:05d}{os.path.splitext(name)[1]}'
        (images / name).rename(images / ('tmp-' + target))
        renamed.append((target, role, kind, edit, key, source))
    for r in renamed:
        (images / ('tmp-' + r[0])).rename(images / r[0])
    with open(work / 'labels.tsv', 'w') as f:
        for r in renamed:
            f.write('\t'.join(map(str, r)) + '\n')
    return renamed


RUNS = {'default': [], 'strict': ['--strict'], 'learned': ['--learned'], 'cosine': ['--threshold', '0.95']}


def same_picture(man):
    """Distractor index -> a label for the pictures known to be one (the GIMP manual's Taj Mahal filter examples)."""
    return {i: 'taj' for i, d in enumerate(man['distractors'])
            if '/filters/examples/' in d['source'] and '-taj-' in d['source'].rsplit('/', 1)[-1]}


def families(man):
    """Distractor index -> the family of pictures it belongs to: the Taj Mahal filter examples
    (`same_picture`) and python/data/bench-same-distractors.tsv, families checked by eye to show one
    picture (the same photograph through other filters, one arrow drawn turned, a crop)."""
    out = dict(same_picture(man))
    listed = Path(__file__).resolve().parent / 'data' / 'bench-same-distractors.tsv'
    for line in listed.read_text().splitlines():
        if not line or line.startswith('#'):
            continue
        family, end = line.split('\t')
        found = [j for j, d in enumerate(man['distractors']) if d['source'].endswith('/' + end)]
        if len(found) == 1:
            out[found[0]] = family
    return out


def eye_checked(man):
    """(original index, distractor index) of python/data/bench-same-pictures.tsv: distractors checked
    by eye to show the same picture as an original (a Tux Paint stamp drawn from the Open Clip Art
    drawing, ...), as `copy_calibration.py --eye-checked` reads them."""
    listed = Path(__file__).resolve().parent / 'data' / 'bench-same-pictures.tsv'
    out = set()
    for line in listed.read_text().splitlines():
        if not line or line.startswith('#'):
            continue
        o_src, d_src, _ = line.split('\t')
        os_ = [i for i, o in enumerate(man['originals']) if o['source'].endswith('/' + o_src)]
        ds = [j for j, d in enumerate(man['distractors']) if d['source'].endswith('/' + d_src)]
        if len(os_) == 1 and len(ds) == 1:
            out.add((os_[0], ds[0]))
    return out


def score(work, run, groups, labels, known, same=frozenset(), family=None):
    info = {r[0]: r for r in labels}
    truth = {}
    for r in labels:
        if r[4] >= 0:
            truth.setdefault(r[4], []).append(r[0])
    n_true = len(truth)
    found, wrong_planted, wrong_distractors, known_pairs, eye_pairs, family_pairs = set(), [], [], [], [], []
    family = family or {}
    pairs_out = open(work / f'pairs-{run}.tsv', 'w')
    listed = {}
    for g in groups:
        for p in g.get('pairs', []):
            listed[tuple(sorted((os.path.basename(p['a']), os.path.basename(p['b']))))] = p
        ids = [os.path.basename(i) for i in g['ids']]
        for i in range(len(ids)):
            for j in range(i + 1, len(ids)):
                a, b = sorted((ids[i], ids[j]))
                ra, rb = info[a], info[b]
                right = ra[4] >= 0 and ra[4] == rb[4]
                p = listed.get((a, b), {})
                pairs_out.write(f'{a}\t{b}\t{int(right)}\t{ra[1]}:{ra[2]}\t{rb[1]}:{rb[2]}\t{ra[3] or rb[3]}\t'
                                f'{p.get("band", "")}\t{p.get("confidence", g.get("similarity", ""))}\t{p.get("transform", "")}\n')
                if right:
                    found.add(ra[4])
                elif ra[1] == 'distractor' and rb[1] == 'distractor':
                    wrong_distractors.append((a, b))
                    if known.get(-1 - ra[4]) is not None and known.get(-1 - ra[4]) == known.get(-1 - rb[4]):
                        known_pairs.append((a, b))
                    if family.get(-1 - ra[4]) is not None and family.get(-1 - ra[4]) == family.get(-1 - rb[4]):
                        family_pairs.append((a, b))
                else:
                    wrong_planted.append((a, b))
                    o, d = (ra[5], rb[5]) if ra[4] >= 0 else (rb[5], ra[5])
                    if o is not None and d is not None and d < 0 and (o, -1 - d) in same:
                        eye_pairs.append((a, b))
    pairs_out.close()
    n_pairs = len(found) + len(wrong_planted) + len(wrong_distractors)
    prec = len(found) / n_pairs if n_pairs else 1.0
    prec_planted = len(found) / (len(found) + len(wrong_planted)) if found or wrong_planted else 1.0
    print(f'{run:8s} pairs {n_pairs:5d}  right {len(found):4d}  wrong touching originals/copies {len(wrong_planted):4d}'
          f'  wrong among distractors {len(wrong_distractors):4d} (of them Taj Mahal filter examples {len(known_pairs)})'
          f'  precision {prec:.3f} (Taj pairs as copies {(len(found) + len(known_pairs)) / max(1, n_pairs):.3f};'
          f' without distractor pairs {prec_planted:.3f})  recall {len(found) / n_true:.3f}')
    print(f'   of the wrong pairs among distractors, {len(family_pairs)} show one picture (the Taj Mahal examples and'
          f' python/data/bench-same-distractors.tsv, checked by eye): counting them and the eye-checked pairs below as copies,'
          f' precision {(len(found) + len(family_pairs) + len(eye_pairs)) / max(1, n_pairs):.3f}')
    if eye_pairs:
        print(f'   of the wrong pairs touching originals/copies, {len(eye_pairs)} are a distractor checked by eye to be the same'
              f' picture (python/data/bench-same-pictures.tsv): counted as copies, precision without distractor pairs'
              f' {(len(found) + len(eye_pairs)) / (len(found) + len(wrong_planted)):.3f}')
    per_edit = collections.defaultdict(lambda: [0, 0])
    per_kind = collections.defaultdict(lambda: [0, 0])
    for key, names in truth.items():
        r = info[names[0]]
        per_edit[r[3]][1] += 1
        per_kind[r[2]][1] += 1
        if key in found:
            per_edit[r[3]][0] += 1
            per_kind[r[2]][0] += 1
    print('   recall per edit: ' + ', '.join(f'{e} {a}/{b}' for e, (a, b) in per_edit.items()))
    print('   recall per kind: ' + ', '.join(f'{k} {a}/{b}' for k, (a, b) in sorted(per_kind.items())))
    wk = collections.Counter(f'{info[a][2]}-{info[b][2]}' for a, b in wrong_planted)
    print('   wrong pairs touching originals/copies, by kinds: ' + dict(wk.most_common()).__repr__())
    return {'run': run, 'pairs': n_pairs, 'right': len(found), 'wrong_planted': len(wrong_planted),
            'wrong_distractors': len(wrong_distractors), 'known_copies_among_distractors': len(known_pairs), 'eye_checked_copies_among_distractors': len(family_pairs),
            'precision_eye_checked': (len(found) + len(family_pairs) + len(eye_pairs)) / max(1, n_pairs), 'precision': prec, 'precision_without_distractor_pairs': prec_planted, 'eye_checked_same_pictures': len(eye_pairs),
            'recall': len(found) / n_true}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('work')
    ap.add_argument('imgsim')
    ap.add_argument('--originals', type=int, default=150)
    ap.add_argument('--images', type=int, default=1871)
    ap.add_argument('--seed', type=int, default=23)
    ap.add_argument('--runs', default='default,strict,learned,cosine')
    ap.add_argument('--again', action='store_true', help='reuse WORK_DIR\'s images and index')
    a = ap.parse_args()
    work = Path(a.work)
    if not a.again:
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        t = time.time()
        labels = build(work, a.originals, a.images, a.seed)
        print(f'{len(labels)} files ({a.originals} originals, {a.originals} copies) in {time.time() - t:.0f} s')
        t = time.time()
        p = subprocess.run([a.imgsim, 'index', str(work / 'images'), '--index', str(work / 'idx')], capture_output=True, text=True)
        print(f'index: exit {p.returncode}, {time.time() - t:.0f} s')
        if p.returncode != 0:
            sys.exit(p.stderr[-3000:])
    labels = [tuple(l.split('\t')) for l in (work / 'labels.tsv').read_text().splitlines()]
    # (name, role, kind, edit, pair key, benchmark index); work dirs of session 18 and before lack the last
    labels = [(l[0], l[1], l[2], l[3], int(l[4]), int(l[5]) if len(l) > 5 else None) for l in labels]
    man = json.loads((BENCH / 'manifest.json').read_text())
    known, same, family = same_picture(man), eye_checked(man), families(man)
    results = []
    for run in a.runs.split(','):
        t = time.time()
        p = subprocess.run([a.imgsim, 'dupes', '--index', str(work / 'idx'), '--json'] + RUNS[run], capture_output=True, text=True)
        if p.returncode not in (0, 1):
            sys.exit(f'dupes {run}: exit {p.returncode}\n{p.stderr[-3000:]}')
        groups = json.loads(p.stdout or '[]')
        print(f'dupes {" ".join(RUNS[run])}: {len(groups)} groups, {time.time() - t:.0f} s')
        results.append(score(work, run, groups, labels, known, same, family))
    json.dump(results, open(work / 'result.json', 'w'), indent=1)


if __name__ == '__main__':
    main()
