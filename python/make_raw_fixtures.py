"""Writes four small synthetic camera-RAW files (models/fixtures/rocket_preview.{dng,cr2,nef,arw})
for the RAW decoder's tests, which take the largest embedded JPEG preview and apply the IFD0
Orientation tag.

  python python/make_raw_fixtures.py           # writes the files, then checks them (Pillow only)
  python python/make_raw_fixtures.py --check   # checks the files already there

The files are synthetic: every image in them (previews, thumbnails, the Bayer mosaic of the DNG)
is made from the project's own fixture models/fixtures/rocket_131x97.png (scikit-image's "rocket",
public domain, like that fixture). No camera wrote them. Their layouts follow the real formats:

- All four are TIFF 6.0 files (Adobe, 1992): 8-byte header ("II*\\0" little-endian or "MM\\0*"
  big-endian, then the offset of IFD0); each IFD is a 2-byte entry count, 12-byte entries sorted by
  tag (tag, type, count, value or offset), then the 4-byte offset of the next IFD (0 at the end of a
  chain); a value longer than 4 bytes lies elsewhere in the file at a word (even) offset, a shorter
  one sits left-justified in the entry. Sub-IFDs hang off SubIFDs (0x14A, TIFF Technical Note 1 /
  TIFF-EP), as in DNG, NEF and ARW.
- DNG (Adobe DNG Specification 1.4.0.0): IFD0 is a 16x12 uncompressed RGB thumbnail
  (NewSubfileType 1) carrying Make, Model, Orientation, DNGVersion 1.4.0.0, UniqueCameraModel and
  ColorMatrix1; SubIFDs -> [raw: 131x97 16-bit RGGB CFA (Photometric 32803, CFARepeatPatternDim
  2x2, CFAPattern 0,1,1,2), preview: 131x97 baseline JPEG in one strip, Compression 7,
  Photometric 6 (YCbCr)].
- CR2 (Laurent Clévy, "Understanding What is stored in a Canon RAW .CR2 file, How and Why"):
  TIFF header, then at byte 8 "CR", version 2.0 and the offset of the RAW IFD (IFD3); IFD0 at 16
  holds the full-size JPEG (old-style Compression 6, via StripOffsets/StripByteCounts), Make,
  Model and Orientation 6; IFD1 a 32x24 JPEG thumbnail via JPEGInterchangeFormat(Length); IFD2 an
  8x6 uncompressed RGB image; IFD3 the RAW (Compression 6, CR2 slice tag 0xC640 = 1,65,65), here a
  64-byte stand-in that starts like Canon's lossless JPEG (SOI, SOF3) and cannot be decoded.
- NEF (Nikon; TIFF/EP-based, big-endian): IFD0 is a 16x12 uncompressed RGB thumbnail with Make,
  Model, Orientation; SubIFDs -> [preview: 131x97 JPEG via JPEGInterchangeFormat(Length),
  Compression 6; raw: 12-bit CFA, Compression 34713 (Nikon compressed), a 128-byte stand-in].
- ARW (Sony; TIFF-based, little-endian): IFD0 is the 131x97 JPEG preview via
  JPEGInterchangeFormat(Length), Compression 6, Orientation 8; SubIFDs -> [raw: 12-bit CFA,
  Compression 32767 (Sony), a 128-byte stand-in]; IFD1 a 32x24 JPEG thumbnail.

Every image is stored as the PNG is (131x97 and unrotated); the CR2 and ARW display 97x131 after
their Orientation (6: rotate 90 deg clockwise; 8: rotate 90 deg counter-clockwise), the DNG and
NEF 131x97. The bytes are deterministic (fixed JPEG settings, no timestamps): a re-run gives the
same files with the same Pillow/libjpeg-turbo.
"""
import io
import struct
import sys
from pathlib import Path

import numpy as np
from PIL import Image, TiffImagePlugin

FIXTURES = Path(__file__).resolve().parents[1] / 'models' / 'fixtures'
SOURCE = FIXTURES / 'rocket_131x97.png'

BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED, SRATIONAL = 1, 2, 3, 4, 5, 7, 10
TYPE_SIZE = {BYTE: 1, ASCII: 1, SHORT: 2, LONG: 4, RATIONAL: 8, UNDEFINED: 1, SRATIONAL: 8}

# tags
NEW_SUBFILE_TYPE, IMAGE_WIDTH, IMAGE_LENGTH, BITS_PER_SAMPLE, COMPRESSION = 254, 256, 257, 258, 259
PHOTOMETRIC, MAKE, MODEL, STRIP_OFFSETS, ORIENTATION = 262, 271, 272, 273, 274
SAMPLES_PER_PIXEL, ROWS_PER_STRIP, STRIP_BYTE_COUNTS = 277, 278, 279
X_RESOLUTION, Y_RESOLUTION, PLANAR_CONFIGURATION, RESOLUTION_UNIT = 282, 283, 284, 296
SUB_IFDS, JPEG_IF, JPEG_IF_LENGTH, YCBCR_SUBSAMPLING = 0x14A, 0x201, 0x202, 0x212
CFA_REPEAT_PATTERN_DIM, CFA_PATTERN = 0x828D, 0x828E
DNG_VERSION, UNIQUE_CAMERA_MODEL, CFA_PLANE_COLOR, CFA_LAYOUT = 0xC612, 0xC614, 0xC616, 0xC617
WHITE_LEVEL, COLOR_MATRIX_1, CR2_SLICE = 0xC61D, 0xC621, 0xC640


class Ref:
    """The file offset of a named IFD or blob, resolved at layout time."""
    def __init__(self, name):
        self.name = name


class Len:
    """The byte length of a named blob."""
    def __init__(self, name):
        self.name = name


class Ifd:
    def __init__(self, name, entries, next_ifd=None):
        self.name = name
        self.entries = sorted(entries, key=lambda e: e[0])   # (tag, type, values)
        tags = [e[0] for e in self.entries]
        assert len(set(tags)) == len(tags), f'duplicate tag in {name}'
        self.next_ifd = next_ifd


def value_bytes(end, typ, values, resolve):
    if typ == ASCII:
        raw = values.encode('ascii') + b'\0'
        return raw, len(raw)
    if typ in (BYTE, UNDEFINED) and isinstance(values, (bytes, bytearray)):
        return bytes(values), len(values)
    vals = [resolve(v) for v in values]
    if typ in (RATIONAL, SRATIONAL):
        fmt = 'I' if typ == RATIONAL else 'i'
        return b''.join(struct.pack(end + fmt * 2, n, d) for n, d in vals), len(vals)
    fmt = {BYTE: 'B', SHORT: 'H', LONG: 'I'}[typ]
    return struct.pack(end + fmt * len(vals), *vals), len(vals)


def build_tiff(end, header_extra, items):
    """end: '<' or '>'; header_extra: bytes after the 8-byte header (CR2's 8), may hold Refs via a
    callable; items: Ifd or (name, bytes) blobs, laid out in this order. IFD0 is the first Ifd."""
    # pass 1: offsets (sizes never depend on offsets)
    offsets, lengths = {}, {}
    pos = 8 + len(header_extra(lambda v: 0))
    extern = {}   # (ifd name, tag) -> offset of its out-of-line value
    for item in items:
        pos += pos & 1
        if isinstance(item, Ifd):
            offsets[item.name] = pos
            pos += 2 + 12 * len(item.entries) + 4
            for tag, typ, values in item.entries:
                raw, _ = value_bytes(end, typ, values, lambda v: 0 if isinstance(v, (Ref, Len)) else v)
                if len(raw) > 4:
                    pos += pos & 1
                    extern[(item.name, tag)] = pos
                    pos += len(raw)
        else:
            name, data = item
            offsets[name] = pos
            lengths[name] = len(data)
            pos += len(data)

    def resolve(v):
        if isinstance(v, Ref):
            return offsets[v.name]
        if isinstance(v, Len):
            return lengths[v.name]
        return v

    # pass 2: bytes
    first_ifd = next(i for i in items if isinstance(i, Ifd))
    out = bytearray((b'II' if end == '<' else b'MM') + struct.pack(end + 'HI', 42, offsets[first_ifd.name]))
    out += header_extra(resolve)
    for item in items:
        if len(out) & 1:
            out += b'\0'
        if isinstance(item, Ifd):
            assert len(out) == offsets[item.name]
            out += struct.pack(end + 'H', len(item.entries))
            tail = bytearray()
            for tag, typ, values in item.entries:
                raw, count = value_bytes(end, typ, values, resolve)
                if len(raw) > 4:
                    field = struct.pack(end + 'I', extern[(item.name, tag)])
                    tail_pos = extern[(item.name, tag)]
                    pad = tail_pos - (offsets[item.name] + 2 + 12 * len(item.entries) + 4 + len(tail))
                    tail += b'\0' * pad + raw
                else:
                    field = raw + b'\0' * (4 - len(raw))
                out += struct.pack(end + 'HHI', tag, typ, count) + field
            nxt = offsets[item.next_ifd] if item.next_ifd else 0
            out += struct.pack(end + 'I', nxt) + tail
        else:
            name, data = item
            assert len(out) == offsets[name]
            out += data
    return bytes(out), offsets, lengths


def jpeg(img):
    """Baseline JPEG, quality 95, 4:2:0, JFIF header only (no EXIF, no timestamps)."""
    buf = io.BytesIO()
    img.save(buf, 'JPEG', quality=95, subsampling=2, optimize=False, progressive=False)
    return buf.getvalue()


def rgb8(img):
    return img.tobytes()   # chunky RGB, 8 bits, row-major: PlanarConfiguration 1


def rgb_strip_tags(w, h, strip):
    return [(IMAGE_WIDTH, SHORT, [w]), (IMAGE_LENGTH, SHORT, [h]), (BITS_PER_SAMPLE, SHORT, [8, 8, 8]),
            (COMPRESSION, SHORT, [1]), (PHOTOMETRIC, SHORT, [2]), (STRIP_OFFSETS, LONG, [Ref(strip)]),
            (SAMPLES_PER_PIXEL, SHORT, [3]), (ROWS_PER_STRIP, SHORT, [h]),
            (STRIP_BYTE_COUNTS, LONG, [Len(strip)]), (PLANAR_CONFIGURATION, SHORT, [1])]


RES_72DPI = [(X_RESOLUTION, RATIONAL, [(72, 1)]), (Y_RESOLUTION, RATIONAL, [(72, 1)]),
             (RESOLUTION_UNIT, SHORT, [2])]


def no_header(resolve):
    return b''


def make_dng(img):
    w, h = img.size
    a = np.asarray(img, dtype=np.uint16) * 257                 # 16-bit, full range
    bayer = np.empty((h, w), np.uint16)                        # RGGB: CFAPattern 0,1,1,2
    bayer[0::2, 0::2] = a[0::2, 0::2, 0]
    bayer[0::2, 1::2] = a[0::2, 1::2, 1]
    bayer[1::2, 0::2] = a[1::2, 0::2, 1]
    bayer[1::2, 1::2] = a[1::2, 1::2, 2]
    raw = bayer.astype('<u2').tobytes()
    ifd0 = Ifd('ifd0', [(NEW_SUBFILE_TYPE, LONG, [1])] + rgb_strip_tags(16, 12, 'thumb') + [
        (MAKE, ASCII, 'imgsim'), (MODEL, ASCII, 'synthetic'), (ORIENTATION, SHORT, [1]),
        (SUB_IFDS, LONG, [Ref('raw_ifd'), Ref('preview_ifd')]),
        (DNG_VERSION, BYTE, bytes([1, 4, 0, 0])), (UNIQUE_CAMERA_MODEL, ASCII, 'imgsim synthetic'),
        (COLOR_MATRIX_1, SRATIONAL, [(1, 1), (0, 1), (0, 1), (0, 1), (1, 1), (0, 1), (0, 1), (0, 1), (1, 1)])])
    raw_ifd = Ifd('raw_ifd', [
        (NEW_SUBFILE_TYPE, LONG, [0]), (IMAGE_WIDTH, SHORT, [w]), (IMAGE_LENGTH, SHORT, [h]),
        (BITS_PER_SAMPLE, SHORT, [16]), (COMPRESSION, SHORT, [1]), (PHOTOMETRIC, SHORT, [32803]),
        (STRIP_OFFSETS, LONG, [Ref('raw')]), (SAMPLES_PER_PIXEL, SHORT, [1]), (ROWS_PER_STRIP, SHORT, [h]),
        (STRIP_BYTE_COUNTS, LONG, [Len('raw')]), (PLANAR_CONFIGURATION, SHORT, [1]),
        (CFA_REPEAT_PATTERN_DIM, SHORT, [2, 2]), (CFA_PATTERN, BYTE, bytes([0, 1, 1, 2])),
        (CFA_PLANE_COLOR, BYTE, bytes([0, 1, 2])), (CFA_LAYOUT, SHORT, [1]), (WHITE_LEVEL, SHORT, [65535])])
    preview_ifd = Ifd('preview_ifd', [
        (NEW_SUBFILE_TYPE, LONG, [1]), (IMAGE_WIDTH, SHORT, [w]), (IMAGE_LENGTH, SHORT, [h]),
        (BITS_PER_SAMPLE, SHORT, [8, 8, 8]), (COMPRESSION, SHORT, [7]), (PHOTOMETRIC, SHORT, [6]),
        (STRIP_OFFSETS, LONG, [Ref('preview')]), (SAMPLES_PER_PIXEL, SHORT, [3]), (ROWS_PER_STRIP, SHORT, [h]),
        (STRIP_BYTE_COUNTS, LONG, [Len('preview')]), (PLANAR_CONFIGURATION, SHORT, [1]),
        (YCBCR_SUBSAMPLING, SHORT, [2, 2])])
    return build_tiff('<', no_header, [
        ifd0, raw_ifd, preview_ifd,
        ('thumb', rgb8(img.resize((16, 12), Image.LANCZOS))), ('preview', jpeg(img)), ('raw', raw)])


# Canon's RAW strip starts with a lossless JPEG (SOI, DHT..., SOF3); this stand-in has SOI and an
# SOF3 header (15 bits, 2 components, 65 x 97) and zeros after: a reader must not take it for a
# preview.
CR2_RAW_STANDIN = (b'\xff\xd8' + b'\xff\xc3' + struct.pack('>HBHHB', 14, 15, 97, 65, 2)
                   + bytes([1, 0x11, 0, 2, 0x11, 0]))
CR2_RAW_STANDIN += b'\0' * (64 - len(CR2_RAW_STANDIN))


def make_cr2(img):
    w, h = img.size
    ifd0 = Ifd('ifd0', [
        (IMAGE_WIDTH, SHORT, [w]), (IMAGE_LENGTH, SHORT, [h]), (BITS_PER_SAMPLE, SHORT, [8, 8, 8]),
        (COMPRESSION, SHORT, [6]), (MAKE, ASCII, 'Canon'), (MODEL, ASCII, 'synthetic'),
        (STRIP_OFFSETS, LONG, [Ref('preview')]), (ORIENTATION, SHORT, [6]),
        (STRIP_BYTE_COUNTS, LONG, [Len('preview')])] + RES_72DPI, next_ifd='ifd1')
    ifd1 = Ifd('ifd1', [
        (IMAGE_WIDTH, SHORT, [32]), (IMAGE_LENGTH, SHORT, [24]), (COMPRESSION, SHORT, [6]),
        (JPEG_IF, LONG, [Ref('thumb')]), (JPEG_IF_LENGTH, LONG, [Len('thumb')])] + RES_72DPI,
        next_ifd='ifd2')
    ifd2 = Ifd('ifd2', rgb_strip_tags(8, 6, 'rgb'), next_ifd='ifd3')
    ifd3 = Ifd('ifd3', [
        (IMAGE_WIDTH, SHORT, [w]), (IMAGE_LENGTH, SHORT, [h]), (COMPRESSION, SHORT, [6]),
        (STRIP_OFFSETS, LONG, [Ref('raw')]), (STRIP_BYTE_COUNTS, LONG, [Len('raw')]),
        (CR2_SLICE, SHORT, [1, 65, 65])])

    def cr2_header(resolve):   # bytes 8..15: "CR", major 2, minor 0, offset of the RAW IFD
        return b'CR\x02\x00' + struct.pack('<I', resolve(Ref('ifd3')))

    return build_tiff('<', cr2_header, [
        ifd0, ifd1, ifd2, ifd3,
        ('preview', jpeg(img)), ('thumb', jpeg(img.resize((32, 24), Image.LANCZOS))),
        ('rgb', rgb8(img.resize((8, 6), Image.LANCZOS))), ('raw', CR2_RAW_STANDIN)])


def raw_cfa_ifd(name, w, h, compression, strip):
    return Ifd(name, [
        (NEW_SUBFILE_TYPE, LONG, [0]), (IMAGE_WIDTH, SHORT, [w]), (IMAGE_LENGTH, SHORT, [h]),
        (BITS_PER_SAMPLE, SHORT, [12]), (COMPRESSION, SHORT, [compression]), (PHOTOMETRIC, SHORT, [32803]),
        (STRIP_OFFSETS, LONG, [Ref(strip)]), (SAMPLES_PER_PIXEL, SHORT, [1]), (ROWS_PER_STRIP, SHORT, [h]),
        (STRIP_BYTE_COUNTS, LONG, [Len(strip)]), (PLANAR_CONFIGURATION, SHORT, [1]),
        (CFA_REPEAT_PATTERN_DIM, SHORT, [2, 2]), (CFA_PATTERN, BYTE, bytes([0, 1, 1, 2]))])


def make_nef(img):
    w, h = img.size
    ifd0 = Ifd('ifd0', [(NEW_SUBFILE_TYPE, LONG, [1])] + rgb_strip_tags(16, 12, 'thumb') + [
        (MAKE, ASCII, 'NIKON CORPORATION'), (MODEL, ASCII, 'synthetic'), (ORIENTATION, SHORT, [1]),
        (SUB_IFDS, LONG, [Ref('preview_ifd'), Ref('raw_ifd')])] + RES_72DPI)
    preview_ifd = Ifd('preview_ifd', [
        (NEW_SUBFILE_TYPE, LONG, [1]), (IMAGE_WIDTH, SHORT, [w]), (IMAGE_LENGTH, SHORT, [h]),
        (COMPRESSION, SHORT, [6]), (JPEG_IF, LONG, [Ref('preview')]), (JPEG_IF_LENGTH, LONG, [Len('preview')]),
        (YCBCR_SUBSAMPLING, SHORT, [2, 2])] + RES_72DPI)
    return build_tiff('>', no_header, [
        ifd0, preview_ifd, raw_cfa_ifd('raw_ifd', w, h, 34713, 'raw'),
        ('thumb', rgb8(img.resize((16, 12), Image.LANCZOS))), ('preview', jpeg(img)), ('raw', b'\0' * 128)])


def make_arw(img):
    w, h = img.size
    ifd0 = Ifd('ifd0', [
        (NEW_SUBFILE_TYPE, LONG, [1]), (IMAGE_WIDTH, SHORT, [w]), (IMAGE_LENGTH, SHORT, [h]),
        (COMPRESSION, SHORT, [6]), (MAKE, ASCII, 'SONY'), (MODEL, ASCII, 'synthetic'),
        (ORIENTATION, SHORT, [8]), (SUB_IFDS, LONG, [Ref('raw_ifd')]),
        (JPEG_IF, LONG, [Ref('preview')]), (JPEG_IF_LENGTH, LONG, [Len('preview')])] + RES_72DPI,
        next_ifd='ifd1')
    ifd1 = Ifd('ifd1', [
        (NEW_SUBFILE_TYPE, LONG, [1]), (IMAGE_WIDTH, SHORT, [32]), (IMAGE_LENGTH, SHORT, [24]),
        (COMPRESSION, SHORT, [6]), (JPEG_IF, LONG, [Ref('thumb')]), (JPEG_IF_LENGTH, LONG, [Len('thumb')])]
        + RES_72DPI)
    return build_tiff('<', no_header, [
        ifd0, ifd1, raw_cfa_ifd('raw_ifd', w, h, 32767, 'raw'),
        ('preview', jpeg(img)), ('thumb', jpeg(img.resize((32, 24), Image.LANCZOS))), ('raw', b'\0' * 128)])


# name -> (maker, expected size of the largest JPEG as stored, its display size after Orientation)
FILES = {
    'rocket_preview.dng': (make_dng, (131, 97), (131, 97)),
    'rocket_preview.cr2': (make_cr2, (131, 97), (97, 131)),
    'rocket_preview.nef': (make_nef, (131, 97), (131, 97)),
    'rocket_preview.arw': (make_arw, (131, 97), (97, 131)),
}


def check(path, stored, shown):
    """Re-reads a file with Pillow's own TIFF IFD parser (not this writer), walks IFD0's chain and
    its SubIFDs, decodes every JPEG it finds and returns the largest one's (ifd, offset, length)."""
    data = path.read_bytes()
    fp = io.BytesIO(data)
    prefix = data[:4]
    assert prefix in (b'II*\0', b'MM\0*'), prefix
    big = prefix[:2] == b'MM'
    ifd0_off = struct.unpack('>I' if big else '<I', data[4:8])[0]
    seen, jpegs, todo = set(), [], [('IFD0', ifd0_off)]
    orientation = None
    while todo:
        label, off = todo.pop(0)
        assert off % 2 == 0 and off not in seen, (label, off)
        seen.add(off)
        ifd = TiffImagePlugin.ImageFileDirectory_v2(ifh=data[:8])
        fp.seek(off)
        ifd.load(fp)
        tags = list(ifd.keys())
        if label == 'IFD0':
            orientation = ifd.get(ORIENTATION)
        nxt = ifd.next
        if nxt:
            todo.append((f'IFD{int(label[3:]) + 1}' if label.startswith('IFD') else label + '+', nxt))
        subs = ifd.get(SUB_IFDS)
        if subs is not None:
            for i, s in enumerate(subs if isinstance(subs, tuple) else (subs,)):
                todo.append((f'{label}.SubIFD{i}', s))
        comp = ifd.get(COMPRESSION)
        if JPEG_IF in tags:
            start, length = ifd[JPEG_IF], ifd[JPEG_IF_LENGTH]
        elif comp in (6, 7) and STRIP_OFFSETS in tags:
            so, sc = ifd[STRIP_OFFSETS], ifd[STRIP_BYTE_COUNTS]
            start, length = (so[0] if isinstance(so, tuple) else so), (sc[0] if isinstance(sc, tuple) else sc)
        else:
            continue
        blob = data[start:start + length]
        if not blob.startswith(b'\xff\xd8') or b'\xff\xc3' in blob[:4]:
            continue      # not a baseline JPEG (CR2's lossless raw strip)
        im = Image.open(io.BytesIO(blob))
        im.load()
        assert blob.endswith(b'\xff\xd9') and im.format == 'JPEG', (label, start)
        assert im.size == (ifd[IMAGE_WIDTH], ifd[IMAGE_LENGTH]), (label, im.size)
        jpegs.append((im.size[0] * im.size[1], label, start, length, im.size))
    _, label, start, length, size = max(jpegs)
    assert size == stored, (path.name, size)
    turned = orientation in (5, 6, 7, 8)
    assert (size[::-1] if turned else size) == shown, (path.name, orientation)
    if path.suffix == '.cr2':
        assert data[8:12] == b'CR\x02\x00'
    return label, start, length, size, orientation, len(data)


def main():
    if '--check' not in sys.argv[1:]:
        img = Image.open(SOURCE).convert('RGB')
        assert img.size == (131, 97), img.size
        for name, (maker, _, _) in FILES.items():
            data, _, _ = maker(img)
            (FIXTURES / name).write_bytes(data)
    for name, (_, stored, shown) in FILES.items():
        label, start, length, size, orientation, total = check(FIXTURES / name, stored, shown)
        print(f'{name}: {total} bytes; largest JPEG {size[0]}x{size[1]} in {label} at offset {start}, '
              f'{length} bytes; Orientation {orientation} -> shown {shown[0]}x{shown[1]}')


if __name__ == '__main__':
    main()
