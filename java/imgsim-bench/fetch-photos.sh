#!/usr/bin/env bash
# Fetches real photographs for `gradle indexBench` from Debian wallpaper packages into
# .cache/bench/src (nothing is committed; each package's copyright file states its licence,
# copied beside the photos). IndexBench derives its 2-12 megapixel JPEG folders from them.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${1:-$ROOT/.cache/bench}"
mkdir -p "$OUT/pkg" "$OUT/src" "$OUT/licences"
cd "$OUT/pkg"
if [ ! -f .apt-updated ]; then apt-get update -q >/dev/null && touch .apt-updated; fi
for p in mate-backgrounds lomiri-wallpapers lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 plasma-workspace-wallpapers ukui-wallpapers gnome-backgrounds; do
  ls ${p}_*.deb >/dev/null 2>&1 || apt-get download -q "$p" >/dev/null
  [ -d "x-$p" ] || dpkg -x ${p}_*.deb "x-$p"
  cp "x-$p/usr/share/doc/$p/copyright" "$OUT/licences/$p.copyright" 2>/dev/null || true
  # photographs are the large JPEGs (the packages' drawn/abstract wallpapers are mostly PNG/SVG)
  find "x-$p" -iname '*.jpg' -size +250k | while read -r f; do
    cp "$f" "$OUT/src/$p--$(echo "${f#x-$p/}" | tr '/' '_')"
  done
done
echo "$(ls "$OUT/src" | wc -l) source photos in $OUT/src"
