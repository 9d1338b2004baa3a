"""Writes one photo in every format imgsim decodes, for `examples/format_speed.rs`.

    python python/format_speed.py SRC.jpg OUTDIR

OUTDIR/photo.{jpg,png,tiff,jxl,heic,avif,dng}: JPEG quality 90 (Pillow), PNG, TIFF (uncompressed),
JPEG XL `cjxl -q 90`, HEIC `heif-enc -q 90`, AVIF `avifenc --min 10 --max 20 -s 6`, DNG (a 16-bit
Bayer strip and a quality-95 JPEG preview, python/make_raw_fixtures.py). Needs Debian's
libjxl-tools, libheif-examples and libavif-bin.
"""
import os
import subprocess
import sys

from PIL import Image

sys.path.insert(0, os.path.dirname(__file__))
import make_raw_fixtures  # noqa: E402


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    img = Image.open(src).convert('RGB')
    png = os.path.join(out, 'photo.png')
    img.save(os.path.join(out, 'photo.jpg'), quality=90)
    img.save(png)
    img.save(os.path.join(out, 'photo.tiff'))
    subprocess.run(['cjxl', '-q', '90', png, os.path.join(out, 'photo.jxl')], check=True, capture_output=True)
    subprocess.run(['heif-enc', '-q', '90', '-o', os.path.join(out, 'photo.heic'), png], check=True, capture_output=True)
    subprocess.run(['avifenc', '--min', '10', '--max', '20', '-s', '6', png, os.path.join(out, 'photo.avif')],
                   check=True, capture_output=True)
    with open(os.path.join(out, 'photo.dng'), 'wb') as f:
        f.write(make_raw_fixtures.make_dng(img)[0])
    for name in sorted(os.listdir(out)):
        print(f'{name}: {os.path.getsize(os.path.join(out, name)):,} bytes')


if __name__ == '__main__':
    main()
