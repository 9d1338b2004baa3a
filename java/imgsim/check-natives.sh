#!/usr/bin/env bash
# Checks the native libraries inside a built imgsim jar: which platform folders it holds, that each
# library is the right kind of file and exports every JNI entry point, the glibc floor of the Linux
# libraries (objdump -T: the newest GLIBC_x.y symbol version they need, at most 2.28), and the
# macOS install name. Needs binutils' objdump; llvm-objdump for the macOS library.
# Usage: check-natives.sh IMGSIM_JAR [EXPECTED_PLATFORMS...]    (gradle :imgsim:checkNatives)
set -euo pipefail
jar="$1"; shift
expected=("$@")
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
unzip -q -o "$jar" 'native/*' -d "$dir"
# the JNI functions the Java side declares: one per native method (Native, TextNative, NativeLog)
want=$(unzip -p "$jar" 'dev/imgsim/internal/Native.class' 'dev/imgsim/internal/TextNative.class' \
  'dev/imgsim/internal/NativeLog.class' >/dev/null && javap -p -cp "$jar" dev.imgsim.internal.Native \
  dev.imgsim.internal.TextNative dev.imgsim.internal.NativeLog | grep -c ' native ')
status=0
found=()
for lib in "$dir"/native/*/*imgsim*; do
  platform=$(basename "$(dirname "$lib")")
  found+=("$platform")
  kind=$(file -b "$lib" | cut -d, -f1-2)
  case "$platform" in
    windows-*) exports=$(objdump -p "$lib" | grep -c 'Java_dev_imgsim_' || true) ;;
    macos-*) exports=$(llvm-objdump --macho --exports-trie "$lib" | grep -c 'Java_dev_imgsim_' || true) ;;
    *) exports=$(objdump -T "$lib" | grep -c 'Java_dev_imgsim_' || true) ;;
  esac
  extra=""
  case "$platform" in
    linux-*)
      glibc=$(objdump -T "$lib" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
      extra="needs GLIBC_$glibc"
      if [ "$(printf '%s\n2.28\n' "$glibc" | sort -V | tail -1)" != "2.28" ]; then
        extra="$extra (ABOVE the 2.28 floor)"; status=1
      fi ;;
    macos-*)
      extra="install name $(llvm-objdump --macho --dylib-id "$lib" | tail -1)"
      [[ "$extra" == *"@rpath/libimgsim.dylib" ]] || status=1 ;;
  esac
  [ "$exports" -ge "$want" ] || { extra="$extra; MISSING JNI EXPORTS"; status=1; }
  printf '%-15s %-45s %2d/%d JNI exports  %s\n' "$platform" "$kind" "$exports" "$want" "$extra"
done
for p in "${expected[@]}"; do
  [[ " ${found[*]} " == *" $p "* ]] || { echo "missing platform folder: native/$p"; status=1; }
done
exit $status
