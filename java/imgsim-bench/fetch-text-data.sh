#!/usr/bin/env bash
# Offline evaluation data for `gradle textBench` (docs/TEXT.md); nothing is committed.
# - Debian's English package descriptions (apt's Translation-en, which this image's apt skips).
# - The Lee document-similarity set (50 news documents, 1,225 human-rated pairs; Lee, Pincombe
#   and Welsh 2005) as shipped inside the PyPI gensim wheel (LGPL-2.1), into .cache/text/lee.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="$ROOT/.cache/text"
mkdir -p "$OUT/lee"
sh "$ROOT/python/fetch_text_data.sh" >/dev/null
if [ ! -f "$OUT/lee/similarities0-1.txt" ]; then
  python3 -m pip download -q gensim==4.4.0 --no-deps --only-binary=:all: -d "$OUT/wheel"
  python3 - "$OUT" <<'PY'
import glob, sys, zipfile
out = sys.argv[1]
z = zipfile.ZipFile(glob.glob(out + '/wheel/gensim-*.whl')[0])
for name in ('lee.cor', 'similarities0-1.txt'):
    open(f'{out}/lee/{name}', 'wb').write(z.read('gensim/test/test_data/' + name))
PY
fi
ls -l "$OUT/lee"
