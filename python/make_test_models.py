"""Writes the tiny ONNX models the reliability tests use (java/imgsim/src/test/resources/models/):
valid ones (fast stand-ins for concurrency tests) and deliberately wrong ones.

  python python/make_test_models.py
"""
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = Path(__file__).resolve().parents[1] / 'java' / 'src' / 'test' / 'resources' / 'models'


def model(name, inputs, outputs, nodes, inits=(), meta=None):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)], producer_name='imgsim tests')
    m.ir_version = 8
    for k, v in (meta or {}).items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(m)
    onnx.save(m, OUT / f'{name}.onnx')


def tiny_embedder(name, dims, meta=None):
    """conv 3->8 (3x3, stride 2) -> relu -> global average & max pool -> [N, 16]"""
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.normal(0, 0.3, (8, 3, 3, 3)).astype(np.float32), 'w')
    nodes = [helper.make_node('Conv', ['input', 'w'], ['c'], strides=[2, 2], pads=[1, 1, 1, 1]),
             helper.make_node('Relu', ['c'], ['r']),
             helper.make_node('GlobalAveragePool', ['r'], ['a']),
             helper.make_node('GlobalMaxPool', ['r'], ['m']),
             helper.make_node('Concat', ['a', 'm'], ['cat'], axis=1),
             helper.make_node('Flatten', ['cat'], ['output'], axis=1)]
    model(name, [helper.make_tensor_value_info('input', TensorProto.FLOAT, dims)],
          [helper.make_tensor_value_info('output', TensorProto.FLOAT, [dims[0], 16])], nodes, [w], meta)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    good = {'imgsim.input_width': '32', 'imgsim.input_height': '24', 'imgsim.mean': '0.5,0.5,0.5', 'imgsim.std': '0.5,0.5,0.5'}
    tiny_embedder('tiny', ['batch', 3, 'height', 'width'], good)                  # valid, dynamic, with metadata
    tiny_embedder('tiny-no-size', ['batch', 3, 'height', 'width'])                # dynamic, no metadata: size needed
    tiny_embedder('tiny-fixed', [1, 3, 32, 32])                                   # fixed size, batch 1
    tiny_embedder('bad-metadata', ['batch', 3, 'height', 'width'],
                  {'imgsim.input_width': '-5', 'imgsim.input_height': 'abc', 'imgsim.mean': 'a,b,c'})
    tiny_embedder('bad-std', ['batch', 3, 'height', 'width'], dict(good, **{'imgsim.std': '0.5,0,0.5'}))
    tiny_embedder('bad-channel-order', ['batch', 3, 'height', 'width'], dict(good, **{'imgsim.channel_order': 'BGR'}))
    # wrong input rank, channel count, dtype; output not [N, D]
    ident = lambda i, o: [helper.make_node('Identity', [i], [o])]
    model('rank3-input', [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['n', 3, 32])],
          [helper.make_tensor_value_info('output', TensorProto.FLOAT, ['n', 3, 32])], ident('input', 'output'))
    model('one-channel', [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['n', 1, 32, 32])],
          [helper.make_tensor_value_info('output', TensorProto.FLOAT, ['n', 1])],
          [helper.make_node('ReduceMean', ['input'], ['output'], axes=[2, 3], keepdims=0)])
    model('int64-input', [helper.make_tensor_value_info('input', TensorProto.INT64, ['n', 3, 32, 32])],
          [helper.make_tensor_value_info('output', TensorProto.INT64, ['n', 3, 32, 32])], ident('input', 'output'))
    model('output-4d', [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['n', 3, 32, 32])],
          [helper.make_tensor_value_info('output', TensorProto.FLOAT, ['n', 3, 1, 1])],
          [helper.make_node('GlobalAveragePool', ['input'], ['output'])])
    for p in sorted(OUT.glob('*.onnx')):
        print(p.name, p.stat().st_size, 'bytes')


if __name__ == '__main__':
    main()
