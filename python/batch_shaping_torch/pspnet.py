"""PSPNet (Zhao et al., CVPR 2017) on a dilated, optionally gated ResNet (output stride 8); twin of
src/models/pspnet.ts. Head: pyramid pooling over bins 1, 2, 3, 6 (adaptive average pool -> 1x1 conv C -> C/4 ->
BN -> ReLU -> bilinear back to the feature size), concat, 3x3 conv -> 512 -> BN -> ReLU -> dropout -> 1x1 conv
(bias) -> bilinear to the input size. Only the backbone is gated.

Bilinear resizing reproduces tfjs's tf.image.resizeBilinear(alignCorners=false, halfPixelCenters=false), which
the TypeScript model uses: source coordinate = dst * in/out (no half-pixel offset), so the two stay twins. This
is not torch's F.interpolate(align_corners=False), which samples at (dst + 0.5) * in/out - 0.5.
"""

import torch
import torch.nn.functional as F
from torch import nn

from .resnet import ResNetBackbone, init_weights, scaled

PSP_BINS = (1, 2, 3, 6)


def _axis_weights(n_in: int, n_out: int, device, dtype):
    """Indices (lo, hi) and fraction of tfjs's legacy bilinear sampling along one axis."""
    scale = n_in / n_out
    src = torch.arange(n_out, device=device, dtype=torch.float64) * scale
    lo = torch.floor(src).clamp(min=0)
    frac = (src - lo).to(dtype)
    hi = torch.clamp(torch.ceil(src), max=n_in - 1)
    return lo.long(), hi.long(), frac


def resize_bilinear_tfjs(x: torch.Tensor, size) -> torch.Tensor:
    """x [N, C, h, w] -> [N, C, H, W] as tf.image.resizeBilinear(x, [H, W], false, false); differentiable."""
    _, _, h, w = x.shape
    oh, ow = size
    y0, y1, fy = _axis_weights(h, oh, x.device, x.dtype)
    x0, x1, fx = _axis_weights(w, ow, x.device, x.dtype)
    top = x[:, :, y0, :]
    bottom = x[:, :, y1, :]
    rows = top + (bottom - top) * fy[None, None, :, None]  # [N, C, H, w]
    left = rows[:, :, :, x0]
    right = rows[:, :, :, x1]
    return left + (right - left) * fx[None, None, None, :]


class _ConvBn(nn.Module):
    def __init__(self, cin, cout, k, eps, mom):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=(k - 1) // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=eps, momentum=mom)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class PSPNet(nn.Module):
    """forward returns (logits [N, classes, H, W] at the input size, gates)."""

    def __init__(self, spec: dict, config: dict):
        super().__init__()
        if spec["stem"] != "imagenet":
            raise ValueError(f"PSPNet: needs an ImageNet-style backbone; got '{spec['stem']}'")
        self.config = dict(config)
        eps, mom = config["bnEpsilon"], config["bnMomentum"]
        self.backbone = ResNetBackbone(spec, config, (False, False, True, True), prefix="backbone.")
        c = self.backbone.out_channels
        reduced = max(1, int(c / len(PSP_BINS) + 0.5))
        self.ppm = nn.ModuleList([_ConvBn(c, reduced, 1, eps, mom) for _ in PSP_BINS])
        head = scaled(512, config["widthMultiplier"])
        self.bottleneck = _ConvBn(c + reduced * len(PSP_BINS), head, 3, eps, mom)
        self.classifier = nn.Conv2d(head, config["numClasses"], 1)
        self.dropout = config["dropout"]
        init_weights(self)
        # Conv2d's default bias init is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as the TypeScript classifier's.

    def forward(self, x: torch.Tensor, gate_threshold: float = 0.5):
        gates: list = []
        features = self.backbone(x, gates, gate_threshold)  # [N, C, h, w], h = H/8
        h, w = features.shape[2:]
        branches = [resize_bilinear_tfjs(ppm(F.adaptive_avg_pool2d(features, b)), (h, w))
                    for b, ppm in zip(PSP_BINS, self.ppm)]
        y = self.bottleneck(torch.cat([features, *branches], dim=1))
        if self.training and self.dropout > 0:
            y = F.dropout(y, self.dropout, training=True)
        logits = self.classifier(y)
        return resize_bilinear_tfjs(logits, tuple(x.shape[2:])), gates

    def gate_names(self) -> list:
        return self.backbone.gate_names()
