#!/usr/bin/env bash
# Fetches the sources of the invariance benchmark (python/invariance_bench.py) and of the v2
# training set (python/train_v2.py) into the data cache (default .cache/data/pkg). Nothing
# fetched here is committed. Benchmark and training sources are different packages:
#   benchmark (held out): opencv-doc, scikit-image, scikit-learn (python/fetch_data.sh),
#     gnome-backgrounds, ukui-wallpapers, tuxpaint-stamps-default, openclipart-png, gimp-help-en,
#     texlive-latex-base-doc (PDF pages), oxygen-icon-theme, stellarium-data
#   training: mate-backgrounds, lomiri-wallpapers-16.04/-20.04, plasma-workspace-wallpapers
#     (python/fetch_data.sh), desktop-base, tango-icon-theme, gnome-user-docs, marble-data,
#     fonts-dejavu-core (text pages drawn at training time), texlive-latex-recommended-doc
#     (real PDF pages, `train_v2.py --documents`)
# Licences (each package's debian/copyright): see docs/QUALITY.md "Invariance benchmark".
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${1:-$ROOT/.cache/data}"
bash "$ROOT/python/fetch_data.sh" "$CACHE" >/dev/null
cd "$CACHE/pkg"
for p in gnome-backgrounds ukui-wallpapers tuxpaint-stamps-default openclipart-png gimp-help-en texlive-latex-base-doc \
         oxygen-icon-theme stellarium-data desktop-base tango-icon-theme gnome-user-docs marble-data fonts-dejavu-core \
         texlive-latex-recommended-doc; do
  ls ${p}_*.deb >/dev/null 2>&1 || apt-get download -q "$p" >/dev/null 2>&1
  [ -d "x-$p" ] || dpkg -x ${p}_*.deb "x-$p"
done
echo "benchmark and v2 training sources in $CACHE/pkg"
