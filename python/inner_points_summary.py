"""Summary of `examples/inner_points.rs`'s output: per edit, the median local inliers of a query
against its original with the canvas's features, the inner picture's, the better of the two, and
of the best wrong candidate; the shares with 10 and 20 or more (docs/QUALITY.md, "A picture's own points").

    python python/inner_points_summary.py inner-points.tsv
"""
import collections
import sys


def main(path):
    c = collections.defaultdict(list)
    for line in open(path):
        _, edit, _, truth, wrong = line.rstrip('\n').split('\t')
        if truth == 'None':
            c[(edit, 'original not among the candidates')].append(0)
            continue
        t = [float(v) for v in truth[6:-2].split(',')]
        w = [float(v) for v in wrong[1:-1].split(',')]
        c[(edit, 'original, canvas features')].append(t[0])
        c[(edit, 'original, inner features')].append(t[1])
        c[(edit, 'original, better of the two')].append(max(t[0], t[1]))
        c[(edit, 'best wrong candidate, better of the two')].append(max(w[0], w[1]))
    for (edit, what), v in sorted(c.items()):
        v.sort()
        n = len(v)
        print(f'edit {edit}: {what}: {n} queries, median {v[n // 2]:.0f}, >= 10: {sum(x >= 10 for x in v) / n:.3f},'
              f' >= 20: {sum(x >= 20 for x in v) / n:.3f}')


if __name__ == '__main__':
    main(sys.argv[1])
