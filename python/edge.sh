#!/usr/bin/env bash
# FP32 vs INT8 in one run (docs/EDGE.md): the library's latencies (Java), then sizes, PyTorch
# latency, cosine agreement and retrieval quality (Python). Needs python/fetch_data.sh's photos
# and the Python environment of python/requirements.txt (PYTHON=path/to/python).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
gradle --no-daemon -q edgeBench 2>&1 | grep '^|'
echo
"$PYTHON" python/edge_eval.py models/image-similarity.onnx models/image-similarity-int8.onnx
