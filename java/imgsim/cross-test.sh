#!/usr/bin/env bash
# Runs the Rust tests (unit tests, golden image fixtures, text fixtures) cross-built for another
# platform on this x86-64 Linux machine, with that platform's ONNX Runtime from the onnxruntime jar:
#   linux-aarch64   under qemu-user, started through the aarch64 dynamic loader
#                   (apt-get install qemu-user libc6-dev-arm64-cross libstdc++6-arm64-cross)
#   windows-x86_64  under wine (apt-get install wine64)
# Usage: cross-test.sh PLATFORM ONNXRUNTIME_JAR   (Gradle: gradle :imgsim:qemuTest / :imgsim:wineTest)
# Needs cargo-zigbuild and zig (pip install ziglang cargo-zigbuild) and the rustup target.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
platform="$1"
ort_jar="$2"
case "$platform" in
  linux-aarch64) target=aarch64-unknown-linux-gnu.2.28; ort_dir=linux-aarch64 ;;
  windows-x86_64) target=x86_64-pc-windows-gnu; ort_dir=win-x64 ;;
  *) echo "cross-test.sh: no emulator for $platform (linux-aarch64, windows-x86_64)" >&2; exit 2 ;;
esac
out="$ROOT/build/cross-test/$platform"
mkdir -p "$out"
unzip -o -q -j "$ort_jar" "ai/onnxruntime/native/$ort_dir/*" -d "$out"
cd "$ROOT"
# optimised like the shipped libraries, but without LTO: the test build takes half the time
export CARGO_PROFILE_RELEASE_STRIP=debuginfo CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
# build the test executables and list them (cargo's JSON messages name each one)
bins=$(cargo zigbuild --release --tests --target "$target" --message-format=json-render-diagnostics \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("profile", {}).get("test") and m.get("executable"):
        print(m["executable"])')
if [ "$platform" = windows-x86_64 ]; then
  # Rust's standard library calls ProcessPrng in bcryptprimitives.dll (Windows 10+), which Wine 8
  # (Debian 12) lacks: a stub with the same export, over BCryptGenRandom, beside the test programs.
  # The shipped imgsim.dll is unchanged; on Windows the system's DLL is used.
  cat > "$out/bcryptprimitives.c" <<'C'
#include <windows.h>
#include <bcrypt.h>
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    return BCryptGenRandom(NULL, data, (ULONG)len, BCRYPT_USE_SYSTEM_PREFERRED_RNG) == 0;
}
C
  python3 -m ziglang cc -target x86_64-windows-gnu -shared -O2 -o "$out/bcryptprimitives.dll" "$out/bcryptprimitives.c" -lbcrypt
  for b in $bins; do cp "$out/bcryptprimitives.dll" "$(dirname "$b")/"; done
  export WINEPREFIX="${WINEPREFIX:-$ROOT/build/cross-test/wineprefix}"
  wine=/usr/lib/wine/wine64
  [ -x "$wine" ] || wine=wine
fi
status=0
for b in $bins; do
  echo "== $platform: $(basename "$b")"
  case "$platform" in
    linux-aarch64)
      # a Neoverse-N1 (Graviton 2, Ampere Altra: NEON, dot product, no i8mm); with qemu 7.2's
      # "max" CPU the INT8 text model's i8mm path returns wrong vectors (docs/PLATFORMS.md)
      QEMU_CPU="${QEMU_CPU:-neoverse-n1}" IMGSIM_TEST_ORT="$out/libonnxruntime.so" qemu-aarch64 /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 \
        --library-path "/usr/aarch64-linux-gnu/lib:$out" "$b" || status=1 ;;
    windows-x86_64)
      # a Windows path (Z: is Wine's view of /): a path without a drive is not absolute there
      IMGSIM_TEST_ORT="Z:${out//\//\\}\\onnxruntime.dll" WINEDEBUG=-all "$wine" "$b" || status=1 ;;
  esac
done
exit $status
