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
# - Parable -> moral (OpenAI evals' parable-to-moral-match, English, 1,632 multiple-choice rows;
#   the evals wheel is MIT) as .cache/text/parables.tsv: story id, its moral, the story.
if [ ! -f "$OUT/parables.tsv" ]; then
  python3 -m pip download -q evals==3.0.1.post1 --no-deps --only-binary=:all: -d "$OUT/wheel"
  python3 - "$OUT" <<'PY'
import glob, json, re, sys, zipfile
out = sys.argv[1]
z = zipfile.ZipFile(glob.glob(out + '/wheel/evals-*.whl')[0])
rows, seen = [], set()
for line in z.read('evals/registry/data/parable-to-moral-match/parable-to-moral-match-en.jsonl').decode('utf-8').splitlines():
    r = json.loads(line)
    user = [m['content'] for m in r['input'] if m['role'] == 'user'][0]
    story, _, options = user.partition('\nWhich moral')
    answer = re.search(r'answer is:?\s*([A-E])', r['ideal'][0] if isinstance(r['ideal'], list) else r['ideal']).group(1)
    opts = dict(re.findall(r'([A-E])\) (.*?)(?= [A-E]\) |\n|$)', options))
    story = ' '.join(story.split())
    if story in seen or answer not in opts:
        continue
    seen.add(story)
    rows.append(f'story{len(rows)}\t{" ".join(opts[answer].split())}\t{story}')
open(f'{out}/parables.tsv', 'w').write('\n'.join(rows) + '\n')
print(f'{len(rows)} parables')
PY
fi
