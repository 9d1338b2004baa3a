"""The duplicate actions at scale (issue 25): 10,000 images with 1,000 planted copies.

    python python/dupes_scale.py SRC_DIR WORK_DIR IMGSIM [N] [COPIES] [-- DUPES_OPTION...]
    python python/dupes_scale.py --prepare SRC_DIR WORK_DIR IMGSIM [N] [COPIES]   # images and index only
    python python/dupes_scale.py --again WORK_DIR IMGSIM [-- DUPES_OPTION...]   # same images and index

SRC_DIR may name several folders, separated by commas (100,000 images: the distractors and
python/synth_images.py's pictures, docs/SCALE.md).

Takes N images from SRC_DIR (default 10,000; the copy benchmark's distractors serve: photos,
drawings, documents, screenshots, icons, science figures), writes them under WORK_DIR/images/
(folders of 500; 100 of them in WORK_DIR/images/reference/) and plants COPIES copies (default
1,000) of randomly chosen ones among them, each smaller than its original (downscaled to 70 %,
then one of: as is, mirrored, centre-cropped 90 %, re-saved as PNG), named copy-NNNN so
nothing but the content ties them to their originals. Then, through the `imgsim` launcher:

  imgsim index WORK_DIR/images --index IDX
  imgsim dupes --index IDX --keep largest --reference WORK_DIR/images/reference \
               --action move --to WORK_DIR/moved --apply --journal J
  imgsim undo J

and checks: every planted copy moved (found below --to with its SHA-256), no original and no
reference file touched, what else moved (other groups the images hold on their own: counted,
listed); after undo, every file back byte for byte. Prints figures and times.
"""
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time

from PIL import Image, ImageOps


def sha(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def manifest(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            out[os.path.relpath(p, root)] = sha(p)
    return out


def plant(src, images, n, copies, rng):
    where = {}
    for d in src.split(','):
        for f in os.listdir(d):
            if f.lower().endswith(('.jpg', '.jpeg', '.png')):
                where.setdefault(f, d)
    names = sorted(where)
    rng.shuffle(names)
    names = names[:n]
    placed = []
    for i, name in enumerate(names):
        folder = 'reference' if i < 100 else f'set{i // 500:02d}'
        os.makedirs(os.path.join(images, folder), exist_ok=True)
        rel = os.path.join(folder, name)
        shutil.copyfile(os.path.join(where[name], name), os.path.join(images, rel))
        placed.append(rel)
    # the first 100 planted copies are of reference images, the rest of others
    chosen = placed[:100] + rng.sample(placed[100:], copies - 100)
    planted = {}
    for k, rel in enumerate(chosen):
        img = Image.open(os.path.join(images, rel)).convert('RGB')
        w, h = img.size
        img = img.resize((max(8, int(w * 0.7)), max(8, int(h * 0.7))), Image.LANCZOS)
        edit = k % 4
        if edit == 1:
            img = ImageOps.mirror(img)
        elif edit == 2:
            w, h = img.size
            img = img.crop((w // 20, h // 20, w - w // 20, h - h // 20))
        ext = 'png' if edit == 3 else 'jpg'
        folder = f'set{rng.randrange(max(1, (n - 100) // 500)):02d}'
        os.makedirs(os.path.join(images, folder), exist_ok=True)
        crel = os.path.join(folder, f'copy-{k:04d}.{ext}')
        img.save(os.path.join(images, crel), quality=90) if ext == 'jpg' else img.save(os.path.join(images, crel))
        planted[crel] = rel
    return placed, planted


def run(cmd):
    t = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p, time.time() - t


def main():
    args = sys.argv[1:]
    extra_options = args[args.index('--') + 1:] if '--' in args else []
    args = args[:args.index('--')] if '--' in args else args
    prepare = args[0] == '--prepare'
    if prepare:
        args = args[1:]
    again = args[0] == '--again'
    if again:
        work, imgsim = args[1], args[2]
    else:
        src, work, imgsim = args[0], args[1], args[2]
    images, idx, moved = (os.path.join(work, d) for d in ('images', 'idx', 'moved'))
    if again:
        planted = json.load(open(os.path.join(work, 'planted.json')))
        placed = [r for r in manifest(images) if not os.path.basename(r).startswith('copy-')]
        if os.path.exists(moved):
            shutil.rmtree(moved)
    else:
        n = int(args[3]) if len(args) > 3 else 10000
        copies = int(args[4]) if len(args) > 4 else 1000
        if os.path.exists(work):
            shutil.rmtree(work)
        os.makedirs(images)
        placed, planted = plant(src, images, n, copies, random.Random(25))
        json.dump(planted, open(os.path.join(work, 'planted.json'), 'w'))
    before = manifest(images)
    print(f'{len(placed)} images, {len(planted)} planted copies ({len(before)} files)')

    if not again:
        p, t = run([imgsim, 'index', images, '--index', idx])
        print(f'index: exit {p.returncode}, {t:.0f} s ({len(before) / t:.0f} files/s)')
        if p.returncode != 0:
            print(p.stdout[-2000:], p.stderr[-2000:])
            sys.exit(1)
    if prepare:
        return
    journal = os.path.join(work, f'journal-{int(time.time())}.jsonl')
    ref = os.path.join(images, 'reference')
    print('dupes options:', ' '.join(['--keep', 'largest'] + extra_options))
    p, t = run([imgsim, 'dupes', '--index', idx, '--keep', 'largest', '--reference', ref,
                '--action', 'move', '--to', moved, '--apply', '--journal', journal] + extra_options)
    print(f'dupes --apply: exit {p.returncode}, {t:.0f} s')
    if p.returncode not in (0, 1):
        print(p.stdout[-2000:], p.stderr[-2000:])
        sys.exit(1)
    after = manifest(images)
    gone = set(before) - set(after)
    changed = [r for r in after if after[r] != before.get(r)]
    moved_shas = set(manifest(moved).values()) if os.path.exists(moved) else set()
    planted_gone = [c for c in planted if c in gone]
    planted_kept = [c for c in planted if c not in gone]
    extra = sorted(gone - set(planted))
    extra_ref = [r for r in extra if r.startswith('reference' + os.sep)]
    originals_gone = [r for r in extra if r in set(planted.values())]
    lost = [r for r in gone if before[r] not in moved_shas]
    print(f'planted copies moved: {len(planted_gone)} of {len(planted)}; not moved: {len(planted_kept)}')
    print(f'other files moved: {len(extra)} (originals of planted copies: {len(originals_gone)}, '
          f'reference files: {len(extra_ref)}); files changed in place: {len(changed)}; '
          f'moved files not found below --to: {len(lost)}')
    def kind(rel):  # the benchmark's file names end in -photo, -drawing, -document, ...
        stem = os.path.splitext(os.path.basename(rel))[0]
        return stem.rsplit('-', 1)[-1] if '-' in stem else '?'
    by_kind = lambda rels: dict(sorted(__import__('collections').Counter(kind(r) for r in rels).items()))
    print('other files moved, by kind:', by_kind(extra))
    print('planted copies not moved, by kind of original:', by_kind([planted[c] for c in planted_kept]))
    print('images by kind:', by_kind(placed))
    for r in extra[:20]:
        print('  also moved:', r)
    for c in planted_kept[:20]:
        print('  planted, not moved:', c, '(copy of', planted[c] + ')')

    p, t = run([imgsim, 'undo', journal])
    restored = manifest(images)
    same = restored == before
    print(f'undo: exit {p.returncode}, {t:.0f} s; every file back byte for byte: {same} '
          f'({sum(1 for r in before if restored.get(r) == before[r])} of {len(before)})')
    json.dump({'options': extra_options, 'images': len(placed), 'planted': len(planted), 'planted_moved': len(planted_gone),
               'other_moved': len(extra), 'reference_moved': len(extra_ref), 'originals_moved': len(originals_gone),
               'lost': len(lost), 'undo_identical': same}, open(os.path.join(work, f'result-{int(time.time())}.json'), 'w'), indent=1)


if __name__ == '__main__':
    main()
