#!/usr/bin/env bash
# The full index benchmark behind docs/SEARCH.md, one part at a time (each writes its own
# build/bench/index-results-*.json), smallest first: about an hour on 2 cores, most of it
# building the two 1M-vector indexes. Logs to build/bench/index-bench.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build/bench
[ -d .cache/bench/src ] || bash java/imgsim-bench/fetch-photos.sh
for part in "ingest" "search --sizes 100000" "dupes" "search --sizes 1000000"; do
  gradle -q --console=plain indexBench -PbenchArgs="--only $part" 2>&1 | grep -v '^WARNING' | tee -a build/bench/index-bench.log
done
