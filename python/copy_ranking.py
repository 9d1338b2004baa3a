"""How `ImageIndex.searchCopies` ranks the candidates a copy search verified, measured on
`copy_bench --rows` files: copies first (2 + confidence), then the rest either by embedding cosine
alone (session 17) or by cosine + the confidence of a near miss (session 18: the stronger of the
grids' margin below their threshold and the local features' inliers below their rule; at most 0.1
where the colours differ), as dev.imgsim.CopyCalibration and dev.imgsim.index.Copies compute them;
then with the search's own evidence (session 18, `CopyCalibration.withSearchContext`): a copy whose
verification stands out from the query's 20 most similar other candidates gains confidence, and a
near miss that stands out becomes a copy; and (session 19) a near miss whose local inliers stand out
from every other candidate's becomes one too (`--fit-points` refits that logistic).

    python python/copy_ranking.py .cache/data/bench/copy-rows.tsv [more rows files]
    python python/copy_ranking.py --fit-points .cache/data/bench/copy-rows.tsv [planted-rows.tsv]

Prints recall@1 (the query's original ranked first among its verified candidates) and recall at
precision 0.99 / 0.999 (copy_bench's measure) with each key, recall@1 per edit where the rows are the benchmark's (docs/QUALITY.md, "Near misses").
"""
import collections
import json
import math
import sys
from pathlib import Path

EDITS = json.loads((Path(__file__).resolve().parent.parent / '.cache/data/bench/manifest.json').read_text())['edits']


def sig(x):
    return 1 / (1 + math.exp(-x))


def threshold(r):
    alignment, area, aspect = int(r[11]), r[12], r[13]
    if alignment == 0 or alignment == 1 and aspect > 0.2:
        return math.inf
    return 0.95 if alignment == 1 else 0.93 + 0.03 * math.log(1 / max(area, 0.01))


def key(r, near_misses):
    cos, score, inliers, support, hue = r[5], r[8], r[14], r[15], r[22]
    t = threshold(r)
    local = cos >= 0.6 and (inliers >= 120 and support >= 0.5 or inliers >= 80 and support >= 0.7)
    local_conf = sig(2.2 + 0.05 * (inliers - 120))
    copy = None
    if score >= t:
        grid = sig(1.46 + 28 * (score - t))
        copy = 1 - (1 - grid) * (1 - local_conf) if local else grid
    elif local:
        copy = local_conf
    if not near_misses:
        return 2 + copy if copy is not None else cos  # session 17: no colour veto in the key either
    if copy is not None:
        return 2 + copy if hue < 0.3 else cos + min(copy, 0.1)
    near = sig(1.46 + 40 * (score - t)) if math.isfinite(t) else 0.0
    if cos >= 0.6 and inliers > 0:
        near = max(near, local_conf)
    return cos + (min(near, 0.1) if hue >= 0.3 else near)


def points_stand_out(n, m):
    """CopyCalibration.pointsStandOut: how likely a near miss with n local inliers is a copy when
    the most of any other candidate among the search's first 20 is m (logistic regression on the
    benchmark's rows, `--fit-points`)."""
    return sig(POINTS[0] + POINTS[1] * math.log1p(n) + POINTS[2] * math.log((1 + n) / (1 + m)))


POINTS = (-3.5, 0.75, 4.75)


def in_context(keys, scores, near_misses, promoted, context=20, inliers=None, eligible=None):
    """CopyCalibration.withSearchContext: copies (key >= 2) standing out from the first `context`
    candidates gain confidence, near misses (confidence `near_misses[i]`) that stand out become
    copies (their indexes appended to `promoted`): by the verification's margin, or (with
    `inliers`, 0 where the local features were not matched) by their local inliers, where
    `eligible[i]` (cosine >= 0.6, colours not vetoed)."""
    n = min(context, len(keys))
    if n <= 5:
        return keys
    order = sorted(range(n), key=lambda i: -scores[i])
    best, second, at = scores[order[0]], scores[order[1]], order[0]
    if inliers is not None:
        by_points = sorted(range(n), key=lambda i: -inliers[i])
        most, second_most, most_at = inliers[by_points[0]], inliers[by_points[1]], by_points[0]
    out = []
    for i, k in enumerate(keys):
        q = sig(-1 + 40 * (scores[i] - (second if i == at else best)))
        if k >= 2:
            k = 3 - (3 - k) * (1 - q)
        else:
            p = 1 - (1 - near_misses[i]) * (1 - q)
            points = 0.0
            if inliers is not None and eligible[i] and inliers[i] >= 10:
                points = points_stand_out(inliers[i], second_most if i == most_at else most)
            if near_misses[i] >= 0.3 and p >= 0.9 or points >= 0.9:
                # a near miss that stands out: a copy of this search, trusted at most 0.98
                k = 2 + min(1 - (1 - p) * (1 - points), 0.98)
                promoted.append(i)
        out.append(k)
    return out


def recall_at(cands, queries, precision):
    """copy_bench's recall at precision: one global threshold over every query's 10 best keys."""
    cands = sorted(cands, key=lambda c: -c[0])
    tp, last = 0, None
    for i, (k, t, _) in enumerate(cands):
        tp += t
        if (i + 1 == len(cands) or cands[i + 1][0] < k) and tp / (i + 1) >= precision:
            last = i
    return 0.0 if last is None else len({q for _, t, q in cands[:last + 1] if t}) / queries


def load(path):
    """The rows of one copy_bench --rows file by query (a pair's verdict with the part search where it ran)."""
    pairs = {}
    for line in open(path):
        f = line.rstrip('\n').split('\t')
        r = [x if i == 4 else float(x) for i, x in enumerate(f)]
        k = (int(r[0]), int(r[1]))
        if k not in pairs or int(r[6]) == 1:
            pairs[k] = r
    queries = collections.defaultdict(list)
    for (q, _), r in pairs.items():
        queries[q].append(r)
    return queries


def fit_points(paths):
    """`--fit-points ROWS [MORE]`: the logistic regression behind POINTS, fitted on the first file's
    near misses (no rule calls them copies; cosine >= 0.6, colours not vetoed, 8 or more inliers)
    among their query's 20 most similar candidates: P(copy) from ln(1 + n) and ln((1 + n) / (1 + m)),
    m the most inliers of any other of the 20; then the share of copies per band of the fitted
    probability on every file given."""
    import numpy as np

    def data(path):
        xs, ys = [], []
        for rows in load(path).values():
            rows = sorted(rows, key=lambda r: -r[5])[:20]
            if len(rows) <= 5:
                continue
            inl = [r[14] if r[5] >= 0.6 else 0 for r in rows]
            for i, r in enumerate(rows):
                if key(r, True) >= 2 or r[5] < 0.6 or r[22] >= 0.3 or inl[i] < 8:
                    continue
                m = max(inl[j] for j in range(len(rows)) if j != i)
                xs.append([1, math.log1p(inl[i]), math.log((1 + inl[i]) / (1 + m))])
                ys.append(float(r[2] == 1))
        return np.array(xs), np.array(ys)

    x, y = data(paths[0])
    w = np.zeros(3)
    for _ in range(50):  # Newton's method
        p = 1 / (1 + np.exp(-x @ w))
        w += np.linalg.solve((x * (p * (1 - p))[:, None]).T @ x + 1e-6 * np.eye(3), x.T @ (y - p))
    print(f'{paths[0]}: {len(y)} near misses; P(copy) = 1/(1+exp(-({w[0]:.3f} + {w[1]:.3f} ln(1+n) + {w[2]:.3f} ln((1+n)/(1+m)))))')
    for path in paths:
        x, y = data(path)
        p = 1 / (1 + np.exp(-x @ w))
        bands = ((0, 0.5), (0.5, 0.9), (0.9, 0.99), (0.99, 1.01))
        print(f'  {path}: share of copies (pairs) by fitted probability: ' + ', '.join(
            f'{lo}-{min(hi, 1)} {y[(p >= lo) & (p < hi)].mean():.3f} ({((p >= lo) & (p < hi)).sum()})' for lo, hi in bands))


def main():
    if sys.argv[1:2] == ['--fit-points']:
        fit_points(sys.argv[2:])
        return
    for path in sys.argv[1:]:
        queries = load(path)
        print(f'{path}: {len(queries)} queries')
        missing = collections.Counter(rows[0][4] for rows in queries.values() if not any(r[2] == 1 for r in rows))
        print(f'  original not among the candidates: {sum(missing.values())} queries ('
              + ', '.join(f'{k} {n}' for k, n in missing.most_common()) + ')')
        # calibration: of the verified pairs no rule calls a copy, the share of copies per tenth of near-miss confidence
        bins = collections.defaultdict(lambda: [0, 0])
        for r in (r for rows in queries.values() for r in rows):
            k = key(r, True)
            if k < 2 and r[22] < 0.3:
                b = bins[min(int((k - r[5]) * 10), 9)]
                b[0] += 1
                b[1] += r[2] == 1
        print('  near misses, share of copies per confidence: '
              + ', '.join(f'{i / 10:.1f}-{(i + 1) / 10:.1f} {bins[i][1] / bins[i][0]:.2f} ({bins[i][0]})' for i in sorted(bins)))
        # the queries whose original and the candidate ranked above it were both left uncalled (session 17's key)
        uncalled = more = 0
        for rows in queries.values():
            best = max(rows, key=lambda r: key(r, False))
            true = [r for r in rows if r[2] == 1]
            if best[2] == 1 or not true or key(best, False) >= 2:
                continue
            t = max(true, key=lambda r: key(r, False))
            if key(t, False) < 2:
                uncalled += 1
                more += t[14] > best[14]
        print(f'  original and the look-alike above it both not called copies: {uncalled} queries; '
              f'the original with more inliers in {more}')
        # of each query's 10 best candidates (near misses ranked), which rule calls them copies
        strata = collections.Counter()
        for rows in queries.values():
            for r in sorted(rows, key=lambda r: -key(r, True))[:10]:
                k = key(r, True)
                if k < 2:
                    continue
                t = threshold(r)
                local = r[5] >= 0.6 and (r[14] >= 120 and r[15] >= 0.5 or r[14] >= 80 and r[15] >= 0.7)
                rule = 'both' if r[8] >= t and local else 'grids' if r[8] >= t else 'local'
                strata[(rule, r[2] == 1)] += 1
        print('  10 best per query, called copies (right / wrong): '
              + ', '.join(f'{w} {strata[(w, True)]} / {strata[(w, False)]}' for w in ('both', 'grids', 'local')))
        for near, context in ((False, False), (True, False), (True, True), (True, 'points')):
            hits, per, n, cands, made = 0, collections.Counter(), collections.Counter(), [], collections.Counter()
            for q, rows in queries.items():
                rows = sorted(rows, key=lambda r: -r[5])  # most similar first, as the search verifies them
                keys = [key(r, near) for r in rows]
                if context:
                    promoted = []
                    points = context == 'points'
                    keys = in_context(keys, [r[8] for r in rows], [k - r[5] if k < 2 else 0 for k, r in zip(keys, rows)], promoted,
                                      inliers=[r[14] if r[5] >= 0.6 else 0 for r in rows] if points else None,
                                      eligible=[r[5] >= 0.6 and r[22] < 0.3 for r in rows] if points else None)
                    for i in promoted:
                        made[rows[i][2] == 1] += 1
                ranked = sorted(zip(keys, rows), key=lambda kr: -kr[0])
                best = ranked[0][1]
                cands += [(k, r[2] == 1, q) for k, r in ranked[:10]]
                hits += best[2] == 1
                e = int(rows[0][3])
                per[e] += best[2] == 1
                n[e] += 1
            name = ('near misses whose local points stand out made copies too (session 19)' if context == 'points'
                    else 'copies standing out raised, rest by cosine + near-miss confidence' if context
                    else 'rest by cosine + near-miss confidence' if near else 'rest by cosine (session 17)')
            print(f'  {name}: recall@1 {hits / len(queries):.3f}, at precision 0.99 '
                  f'{recall_at(cands, len(queries), 0.99):.3f}, 0.999 {recall_at(cands, len(queries), 0.999):.3f}')
            if context:
                print(f'    near misses made copies: {made[True]} right, {made[False]} wrong')
            if len(n) == len(EDITS) and all(q < 1_000_000 for q in queries):
                worst = sorted(n, key=lambda e: per[e] / n[e])[:8]
                print('    ' + ', '.join(f'{EDITS[e]} {per[e] / n[e]:.3f}' for e in worst))


if __name__ == '__main__':
    main()
