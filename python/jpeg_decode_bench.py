"""W3's decode in libjpeg-turbo, for docs/PERFORMANCE.md: how long does the fastest common JPEG
decoder take for the benchmark's 12-MP file, at full size and at 1/8 scale in the DCT domain?

  python python/jpeg_decode_bench.py [build/bench/w3-12mp.jpg]

Pillow decodes with libjpeg-turbo; `draft` asks it for DCT-domain scaling. Compare with imgsim's
decoder: `cargo run --release --example decode_profile -- build/bench/w3-12mp.jpg 20`.
"""
import sys
import time

from PIL import Image, features


def median_ms(path, scale, n=15):
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        im = Image.open(path)
        if scale > 1:
            im.draft('RGB', (im.width // scale, im.height // scale))
        im.load()
        ts.append((time.perf_counter() - t) * 1e3)
    return sorted(ts)[n // 2], im.size


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else 'build/bench/w3-12mp.jpg'
    print(f'libjpeg-turbo: {features.check_feature("libjpeg_turbo")} ({features.version("libjpeg_turbo")})')
    for scale in (1, 8):
        ms, size = median_ms(path, scale)
        print(f'{path}, scale 1/{scale}: {size[0]}x{size[1]} in {ms:.1f} ms (median of 15)')


if __name__ == '__main__':
    main()
