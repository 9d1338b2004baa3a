"""Quantisation-aware fine-tuning for the INT8 model (distillation toward the FP32 model).

  python python/qat.py OUT.onnx [--steps 200]
  python python/quantize.py OUT.onnx .cache/data/train models/image-similarity-int8.onnx

Post-training quantisation of the shipped encoder reaches a mean cosine of ~0.987 to the FP32
embeddings (docs/EDGE.md). This script fine-tunes a copy of the encoder so that *its quantised
version* reproduces the *unchanged FP32 model's* embeddings: every convolution sees int8
per-channel weights and uint8 per-tensor inputs (fake quantisation with a straight-through
gradient, ranges from a percentile calibration like onnxruntime's), as do the residual sums; the
loss is 1 - cosine(student_int8(x), fp32(x)) on random crops of the calibration (training)
photos. The result is exported as an FP32 ONNX file with the same metadata, which quantize.py
then quantises with onnxruntime as usual. The shipped FP32 model is not changed.
"""
import argparse
import random
import sys
import time
import types
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import export as ex  # noqa: E402
from imgsim_model import data  # noqa: E402


class FakeQuant:
    """uint8 asymmetric per-tensor fake quantisation with a fixed range (straight-through)."""

    def __init__(self, lo, hi):
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        self.scale = max(hi - lo, 1e-8) / 255.0
        self.zero = float(round(-lo / self.scale))

    def __call__(self, x):
        q = torch.clamp(torch.round(x / self.scale) + self.zero, 0, 255)
        xq = (q - self.zero) * self.scale
        return x + (xq - x).detach()


def fq_weight(w):
    """int8 symmetric per-output-channel fake quantisation (straight-through)."""
    s = w.detach().abs().flatten(1).amax(1).clamp(min=1e-12) / 127.0
    s = s.view(-1, *([1] * (w.dim() - 1)))
    wq = torch.clamp(torch.round(w / s), -127, 127) * s
    return w + (wq - w).detach()


def quant_points(enc):
    """(name, module, kind): conv inputs, residual-branch outputs and block outputs, the head output."""
    net = enc.features.net
    pts = [(n, m, 'in') for n, m in net.named_modules() if isinstance(m, torch.nn.Conv2d)]
    for n, b in net._blocks.named_children():
        if b.id_skip and b._block_args.stride == 1 and b._block_args.input_filters == b._block_args.output_filters:
            pts.append((f'_blocks.{n}._bn2', b._bn2, 'out'))
            pts.append((f'_blocks.{n}', b, 'out'))
    pts.append(('features', enc.features, 'out'))
    return pts


def calibrate(enc, batches, percentile=99.999):
    """Per quantisation point, the (percentile low, percentile high) of its values."""
    samples = {}
    hooks = []
    for name, m, kind in quant_points(enc):
        def grab(t, name=name):
            flat = t.detach().flatten()
            idx = torch.randint(0, flat.numel(), (min(flat.numel(), 200_000),))
            samples.setdefault(name, []).append(flat[idx])
        if kind == 'in':
            hooks.append(m.register_forward_pre_hook(lambda mod, args, g=grab: g(args[0])))
        else:
            hooks.append(m.register_forward_hook(lambda mod, args, out, g=grab: g(out)))
    with torch.no_grad():
        for x in batches:
            enc(x)
    for h in hooks:
        h.remove()
    q = torch.tensor([1 - percentile / 100, percentile / 100])
    return {n: tuple(torch.quantile(torch.cat(v).float(), q).tolist()) for n, v in samples.items()}


def install_fake_quant(enc, ranges):
    hooks = []
    for name, m, kind in quant_points(enc):
        fq = FakeQuant(*ranges[name])
        if kind == 'in':
            hooks.append(m.register_forward_pre_hook(lambda mod, args, fq=fq: (fq(args[0]),) + tuple(args[1:])))
        else:
            hooks.append(m.register_forward_hook(lambda mod, args, out, fq=fq: fq(out)))
    convs = [m for _, m, kind in quant_points(enc) if kind == 'in']
    for m in convs:  # an instance attribute shadows the class's forward until removed
        m.forward = types.MethodType(_quantised_conv_forward, m)
    return hooks, convs


def _quantised_conv_forward(self, x):
    return ex.nets._same_pad_forward(_WeightView(self, fq_weight(self.weight)), x)


class _WeightView:
    """The conv's attributes with a replaced weight (for nets._same_pad_forward)."""

    def __init__(self, conv, weight):
        self.weight, self.bias = weight, conv.bias
        self.stride, self.dilation, self.groups = conv.stride, conv.dilation, conv.groups


def remove_fake_quant(hooks, convs):
    for h in hooks:
        h.remove()
    for m in convs:
        del m.forward


def views(photos, rng, n, size):
    out = []
    for _ in range(n):
        _, img = rng.choice(photos)
        view = img if rng.random() < 0.15 else data.random_crop(img, rng, min_area=0.1, size=size)[0]
        if rng.random() < 0.5:
            view = view.transpose(0)  # mirror
        out.append(torch.from_numpy(data.preprocess(view, size)))
    return torch.stack(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('output')
    ap.add_argument('--data', default=str(data.CACHE / 'train'))
    ap.add_argument('--steps', type=int, default=200)
    ap.add_argument('--batch', type=int, default=12)
    ap.add_argument('--lr', type=float, default=2e-5)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--model', default='v2', choices=['v2', 'transfer'], help='which trained encoder (export.py candidates)')
    ap.add_argument('--size', type=int, default=None, help='input size (default: the candidate\'s)')
    a = ap.parse_args()
    size = a.size or ex.CANDIDATES[a.model]['size']
    data.seed_all(a.seed)
    rng = random.Random(a.seed)
    teacher = ex.build_encoder(a.model)
    student = ex.build_encoder(a.model)
    for p in teacher.parameters():
        p.requires_grad_(False)
    photos = data.load_photos(a.data, max_side=768)
    print(f'{len(photos)} photos; calibrating', flush=True)
    ranges = calibrate(teacher, [views(photos, rng, 16, size) for _ in range(8)])
    hooks, convs = install_fake_quant(student, ranges)
    params = [m.weight for m in convs]
    for p in student.parameters():
        p.requires_grad_(False)
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.Adam(params, lr=a.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.steps)
    student.eval()  # batch-norm statistics stay those of the FP32 model
    held = views(photos, random.Random(12345), 48, size)
    with torch.no_grad():
        held_ref = teacher(held)

    def held_cos():
        with torch.no_grad():
            return float((student(held) * held_ref).sum(1).mean())

    print(f'start: held-out crops, cosine(fake-int8 student, fp32) = {held_cos():.4f}', flush=True)
    t0 = time.time()
    for step in range(1, a.steps + 1):
        x = views(photos, rng, a.batch, size)
        with torch.no_grad():
            ref = teacher(x)
        loss = (1 - (student(x) * ref).sum(1)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 25 == 0 or step == a.steps:
            print(f'step {step}/{a.steps} loss {loss.item():.4f} held-out cosine {held_cos():.4f} '
                  f'({time.time() - t0:.0f} s)', flush=True)
    remove_fake_quant(hooks, convs)
    for p in student.parameters():
        p.requires_grad_(False)
    meta = ex.metadata(a.model, 512, size)
    meta['imgsim.description'] += '; weights fine-tuned quantisation-aware toward the FP32 model, for INT8 (python/qat.py)'
    ex.export(student.eval(), a.output, meta)


if __name__ == '__main__':
    main()
