"""Fits the default copy decision (dev.imgsim.CopyCalibration) from the pairs that
examples/copy_bench.rs verified, and prints the precision and recall of each candidate rule.

  python python/copy_calibration.py --write-copies .cache/data/bench/copies-of-originals.txt [--eye-checked]
  IMGSIM_ORT=/abs/libonnxruntime.so cargo run --release --example copy_bench -- \
      --copies .cache/data/bench/copies-of-originals.txt --dump .cache/data/bench/copy-pairs.tsv --stride 4
  python python/copy_calibration.py .cache/data/bench/copy-pairs.tsv

A rule: whole pictures are copies at verification >= W (aspect ratios within 20 %); a part
covering `area` of the other picture at >= P + S * ln(1 / area). For each precision target the
rule with the highest recall (share of queries whose original is among the pairs called copies)
is printed; then the precision of the chosen rule's pairs by margin over the threshold (the
confidence curve: log-odds OFFSET + SLOPE * margin) and the embedding cosines of the true part
pairs (below the lowest, parts are not searched).
"""
import sys

import numpy as np

# (W, P, S) of CopyCalibration.defaults(): near the best rule at pair precision 0.93, with a gentler
# penalty on small parts (an exact crop of a third of a photo verifies at 0.97)
CHOSEN = (0.95, 0.93, 0.03)


def load(path):
    rows = [r for r in (line.rstrip('\n').split('\t') for line in open(path)) if len(r) >= 11 and r[10]]
    col = lambda i, f: np.array([f(r[i]) for r in rows])  # noqa: E731
    p = dict(q=col(0, int), true=col(2, int) == 1, edit=col(3, int), cos=col(4, float), score=col(5, float),
             whole=col(8, str) == 'Whole', area=col(9, float), aspect=col(10, float))
    if rows and len(rows[0]) >= 13:  # copy_bench since the local features: inliers, support
        p.update(inliers=col(11, float), support=col(12, float))
    return p


# the local-feature rules of CopyCalibration: (inliers, support) pairs, at embedding cosine >= LOCAL_FLOOR
LOCAL_RULES = [(120, 0.5), (80, 0.7)]
LOCAL_FLOOR = 0.6


def local_copy(p):
    ok = np.zeros(len(p['q']), bool)
    for n, s in LOCAL_RULES:
        ok |= (p['inliers'] >= n) & (p['support'] >= s)
    return ok & (p['cos'] >= LOCAL_FLOOR)


def local_report(p, grids):
    """Pair precision and recall of the grids' rule alone and with the local features, per edit."""
    queries = len(np.unique(p['q']))

    def ev(sel):
        tp = (sel & p['true']).sum()
        return tp / max(1, sel.sum()), len(np.unique(p['q'][sel & p['true']])) / queries, sel.sum() - tp
    both = grids | local_copy(p)
    print('\n| decision | pair precision | recall | false pairs |\n|---|---|---|---|')
    for name, sel in [('grids alone', grids), ('grids + local features (CopyCalibration.defaults())', both),
                      ('local features alone', local_copy(p))]:
        pr, rc, fp = ev(sel)
        print(f'| {name} | {pr:.3f} | {rc:.3f} | {fp} |')
    print('\n| edit index | recall, grids | + local |\n|---|---|---|')
    for e in np.unique(p['edit']):
        m = p['edit'] == e
        n = len(np.unique(p['q'][m]))
        print(f"| {e} | {len(np.unique(p['q'][m & grids & p['true']])) / n:.3f} | "
              f"{len(np.unique(p['q'][m & both & p['true']])) / n:.3f} |")


def decide(p, w, part, slope):
    thr = np.where(p['whole'], np.where(p['aspect'] <= 0.2, w, np.inf),
                   part + slope * np.log(1 / np.maximum(p['area'], 0.01)))
    return p['score'] - thr


def write_copies_of_originals(out, eye_checked=False):
    """The distractors that invariance_bench.copies_of_originals leaves out (an original turned or
    mirrored), each with its original: copy_bench's --copies file ("distractor original" lines).
    `eye_checked`: also the distractors python/data/bench-same-pictures.tsv lists (the same picture
    as an original, found by looking at the pairs the decision calls copies against the labels)."""
    import hashlib
    import json
    from pathlib import Path

    from PIL import Image

    import invariance_bench as ib
    from imgsim_model import benchset
    man = benchset.prepare()
    tag = hashlib.sha256(json.dumps([man['originals'], man['queries'], man['distractors']]).encode()).hexdigest()[:10]
    side = 48

    def thumb(name):
        return np.asarray(Image.open(benchset.OUT / name).convert('RGB').resize((side, side), Image.BILINEAR), np.float32)

    def grey(rgb):
        g = rgb.mean(2).ravel() - rgb.mean()
        return g / max(np.linalg.norm(g), 1e-6)

    lines = []
    for j in np.where(ib.copies_of_originals(man, tag))[0]:
        d = thumb(man['distractors'][j]['file'])
        for oi, o in enumerate(man['originals']):
            ot = thumb(o['file'])
            views = [np.fliplr(np.rot90(ot, k)) if m else np.rot90(ot, k) for k in range(4) for m in (0, 1)]
            if any(grey(v) @ grey(d) >= 0.98 and np.abs(v - d).mean() <= 3.0 for v in views):
                lines.append(f'{j} {oi}')
                break
    print(f'{len(lines)} distractors that are an original turned or mirrored')
    if eye_checked:
        # python/data/bench-same-pictures.tsv: (original source, distractor source, why), by the
        # ends of their package paths; each must name exactly one original and one distractor
        listed = Path(__file__).resolve().parent / 'data' / 'bench-same-pictures.tsv'
        rows = [r.split('\t') for r in listed.read_text().splitlines() if r and not r.startswith('#')]
        for o_src, d_src, why in rows:
            os_ = [i for i, o in enumerate(man['originals']) if o['source'].endswith('/' + o_src)]
            ds = [j for j, d in enumerate(man['distractors']) if d['source'].endswith('/' + d_src)]
            if len(os_) != 1 or len(ds) != 1:
                raise SystemExit(f'{listed}: {o_src} / {d_src} names {len(os_)} originals and {len(ds)} distractors')
            lines.append(f'{ds[0]} {os_[0]}')
        print(f'{len(rows)} more, checked by eye ({listed.name})')
    Path(out).write_text('\n'.join(lines) + '\n')
    print(f'{len(lines)} distractors counted as copies of an original -> {out}')


def main():
    if len(sys.argv) > 2 and sys.argv[1] == '--write-copies':
        sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parent))
        return write_copies_of_originals(sys.argv[2], '--eye-checked' in sys.argv[3:])
    p = load(sys.argv[1] if len(sys.argv) > 1 else '.cache/data/bench/copy-pairs.tsv')
    queries = len(np.unique(p['q']))
    print(f"{len(p['q'])} verified pairs, {queries} queries, {p['true'].sum()} true pairs")
    rules = []
    for w in [0.75, 0.8, 0.85, 0.9, 0.95, 0.97]:
        for part in [0.8, 0.85, 0.9, 0.93, 0.95, 0.97]:
            for slope in [0, 0.03, 0.06]:
                d = decide(p, w, part, slope) >= 0
                tp, fp = (d & p['true']).sum(), (d & ~p['true']).sum()
                recall = len(np.unique(p['q'][d & p['true']])) / queries
                rules.append((tp / max(1, tp + fp), recall, fp, w, part, slope))
    print('| pair precision >= | best rule (W, P, S) | precision | recall | false pairs |')
    print('|---|---|---|---|---|')
    for target in [0.8, 0.85, 0.9, 0.93, 0.95, 0.99]:
        ok = [r for r in rules if r[0] >= target]
        if ok:
            b = max(ok, key=lambda r: r[1])
            print(f'| {target} | {b[3]}, {b[4]}, {b[5]} | {b[0]:.3f} | {b[1]:.3f} | {b[2]} |')
        else:
            print(f'| {target} | none | - | - | - |')
    m = decide(p, *CHOSEN)
    print(f"\nchosen rule {CHOSEN} (dev.imgsim.CopyCalibration): share of true pairs by margin over the threshold")
    for lo, hi in [(-0.1, -0.05), (-0.05, -0.02), (-0.02, 0), (0, 0.01), (0.01, 0.02), (0.02, 0.04), (0.04, 1)]:
        s = (m >= lo) & (m < hi)
        print(f'  [{lo:+.2f}, {hi:+.2f}): {s.sum():5d} pairs, {p["true"][s].mean() if s.sum() else float("nan"):.3f} true')
    tp_part = ~p['whole'] & p['true'] & (m >= 0)
    print('embedding cosine of verified true part pairs, percentiles 1/5/10:', np.percentile(p['cos'][tp_part], [1, 5, 10]))
    if 'inliers' in p:
        local_report(p, m >= 0)


if __name__ == '__main__':
    main()
