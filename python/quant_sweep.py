"""Exploration behind docs/EDGE.md: does keeping one layer in float help the INT8 model?

  python python/quant_sweep.py [MODEL.onnx] [--max-nodes N]

Calibrates once (percentile 99.999, 256 views of the training photos, cached in
.cache/quant-sweep/), quantises the model with all layers int8, then once per convolution or
residual sum with that node kept in float, and prints the mean / min cosine to the FP32
embeddings over the 44 evaluation photos and 5 transformed copies of each (264 images).
Slow: ~10 s per node on 2 cores.
"""
import argparse
import re
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from PIL import Image
from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quant_pre_process, quantize_static

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evaluate as ev  # noqa: E402
import quantize as qz  # noqa: E402
from imgsim_model import data  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('model', nargs='?', default=str(data.ROOT / 'models' / 'image-similarity.onnx'))
    ap.add_argument('--max-nodes', type=int, default=0, help='stop after this many nodes (0: all)')
    a = ap.parse_args()
    work = data.ROOT / '.cache' / 'quant-sweep'
    work.mkdir(parents=True, exist_ok=True)
    pre, cache = str(work / 'pre.onnx'), work / 'calibration.json'
    quant_pre_process(a.model, pre, skip_symbolic_shape=True)
    size, mean, std = (224, 224), data.MEAN, data.STD
    reader = None if cache.exists() else qz.Crops(data.CACHE / 'train', 256, size, mean, std, 'input')

    def quant(out, exclude=()):
        quantize_static(pre, out, reader, quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.Percentile, nodes_to_exclude=list(exclude),
                        extra_options={'CalibPercentile': 99.999}, calibration_cache_path=str(cache))

    originals = [data.to_rgb(Image.open(ev.EVAL / n)) for n in ev.ORIGINALS]
    for im in originals:
        im.thumbnail((1024, 1024), Image.BILINEAR)
    imgs = list(originals) + [f(im) for im in originals for f in list(ev.TRANSFORMS.values())[::2]]
    x = np.stack([data.preprocess(im, size, mean, std) for im in imgs])

    def embed(path):
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        s = ort.InferenceSession(str(path), so, providers=['CPUExecutionProvider'])
        e = np.concatenate([s.run(['output'], {'input': x[i:i + 32]})[0] for i in range(0, len(x), 32)])
        return e / np.linalg.norm(e, axis=1, keepdims=True)

    ref = embed(a.model)

    def score(path):
        c = (embed(path) * ref).sum(1)
        return f'{c.mean():.4f} / {c.min():.4f}'

    out = str(work / 'q.onnx')
    quant(out)
    reader = None
    print(f'{len(x)} images; all int8: cosine mean / min {score(out)}', flush=True)
    # convolutions and residual sums (the other Add nodes compute the stride-2 "same" padding)
    nodes = [n.name for n in onnx.load(pre).graph.node
             if n.op_type == 'Conv' or (n.op_type == 'Add' and re.fullmatch(r'.*/_blocks\.\d+/Add', n.name))]
    for name in nodes[:a.max_nodes or None]:
        quant(out, exclude=[name])
        print(f'{name} in float: {score(out)}', flush=True)


if __name__ == '__main__':
    main()
