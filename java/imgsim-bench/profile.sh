#!/usr/bin/env bash
# Flat CPU profile of one benchmark workload and contender (docs/PERFORMANCE.md, "Profiles"):
#   bash java/imgsim-bench/profile.sh W2 imgsim [SECONDS]     # W2 | W4;  imgsim | ort1 | ortd
# Needs Linux perf. Prints the share of samples per library and the top symbols; JIT-compiled
# Java code is named through the JVM's perf map (-XX:+DumpPerfMapAtExit).
set -euo pipefail
cd "$(dirname "$0")/../.."
workload=${1:?W2 or W4}
who=${2:?imgsim, ort1 or ortd}
seconds=${3:-20}
cp=$(gradle -q benchClasspath extractOnnxRuntime | tail -1)
out=build/bench/profile-$workload-$who.data
# The libraries from files that outlive the run, so perf can name their symbols (the jar's copy
# of libimgsim.so is deleted after loading); recording starts after 5 s of JVM start and set-up.
perf record -F 499 -D 5000 -o "$out" -- java -Xmx2g -XX:+UseParallelGC -XX:+UnlockDiagnosticVMOptions \
    -XX:+DumpPerfMapAtExit -Dimgsim.library.path="$PWD/target/release/libimgsim.so" \
    -Dimgsim.onnxruntime.path="$PWD/java/imgsim/build/ort/libonnxruntime.so" \
    -cp "$cp" dev.imgsim.bench.Bench --loop "$workload" "$who" $((seconds + 5)) 2>&1 | grep -v '^\[ perf'
echo "== $workload $who: samples by library"
perf report -i "$out" --no-children --sort dso --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12
echo "== top symbols"
perf report -i "$out" --no-children --sort dso,sym --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25
