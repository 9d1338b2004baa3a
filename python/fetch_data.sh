#!/usr/bin/env bash
# Fetches the photos used to train and to evaluate the model into a cache folder
# (default: .cache/data). Nothing fetched here is committed: several of these images
# may not be redistributed. Training and evaluation sources are kept apart.
#   train/  Debian wallpaper packages (mate-backgrounds, lomiri-wallpapers, plasma-workspace-wallpapers)
#   eval/   Debian opencv-doc samples, scikit-image and scikit-learn sample photos
#   fashion/ Debian dataset-fashion-mnist (labelled, for class-level retrieval)
set -euo pipefail
CACHE="${1:-$(cd "$(dirname "$0")/.." && pwd)/.cache/data}"
mkdir -p "$CACHE"/{train,eval,fashion,pkg}
cd "$CACHE/pkg"
if [ ! -f .apt-updated ]; then apt-get update -q >/dev/null && touch .apt-updated; fi
for p in mate-backgrounds lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 plasma-workspace-wallpapers opencv-doc dataset-fashion-mnist; do
  ls ${p}_*.deb >/dev/null 2>&1 || apt-get download -q "$p" >/dev/null
  [ -d "x-$p" ] || dpkg -x ${p}_*.deb "x-$p"
done
pip_get() { ls $1-*.whl >/dev/null 2>&1 || python3 -m pip download -q --no-deps --only-binary=:all: -d . "$2"; }
pip_get scikit_image scikit-image==0.26.0
pip_get scikit_learn scikit-learn
# training photos: real photographs only (the plasma package also holds drawn/abstract wallpapers)
find x-mate-backgrounds -path '*nature*' -name '*.jpg' -exec cp {} "$CACHE/train/" \;
find x-lomiri-wallpapers-16.04 x-lomiri-wallpapers-20.04 -name '*_by_*.jpg' -exec cp {} "$CACHE/train/" \;
find x-plasma-workspace-wallpapers -name '*.jpg' -size +300k | while read -r f; do
  n=$(echo "$f" | sed 's#.*/wallpapers/\([^/]*\)/.*/\([^/]*\)$#\1_\2#'); cp "$f" "$CACHE/train/$n"; done
# evaluation photos, held out from training
find x-opencv-doc -path '*examples/data*' \( -name '*.jpg' -o -name '*.png' \) -size +20k -exec cp {} "$CACHE/eval/" \;
unzip -o -q -j scikit_image-*.whl 'skimage/data/*.png' 'skimage/data/*.jpg' -d "$CACHE/eval/skimage" || true
unzip -o -q -j scikit_learn-*.whl '*/datasets/images/*.jpg' -d "$CACHE/eval/sklearn" || true
find x-dataset-fashion-mnist -name '*t10k*' -exec cp {} "$CACHE/fashion/" \;
echo "train: $(ls "$CACHE/train" | wc -l) files; eval: $(find "$CACHE/eval" -type f | wc -l) files; fashion: $(ls "$CACHE/fashion" | wc -l) files"
