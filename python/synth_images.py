"""Procedural images for scale runs: N distinct pictures, none a copy of another.

    python python/synth_images.py OUT_DIR N [--seed S] [--first K]

Writes OUT_DIR/NNNNNN-synthetic.jpg (K, K+1, ...): a background (a two-colour gradient, a
low-resolution noise texture blown up, or a flat colour) under 3-14 random shapes (ellipses,
rectangles, polygons, thick lines) and, in a third of them, a few lines of random letters; 200-640
pixels a side, JPEG quality 85. Each image has its own random stream (seed, index), so the set is
the same on every machine and a run can be split. Used to fill an index to 100,000 images
(docs/SCALE.md, "Duplicates at 100,000 images"): the collection's cost, not its realism, is what
they stand for. They sit closer together in embedding space than real images do, so each gets
more close neighbours to verify than a photo would: a conservative load.
"""
import os
import random
import sys
from multiprocessing import Pool

from PIL import Image, ImageDraw, ImageFilter, ImageFont

LETTERS = 'abcdefghijklmnopqrstuvwxyz     '


def colour(rng):
    return tuple(rng.randrange(256) for _ in range(3))


def picture(seed, i):
    rng = random.Random(seed * 1_000_003 + i)
    w, h = rng.randrange(200, 641), rng.randrange(200, 641)
    kind = rng.randrange(3)
    if kind == 0:
        a, b = colour(rng), colour(rng)
        grad = Image.linear_gradient('L').resize((w, h)).rotate(rng.choice([0, 90, 180, 270]), expand=False)
        img = Image.composite(Image.new('RGB', (w, h), a), Image.new('RGB', (w, h), b), grad)
    elif kind == 1:
        small = Image.new('RGB', (rng.randrange(3, 12), rng.randrange(3, 12)))
        small.putdata([colour(rng) for _ in range(small.width * small.height)])
        img = small.resize((w, h), Image.BICUBIC)
    else:
        img = Image.new('RGB', (w, h), colour(rng))
    d = ImageDraw.Draw(img)
    for _ in range(rng.randrange(3, 15)):
        x0, y0 = rng.randrange(-w // 4, w), rng.randrange(-h // 4, h)
        x1, y1 = x0 + rng.randrange(10, w), y0 + rng.randrange(10, h)
        shape = rng.randrange(4)
        fill = colour(rng)
        if shape == 0:
            d.ellipse((x0, y0, x1, y1), fill=fill, outline=colour(rng) if rng.random() < 0.5 else None)
        elif shape == 1:
            d.rectangle((x0, y0, x1, y1), fill=fill)
        elif shape == 2:
            pts = [(rng.randrange(w), rng.randrange(h)) for _ in range(rng.randrange(3, 7))]
            d.polygon(pts, fill=fill)
        else:
            d.line((x0, y0, x1, y1), fill=fill, width=rng.randrange(2, 14))
    if rng.random() < 0.33:
        font = ImageFont.load_default(size=rng.randrange(12, 40))
        for _ in range(rng.randrange(1, 6)):
            text = ''.join(rng.choice(LETTERS) for _ in range(rng.randrange(4, 30)))
            d.text((rng.randrange(w // 2), rng.randrange(h)), text, fill=colour(rng), font=font)
    if rng.random() < 0.3:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.0)))
    return img


def write(job):
    out, seed, i = job
    path = os.path.join(out, f'{i:06d}-synthetic.jpg')
    if not os.path.exists(path):
        picture(seed, i).save(path, quality=85)


def main():
    args = sys.argv[1:]
    opt = lambda name, default: int(args[args.index(name) + 1]) if name in args else default
    out, n = args[0], int(args[1])
    seed, first = opt('--seed', 7), opt('--first', 0)
    os.makedirs(out, exist_ok=True)
    with Pool(os.cpu_count()) as pool:
        for k, _ in enumerate(pool.imap_unordered(write, [(out, seed, i) for i in range(first, first + n)], chunksize=64)):
            if (k + 1) % 10000 == 0:
                print(f'{k + 1} of {n}', flush=True)
    print(f'{n} images in {out}')


if __name__ == '__main__':
    main()
