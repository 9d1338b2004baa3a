"""Copy search for document pages turned upside down or by three quarters: N pages of a
`python/dupes_scale.py` work folder (the indexed images named `*-document.*`), each turned by 180
and by 270 degrees (PIL's ROTATE_180, ROTATE_270) and saved as JPEG q90, searched with
`imgsim search --copies --json -k 3` (one call) on that folder's index; counts the searches whose
first hit is the page itself and is called a copy, per turn (docs/QUALITY.md, "Turned thumbnails").

    python python/turned_pages.py WORK build/install/imgsim/bin/imgsim [N] [SEED]
"""
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

TURNS = {'turn 180': Image.ROTATE_180, 'turn 270': Image.ROTATE_270}


def main(work, imgsim, n=60, seed=26):
    work = Path(work).resolve()
    pages = sorted(str(p) for p in (work / 'images').rglob('*-document.*'))
    if not pages:
        sys.exit(f'no *-document.* images under {work / "images"}')
    pick = random.Random(seed).sample(pages, min(n, len(pages)))
    with tempfile.TemporaryDirectory() as tmp:
        original, turn = {}, {}
        for i, p in enumerate(pick):
            for name, t in TURNS.items():
                q = os.path.join(tmp, f'q{i:04d}-{name.replace(" ", "")}.jpg')
                Image.open(p).convert('RGB').transpose(t).save(q, quality=90)
                original[q], turn[q] = p, name
        out = subprocess.run([imgsim, 'search', '--copies', '--json', '-k', '3', '--index', str(work / 'idx'), *sorted(original)],
                             check=True, capture_output=True, text=True).stdout
    found = {name: 0 for name in TURNS}
    for r in json.loads(out):
        hits = r['hits']
        if hits and hits[0]['id'] == original[r['query']] and hits[0]['copy']:
            found[turn[r['query']]] += 1
    for name in TURNS:
        print(f'{name}: {len(pick)} pages searched, the page itself first and called a copy {found[name]}')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:]))
