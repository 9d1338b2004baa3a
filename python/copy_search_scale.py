"""Copy search at scale: every planted copy of a `python/dupes_scale.py` work folder searched with
`imgsim search --copies --json -k K` (one call, one model load) on that folder's index; counts the
searches that list the copy itself (it is indexed too: an identical image), that list its original,
and that call the original a copy (docs/DUPES.md, "Copy search at 10,000 images").

    python python/dupes_scale.py --prepare .cache/data/bench/distractors WORK build/install/imgsim/bin/imgsim
    python python/copy_search_scale.py WORK build/install/imgsim/bin/imgsim [K]
"""
import json
import subprocess
import sys
import time
from pathlib import Path


def main(work, imgsim, k=5):
    work = Path(work).resolve()
    planted = json.loads((work / 'planted.json').read_text())
    queries = sorted(str(work / 'images' / p) for p in planted)
    original = {str(work / 'images' / p): str(work / 'images' / o) for p, o in planted.items()}
    t0 = time.time()
    out = subprocess.run([imgsim, 'search', '--copies', '--json', '-k', str(k), '--index', str(work / 'idx'), *queries],
                         check=True, capture_output=True, text=True).stdout
    seconds = time.time() - t0
    itself = listed = copy = 0
    for r in json.loads(out):
        ids = [h['id'] for h in r['hits']]
        itself += r['query'] in ids
        hit = next((h for h in r['hits'] if h['id'] == original[r['query']]), None)
        listed += hit is not None
        copy += hit is not None and hit['copy']
    n = len(queries)
    print(f'{n} planted copies searched (k={k}) in {seconds:.0f} s: the copy itself listed {itself}, '
          f'its original listed {listed}, called a copy {copy}')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:4]))
