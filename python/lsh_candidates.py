"""Why imgsim-spark's default duplicate finder is not MLlib's LSH: simulates, on planted
near-duplicates in a 512-d Gaussian mixture like the duplicates benchmark's (docs/SEARCH.md,
docs/SCALE.md), how many of the exact pairs at cosine >= tau each hashing scheme brings
together, and how many candidate pairs it makes (the work of the join).

  python python/lsh_candidates.py [--n 20000] [--tau 0.95]

Schemes: MLlib's BucketedRandomProjectionLSH (one random projection per hash table, bucket
length w, L tables; pairs sharing a bucket in any table are candidates) and random-hyperplane
signatures cut into b bands of r bits (pairs sharing any band are candidates), as
ImageDuplicates does. numpy only.
"""
import argparse

import numpy as np


def data(n, dim, rng):
    scale = 1 / np.sqrt(1 + np.arange(dim) / 16)
    centres = rng.standard_normal((1000, dim)) * scale
    base = n - n // 10
    x = centres[rng.integers(0, 1000, base)] + 0.6 * rng.standard_normal((base, dim)) * scale
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    copies = []
    for i in range(0, base, 20):
        for _ in range(rng.integers(1, 4)):
            e = rng.standard_normal(dim)
            y = x[i] + 0.2 * e / np.linalg.norm(e)
            copies.append(y / np.linalg.norm(y))
    x = np.vstack([x, np.array(copies)])[:n]
    return x.astype(np.float32)


def exact_pairs(x, tau):
    pairs = set()
    for s in range(0, len(x), 2000):
        r, c = np.nonzero(x[s:s + 2000] @ x.T >= tau)
        pairs.update((a + s, b) for a, b in zip(r, c) if a + s < b)
    return pairs


def report(name, keys, truth, n):
    found = sum(1 for a, b in truth if (keys[a] == keys[b]).any())
    cand = 0
    for t in range(keys.shape[1]):
        _, counts = np.unique(keys[:, t], return_counts=True)
        cand += int((counts * (counts - 1) // 2).sum())
    total = n * (n - 1) // 2
    print(f"| {name} | {found / len(truth):.4f} | {cand:,} | {cand / total:.4f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--tau", type=float, default=0.95)
    ap.add_argument("--dim", type=int, default=512)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    x = data(args.n, args.dim, rng)
    truth = exact_pairs(x, args.tau)
    print(f"{args.n:,} vectors, {len(truth):,} pairs at cosine >= {args.tau}")
    print("| scheme | recall | candidate pairs (with repeats) | share of all pairs |")
    print("|---|---|---|---|")
    dmax = np.sqrt(2 - 2 * args.tau)
    for w_rel in (1, 2, 4):
        for tables in (2, 4, 8):
            w = w_rel * dmax / np.sqrt(args.dim)
            v = rng.standard_normal((tables, args.dim)).astype(np.float32)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            keys = np.floor(x @ v.T / w).astype(np.int64)
            report(f"MLlib BRP, bucket {w:.3f}, {tables} tables", keys, truth, args.n)
    for r, b in ((16, 16), (16, 24), (12, 16), (20, 32)):
        planes = rng.standard_normal((r * b, args.dim)).astype(np.float32)
        bits = (x @ planes.T > 0).reshape(len(x), b, r)
        keys = (bits * (1 << np.arange(r))).sum(-1)
        report(f"signature bands, {b} x {r} bits", keys, truth, args.n)


if __name__ == "__main__":
    main()
