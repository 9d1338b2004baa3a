"""INT8 quantisation of an ONNX image model (ours or a user's), with ONNX Runtime's tools.

  python python/quantize.py models/image-similarity.onnx CALIB_DIR models/image-similarity-int8.onnx
  python python/quantize.py my.onnx photos/ my-int8.onnx --method percentile --size 224x224 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225

Static quantisation (QDQ, per-channel int8 weights, uint8 activations) calibrated on random
crops of the images in CALIB_DIR (drawn like real inputs: whole images and crops, resized the
way the library resizes), after onnxruntime's quant_pre_process. --float keeps a sensitive layer
in float (measured in docs/EDGE.md: for our model, quantising everything measured best). --dynamic makes a
dynamic-quantised model instead. The preprocessing metadata (metadata_props) is copied across.
"""
import argparse
import random
import sys
import tempfile
from pathlib import Path

import onnx
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quant_pre_process, quantize_dynamic, quantize_static)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from imgsim_model import data  # noqa: E402


class Crops(CalibrationDataReader):
    def __init__(self, folder, n, size, mean, std, input_name, seed=0):
        rng = random.Random(seed)
        photos = data.load_photos(folder, max_side=768)
        if not photos:
            raise SystemExit(f'no .jpg/.png images in {folder}')
        self.items = []
        for i in range(n):
            _, img = photos[i % len(photos)]
            if i < len(photos):
                view = img  # every whole image once
            else:
                view, _ = data.random_crop(img, rng, min_area=0.2, size=max(size))
            self.items.append({input_name: data.preprocess(view, size, mean, std)[None]})
        self.it = iter(self.items)

    def get_next(self):
        return next(self.it, None)

    def rewind(self):
        self.it = iter(self.items)


def sensitive_nodes(model):
    """Names of the first Conv, the last MatMul/Gemm and the last Conv: candidates to keep in float."""
    nodes = model.graph.node
    first = next((n.name for n in nodes if n.op_type == 'Conv'), None)
    last = next((n.name for n in reversed(nodes) if n.op_type in ('MatMul', 'Gemm')), None)
    head = next((n.name for n in reversed(nodes) if n.op_type == 'Conv'), None)
    return first, last, head


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('model')
    ap.add_argument('calibration_dir')
    ap.add_argument('output')
    ap.add_argument('--method', choices=['minmax', 'percentile', 'entropy'], default='percentile')
    ap.add_argument('--samples', type=int, default=256)
    ap.add_argument('--dynamic', action='store_true')
    ap.add_argument('--float', default='none', choices=['first', 'first,last', 'head', 'none'],
                    help='layers kept in float: the first conv, also the last projection, the last conv (head), or none')
    ap.add_argument('--percentile', type=float, default=99.999)
    ap.add_argument('--size', help='WxH, if the model has no imgsim metadata')
    ap.add_argument('--mean')
    ap.add_argument('--std')
    a = ap.parse_args()
    src = onnx.load(a.model)
    meta = {p.key: p.value for p in src.metadata_props}
    if a.size:
        w, h = (int(v) for v in a.size.lower().split('x'))
    else:
        w, h = int(meta['imgsim.input_width']), int(meta['imgsim.input_height'])
    mean = tuple(float(v) for v in (a.mean or meta.get('imgsim.mean', '0.485,0.456,0.406')).split(','))
    std = tuple(float(v) for v in (a.std or meta.get('imgsim.std', '0.229,0.224,0.225')).split(','))
    input_name = src.graph.input[0].name
    with tempfile.TemporaryDirectory() as tmp:
        pre = str(Path(tmp) / 'pre.onnx')
        quant_pre_process(a.model, pre, skip_symbolic_shape=True)
        out = str(Path(tmp) / 'q.onnx')
        if a.dynamic:
            quantize_dynamic(pre, out, weight_type=QuantType.QInt8, per_channel=True)
        else:
            method = {'minmax': CalibrationMethod.MinMax, 'percentile': CalibrationMethod.Percentile,
                      'entropy': CalibrationMethod.Entropy}[a.method]
            first, last, head = sensitive_nodes(onnx.load(pre))
            exclude = {'first': [first], 'first,last': [first, last], 'head': [head], 'none': []}[a.float]
            print(f'calibrating on {a.samples} views of {a.calibration_dir} ({a.method}); float: {exclude}')
            extra = {'CalibPercentile': a.percentile} if a.method == 'percentile' else {}
            quantize_static(pre, out, Crops(a.calibration_dir, a.samples, (w, h), mean, std, input_name),
                            quant_format=QuantFormat.QDQ, per_channel=True, activation_type=QuantType.QUInt8,
                            weight_type=QuantType.QInt8, calibrate_method=method, nodes_to_exclude=exclude,
                            extra_options=extra)
        q = onnx.load(out)
    del q.metadata_props[:]
    for k, v in meta.items():
        p = q.metadata_props.add()
        p.key, p.value = k, v
    p = q.metadata_props.add()
    p.key, p.value = 'imgsim.quantization', ('dynamic int8' if a.dynamic else
                                             f'static QDQ int8 per-channel, {a.method} calibration on {a.samples} views')
    if 'imgsim.model_name' in meta:
        q.metadata_props[[m.key for m in q.metadata_props].index('imgsim.model_name')].value = meta['imgsim.model_name'] + '-int8'
    onnx.save_model(q, a.output, save_as_external_data=False)
    print(f'wrote {a.output}: {Path(a.output).stat().st_size / 1e6:.1f} MB (from {Path(a.model).stat().st_size / 1e6:.1f} MB)')


if __name__ == '__main__':
    main()
