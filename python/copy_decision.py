"""Fits the learned copy decision of dev.imgsim.CopyCalibration (gradient-boosted trees over the
verification's evidence) from the verdicts examples/copy_bench.rs computes as the library does,
reports it against the earlier hand-set rules on originals the trees never saw, and writes the
trees for the Java library.

  IMGSIM_ORT=/abs/libonnxruntime.so cargo run --release --example copy_bench -- \\
      --copies .cache/data/bench/copies-of-originals.txt --rows .cache/data/bench/copy-rows.tsv
  pip install scikit-learn==1.9.1   # python/requirements.txt
  python python/copy_decision.py .cache/data/bench/copy-rows.tsv [--extra planted-rows.tsv] \\
      [--write java/imgsim/src/main/resources/dev/imgsim/copy-decision.txt] [--golden FILE]

--extra: rows of copy_bench --planted (python/planted_copies.py: JPEG/PNG copies of distractors,
downscaled, mirrored, cropped), fitted together with the benchmark's and reported apart.

Rows (copy_bench --rows): query, database image, true, edit, kind, cosine, parts searched, rank,
then the 14 VERDICT_* floats of dev.imgsim.internal.Native.verify. A pair has one row for the
whole-picture verdict and, when the library would search parts (the nearest candidates at cosine
>= 0.6), a second row with the part search: the library decides on the first and, if that is not a
copy, on the second (Match.verify), so the pair's probability is the larger of the two.

Evaluation: the originals are split into 5 folds (all 28 edits of an original in one fold); for
each fold the trees are fitted on the other four, and the copy threshold is chosen there too (the
lowest probability at which >= 95 % (learned()) or 99 % of the inner out-of-fold pairs
above it are copies), so no
figure below used the pairs it is reported on. "Recall" is the share of queries whose original is
among the pairs called copies (as python/copy_calibration.py counts it).
"""
import argparse
import sys

import numpy as np

# the verdict's floats made independent of which picture is first (canonical())
FEATURES = ['similarity', 'score', 'whole', 'turn', 'alignment', 'area', 'aspect_mismatch', 'inliers', 'support',
            'local_turn', 'cover_min', 'cover_max', 'log_scale', 'block_worst', 'block_mean', 'parts']
# more evidence never makes a copy less likely
MONOTONIC = [1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, -1, -1, 0]
LOCAL_FLOOR = 0.6
PARAMS = dict(max_iter=150, learning_rate=0.08, max_leaf_nodes=15, min_samples_leaf=40, l2_regularization=1.0)
EDITS_PER_ORIGINAL = 28
PLANTED = 1_000_000
# the pair precision on the benchmark at which CopyCalibration.learned() calls copies, and a stricter one
COPY_PRECISION = 0.95
STRICT_PRECISION = 0.99


def load(path):
    rows = [line.rstrip('\n').split('\t') for line in open(path)]
    r = np.array(rows, dtype=object)
    f = lambda i: r[:, i].astype(float)  # noqa: E731
    d = dict(q=f(0).astype(int), j=f(1).astype(int), true=f(2) == 1, edit=f(3).astype(int), kind=r[:, 4].astype(str),
             cos=f(5), parts=f(6), rank=f(7).astype(int))
    verdict = np.column_stack([f(i) for i in range(8, 22)])
    # the colour evidence (VERDICT_HUE_MISMATCH, since fingerprint version 3): not a tree feature,
    # a veto applied after either decision (CopyCalibration.HUE_MISMATCH_VETO); -1 = not measured
    d['hue'] = f(22) if r.shape[1] > 22 else np.full(len(r), -1.0)
    d['X'] = canonical(np.column_stack([d['cos'], verdict, d['parts']]).astype(np.float64))
    d['pair'] = d['q'].astype(np.int64) * 100000 + d['j']
    # a benchmark query's original, or a planted copy's source (copy_bench --planted numbers its
    # queries 1,000,000 + 16 x source + copy): all copies of one picture in one fold
    d['group'] = np.where(d['q'] >= PLANTED, PLANTED + (d['q'] - PLANTED) // 16, d['q'] // EDITS_PER_ORIGINAL)
    return d


def concat(a, b):
    return {k: np.concatenate([a[k], b[k]]) for k in a}


def subset(d, mask):
    return {k: v[mask] for k, v in d.items()}


def canonical(X):
    """What dev.imgsim.CopyTrees.features does: the same features whichever picture is first (the
    library decides a pair the same both ways; in dupes the lower document comes first, original or
    copy). A turn by 270 degrees one way is 90 the other (mirrors are their own inverse); a inside b
    and b inside a are both a part; the two coverages as (smaller, larger); the scale as |ln|.
    (Tried instead: the features as they come, each pair scored in both orders and the larger
    probability kept: recall 0.719 against 0.748 at the defaults' precision, every part edit lower.)"""
    X = X.copy()
    for c in (3, 9):
        X[:, c] = np.where(X[:, c] == 3, 1, X[:, c])
    X[:, 4] = np.minimum(X[:, 4], 2)
    lo, hi = np.minimum(X[:, 10], X[:, 11]), np.maximum(X[:, 10], X[:, 11])
    X[:, 10], X[:, 11] = lo, hi
    X[:, 12] = np.where(X[:, 12] > 0, np.abs(np.log(np.maximum(X[:, 12], 1e-6))), 0)
    return X


def model():
    from sklearn.ensemble import HistGradientBoostingClassifier
    return HistGradientBoostingClassifier(monotonic_cst=MONOTONIC, random_state=0, **PARAMS)


def pair_prob(d, prob):
    """The pair's probability: the larger of its whole-picture and part-search rows."""
    pairs, inv = np.unique(d['pair'], return_inverse=True)
    p = np.full(len(pairs), -1.0)
    np.maximum.at(p, inv, prob)
    first = np.zeros(len(pairs), int)
    first[inv[::-1]] = np.arange(len(inv))[::-1]
    return p, first


def threshold_at(p, true, precision):
    o = np.argsort(-p, kind='stable')
    prec = np.cumsum(true[o]) / np.arange(1, len(o) + 1)
    ok = np.where(prec >= precision)[0]
    return p[o[ok.max()]] if len(ok) else 1.0


def oof(d, idx, folds):
    from sklearn.model_selection import GroupKFold
    prob = np.zeros(len(idx))
    for tr, te in GroupKFold(folds).split(idx, groups=d['group'][idx]):
        prob[te] = model().fit(d['X'][idx[tr]], d['true'][idx[tr]]).predict_proba(d['X'][idx[te]])[:, 1]
    return prob


def nested(d, precisions):
    """Out-of-fold pair probabilities and, per precision target, each pair's threshold chosen without its fold."""
    from sklearn.model_selection import GroupKFold
    n = len(d['q'])
    prob = np.zeros(n)
    thr = {p: np.zeros(n) for p in precisions}
    for k, (tr, te) in enumerate(GroupKFold(5).split(np.arange(n), groups=d['group'])):
        inner = oof(d, tr, 3)
        sub = {key: (v[tr] if isinstance(v, np.ndarray) and len(v) == n else v) for key, v in d.items()}
        pp, first = pair_prob(sub, inner)
        for p in precisions:
            thr[p][te] = threshold_at(pp, sub['true'][first], p)
        prob[te] = model().fit(d['X'][tr], d['true'][tr]).predict_proba(d['X'][te])[:, 1]
        print(f'fold {k}: thresholds ' + ', '.join(f'{p}: {thr[p][te][0]:.4f}' for p in precisions), file=sys.stderr)
    return prob, thr


def nothing(d):
    """CopyCalibration's guard: no alignment and fewer than 8 local matches is never a copy."""
    return (d['X'][:, 4] == 0) & (d['X'][:, 7] < 8)


def old_rule(d):
    """CopyCalibration before the trees: grids at 0.95 whole / 0.93 + 0.03 ln(1/area) parts, or local features."""
    X = d['X']
    cos, score, align, area, aspect, inl, sup = X[:, 0], X[:, 1], X[:, 4], X[:, 5], X[:, 6], X[:, 7], X[:, 8]
    t = np.where(align == 0, np.inf, np.where(align == 1, np.where(aspect > 0.2, np.inf, 0.95),
                                              0.93 + 0.03 * np.log(1 / np.maximum(area, 0.01))))
    local = (cos >= LOCAL_FLOOR) & (((inl >= 120) & (sup >= 0.5)) | ((inl >= 80) & (sup >= 0.7)))
    return ((score >= t) | local).astype(float)


def report(d, name, copy_row, key_row):
    """Pair precision and recall of the decision; recall@1 and recall at precision 0.99 / 0.999 of the ranking key."""
    pairs, inv = np.unique(d['pair'], return_inverse=True)
    copy = np.zeros(len(pairs), bool)
    np.logical_or.at(copy, inv, copy_row.astype(bool))
    key = np.full(len(pairs), -np.inf)
    np.maximum.at(key, inv, key_row)
    first = np.zeros(len(pairs), int)
    first[inv[::-1]] = np.arange(len(inv))[::-1]
    q, true, cos = d['q'][first], d['true'][first], d['cos'][first]
    queries = np.unique(d['q'])
    tp = (copy & true).sum()
    out = dict(precision=tp / max(1, copy.sum()), recall=len(np.unique(q[copy & true])) / len(queries),
               wrong=int(copy.sum() - tp))
    # rank within a query by key, then cosine
    o = np.lexsort((-cos, -key, q))
    qs, starts = np.unique(q[o], return_index=True)
    top1 = true[o][starts]
    out['r1'] = top1.mean()
    # each query's 10 best, one global threshold
    rank = np.arange(len(o)) - np.repeat(starts, np.diff(np.append(starts, len(o))))
    best = o[rank < 10]
    for p in (0.99, 0.999):
        t = threshold_at(key[best] + 1e-6 * cos[best], true[best], p)
        sel = best[key[best] + 1e-6 * cos[best] >= t]
        out[f'r{p}'] = len(np.unique(q[sel][true[sel]])) / len(queries)
    out['per_edit'] = {e: (len(np.unique(q[copy & true & (d['edit'][first] == e)])) / max(1, len(np.unique(q[d['edit'][first] == e]))),
                           top1[d['edit'][first][o][starts] == e].mean()) for e in np.unique(d['edit'])}
    out['per_kind'] = {k: (len(np.unique(q[copy & true & (d['kind'][first] == k)])) / max(1, len(np.unique(q[d['kind'][first] == k]))),
                           ((copy & ~true & (d['kind'][first] == k)).sum()))
                       for k in np.unique(d['kind'])}
    print(f"| {name} | {out['precision']:.3f} | {out['recall']:.3f} | {out['wrong']} | {out['r1']:.3f} | "
          f"{out['r0.99']:.3f} | {out['r0.999']:.3f} |")
    return out


def export(m, path, thresholds):
    trees = [p[0].nodes for p in m._predictors]
    with open(path, 'w') as w:
        w.write('# imgsim learned copy decision: gradient-boosted trees over the verification evidence\n')
        w.write('# fitted by python/copy_decision.py on examples/copy_bench.rs --rows (docs/QUALITY.md, "The learned decision")\n')
        w.write('# node lines: feature threshold left right value (feature -1: a leaf, value its log-odds term);\n')
        w.write('# x[feature] <= threshold goes left\n')
        w.write('features ' + ' '.join(FEATURES) + '\n')
        w.write(f'baseline {float(np.ravel(m._baseline_prediction)[0]):.9g}\n')
        for name, t in thresholds.items():
            w.write(f'threshold {name} {t:.6f}\n')
        w.write(f'trees {len(trees)}\n')
        for nodes in trees:
            w.write(f'tree {len(nodes)}\n')
            for nd in nodes:
                if nd['is_leaf']:
                    w.write(f"-1 0 0 0 {nd['value']:.9g}\n")
                else:
                    w.write(f"{nd['feature_idx']} {nd['num_threshold']:.9g} {nd['left']} {nd['right']} 0\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('rows')
    ap.add_argument('--write', help='the trees for the Java library')
    ap.add_argument('--golden', help='rows with the fitted probability, for the Java test')
    ap.add_argument('--quick', action='store_true', help='no nested evaluation')
    ap.add_argument('--without', default='', help='features (names, comma-separated) the trees may not use')
    ap.add_argument('--hue-veto', type=float, default=0.3,
                    help='CopyCalibration.HUE_MISMATCH_VETO: a pair called a copy whose hue mismatch is at or above it is not one')
    ap.add_argument('--extra', action='append', default=[],
                    help='more rows (copy_bench --planted): fitted and evaluated with the others, reported apart')
    a = ap.parse_args()
    d = load(a.rows)
    for extra in a.extra:
        d = concat(d, load(extra))
    for name in filter(None, a.without.split(',')):
        d['X'][:, FEATURES.index(name)] = 0  # a constant: no tree splits on it, whatever the library passes
    print(f"{len(np.unique(d['q']))} queries, {len(np.unique(d['pair']))} verified pairs, {len(d['q'])} verdicts\n")
    print('| decision | pair precision | recall | wrong pairs | recall@1 | recall at precision 0.99 | at 0.999 |')
    print('|---|---|---|---|---|---|---|')
    report(d, 'embedding cosine (no decision)', np.zeros(len(d['q'])), d['cos'])
    old = old_rule(d)
    report(d, 'hand-set rules, no colour', old, old * 2 + d['cos'])
    if (d['hue'] >= 0).any():
        print('\nThe colour veto on the rules\' copies, by threshold (rows called copies whose hue mismatch is at or above it):\n')
        print('| veto at | rows vetoed | copies among them | pair precision | recall | wrong pairs |\n|---|---|---|---|---|---|')
        import io
        import contextlib
        for v in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
            vetoed = (old > 0) & (d['hue'] >= v)
            with contextlib.redirect_stdout(io.StringIO()):
                o = report(d, '', old * ~vetoed, old * ~vetoed * 2 + d['cos'])
            print(f"| {v} | {vetoed.sum()} | {d['true'][vetoed].sum()} | {o['precision']:.3f} | {o['recall']:.3f} | {o['wrong']} |")
        print()
        print('| decision | pair precision | recall | wrong pairs | recall@1 | recall at precision 0.99 | at 0.999 |')
        print('|---|---|---|---|---|---|---|')
        old = old * (d['hue'] < a.hue_veto)
        report(d, f'hand-set rules with the colour veto at {a.hue_veto}', old, old * 2 + d['cos'])
    if not a.quick:
        prob, thr = nested(d, (COPY_PRECISION, STRICT_PRECISION))
        prob = np.where(nothing(d), 0, prob)
        # the veto: capped below any threshold (CopyCalibration's HUE_VETO_CONFIDENCE)
        prob = np.where(d['hue'] >= a.hue_veto, np.minimum(prob, 0.1), prob)
        # ranked as ImageIndex.searchCopies ranks: copies first by confidence, the rest by cosine
        r = report(d, f'learned, threshold for precision {COPY_PRECISION} (learned())', prob >= thr[COPY_PRECISION],
                   np.where(prob >= thr[COPY_PRECISION], 2 + prob, d['cos']))
        rs = report(d, f'learned, threshold for precision {STRICT_PRECISION}', prob >= thr[STRICT_PRECISION],
                    np.where(prob >= thr[STRICT_PRECISION], 2 + prob, d['cos']))
        if a.extra:
            for part, mask in (('benchmark queries', d['q'] < PLANTED), ('planted copies (--extra)', d['q'] >= PLANTED)):
                sd, sp, so = subset(d, mask), prob[mask], old[mask]
                print(f'\n{part}: {len(np.unique(sd["q"]))} queries\n')
                print('| decision | pair precision | recall | wrong pairs | recall@1 | recall at precision 0.99 | at 0.999 |')
                print('|---|---|---|---|---|---|---|')
                report(sd, 'embedding cosine (no decision)', np.zeros(len(sd['q'])), sd['cos'])
                report(sd, 'hand-set rules (CopyCalibration before)', so, so * 2 + sd['cos'])
                for p in (COPY_PRECISION, STRICT_PRECISION):
                    t = thr[p][mask]
                    report(sd, f'learned, threshold for precision {p}', sp >= t, np.where(sp >= t, 2 + sp, sd['cos']))
        edits = None
        try:
            import json
            from pathlib import Path
            edits = json.load(open(Path(a.rows).parent / 'manifest.json'))['edits']
            for extra in a.extra:
                for line in open(Path(extra).parent / 'planted.tsv'):
                    f = line.rstrip('\n').split('\t')
                    edits += [None] * (int(f[2]) + 1 - len(edits))
                    edits[int(f[2])] = f[3]
        except OSError:
            pass
        print(f'\n| edit | recall, hand-set | learned, p 0.95 | learned, p 0.99 | recall@1 learned |\n|---|---|---|---|---|')
        import io
        import contextlib
        with contextlib.redirect_stdout(io.StringIO()):
            o = report(d, '', old, old * 2 + d['cos'])
        for e in r['per_edit']:
            print(f"| {edits[e] if edits else e} | {o['per_edit'][e][0]:.3f} | {r['per_edit'][e][0]:.3f} | "
                  f"{rs['per_edit'][e][0]:.3f} | {r['per_edit'][e][1]:.3f} |")
        print('\n| kind | recall, hand-set (wrong pairs) | learned, p 0.95 (wrong pairs) |\n|---|---|---|')
        for k in r['per_kind']:
            print(f"| {k} | {o['per_kind'][k][0]:.3f} ({o['per_kind'][k][1]}) | {r['per_kind'][k][0]:.3f} ({r['per_kind'][k][1]}) |")
        # calibration: the share of copies among the out-of-fold pairs per probability band
        pp, first = pair_prob(d, prob)
        print('\n| probability | pairs | copies among them |\n|---|---|---|')
        for lo, hi in [(0, .1), (.1, .3), (.3, .5), (.5, .7), (.7, .9), (.9, .97), (.97, .99), (.99, 1.01)]:
            m = (pp >= lo) & (pp < hi)
            print(f'| {lo:.2f}-{min(hi, 1):.2f} | {m.sum()} | {d["true"][first][m].mean() if m.any() else float("nan"):.3f} |')
    if a.write or a.golden:
        prob = np.where(nothing(d), 0, oof(d, np.arange(len(d['q'])), 5))
        prob = np.where(d['hue'] >= a.hue_veto, np.minimum(prob, 0.1), prob)
        pp, first = pair_prob(d, prob)
        thresholds = {'copy': threshold_at(pp, d['true'][first], COPY_PRECISION), 'strict': threshold_at(pp, d['true'][first], STRICT_PRECISION)}
        print(f"\nthresholds on the out-of-fold pairs: {thresholds}")
        m = model().fit(d['X'], d['true'])
        if a.write:
            export(m, a.write, thresholds)
            print(f'wrote {a.write}: {len(m._predictors)} trees')
        if a.golden:
            rng = np.random.default_rng(0)
            pick = np.concatenate([rng.choice(np.where(d['true'])[0], 20, replace=False),
                                   rng.choice(np.where(~d['true'])[0], 20, replace=False)])
            with open(a.golden, 'w') as w:
                w.write('# features (' + ' '.join(FEATURES) + ') then the probability scikit-learn gives\n')
                for i in pick:
                    x = d['X'][i]
                    w.write(' '.join(f'{v:.9g}' for v in x) + f' {m.predict_proba(x[None])[0, 1]:.9g}\n')
            print(f'wrote {a.golden}')


if __name__ == '__main__':
    main()
