"""Residual blocks with an optional ChannelGate, twin of src/models/blocks/ (NCHW here, NHWC there).

BasicBlock: h = ReLU(BN1(conv1(x))); h = h * g; y = ReLU(BN2(conv2(h)) + shortcut(x)).
Bottleneck (torchvision v1.5, stride on the 3x3): the gate multiplies conv1's output ('conv1', the paper's) or
conv2's ('conv2'); the gate always sees the block input. Shortcuts are never gated: identity, option A
(x[:, :, ::s, ::s] then zero channels on both sides) or option B (1x1 conv + BN, 'downsample.0/1').
"""

import torch
import torch.nn.functional as F
from torch import nn

from .gate import ChannelGate


class GateRecord(dict):
    """{'name', 'logits', 'probs', 'mask'} of one gated block, in forward order."""


class Shortcut(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int, kind: str, bn_momentum: float,
                 bn_epsilon: float):
        super().__init__()
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride
        self.kind = "identity" if stride == 1 and in_channels == out_channels else kind
        if self.kind == "A" and out_channels < in_channels:
            raise ValueError(f"Shortcut: option A cannot reduce channels {in_channels} -> {out_channels}")

    def forward(self, x: torch.Tensor, downsample) -> torch.Tensor:
        if self.kind == "identity":
            return x
        if self.kind == "B":
            return downsample(x)
        sub = x[:, :, :: self.stride, :: self.stride] if self.stride > 1 else x
        extra = self.out_channels - self.in_channels
        left = extra // 2
        return F.pad(sub, (0, 0, 0, 0, left, extra - left))  # pads channels (dim 1)


def _conv(cin: int, cout: int, k: int, stride: int = 1, dilation: int = 1, pad=None) -> nn.Conv2d:
    p = dilation * (k - 1) // 2 if pad is None else pad
    return nn.Conv2d(cin, cout, k, stride=stride, padding=p, dilation=dilation, bias=False)


class _Block(nn.Module):
    def _make_shortcut(self, in_channels, out_channels, stride, kind, bn):
        self.shortcut = Shortcut(in_channels, out_channels, stride, kind, **bn)
        if self.shortcut.kind == "B":
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels, eps=bn["bn_epsilon"], momentum=bn["bn_momentum"]))
        else:
            self.downsample = None

    def _make_gate(self, in_channels, gated, opts):
        self.gate = None
        if opts["gated"]:
            self.gate = ChannelGate(in_channels, gated, hidden=opts["gate_hidden"], bias_init=opts["gate_bias_init"],
                                    tau=opts["gate_tau"], bn_momentum=opts["bn_momentum"],
                                    bn_epsilon=opts["bn_epsilon"])

    def _gated(self, x, h, gates, threshold):
        logits, probs, mask = self.gate(x, threshold)
        gates.append(GateRecord(name=self.gate.gate_name, logits=logits, probs=probs, mask=mask))
        return h * mask[:, :, None, None]


class BasicBlock(_Block):
    expansion = 1

    def __init__(self, in_channels, planes, stride, dilation, shortcut, opts):
        super().__init__()
        bn = dict(bn_momentum=opts["bn_momentum"], bn_epsilon=opts["bn_epsilon"])
        self.out_channels = planes
        self.conv1 = _conv(in_channels, planes, 3, stride, dilation)
        self.bn1 = nn.BatchNorm2d(planes, eps=opts["bn_epsilon"], momentum=opts["bn_momentum"])
        self.conv2 = _conv(planes, planes, 3, 1, dilation)
        self.bn2 = nn.BatchNorm2d(planes, eps=opts["bn_epsilon"], momentum=opts["bn_momentum"])
        if opts["zero_init_residual"]:
            nn.init.zeros_(self.bn2.weight)
        self._make_shortcut(in_channels, planes, stride, shortcut, bn)
        self._make_gate(in_channels, planes, opts)

    def forward(self, x, gates, threshold=0.5):
        h = torch.relu(self.bn1(self.conv1(x)))
        if self.gate is not None:
            h = self._gated(x, h, gates, threshold)
        y = self.bn2(self.conv2(h))
        return torch.relu(y + self.shortcut(x, self.downsample))


class Bottleneck(_Block):
    expansion = 4

    def __init__(self, in_channels, planes, stride, dilation, shortcut, opts, gate_position="conv1"):
        super().__init__()
        bn = dict(bn_momentum=opts["bn_momentum"], bn_epsilon=opts["bn_epsilon"])
        eps, mom = opts["bn_epsilon"], opts["bn_momentum"]
        self.gate_position = gate_position
        self.out_channels = planes * self.expansion
        self.conv1 = _conv(in_channels, planes, 1, pad=0)
        self.bn1 = nn.BatchNorm2d(planes, eps=eps, momentum=mom)
        self.conv2 = _conv(planes, planes, 3, stride, dilation)
        self.bn2 = nn.BatchNorm2d(planes, eps=eps, momentum=mom)
        self.conv3 = _conv(planes, self.out_channels, 1, pad=0)
        self.bn3 = nn.BatchNorm2d(self.out_channels, eps=eps, momentum=mom)
        if opts["zero_init_residual"]:
            nn.init.zeros_(self.bn3.weight)
        self._make_shortcut(in_channels, self.out_channels, stride, shortcut, bn)
        self._make_gate(in_channels, planes, opts)

    def forward(self, x, gates, threshold=0.5):
        h = torch.relu(self.bn1(self.conv1(x)))
        if self.gate is not None and self.gate_position == "conv1":
            h = self._gated(x, h, gates, threshold)
        h = torch.relu(self.bn2(self.conv2(h)))
        if self.gate is not None and self.gate_position == "conv2":
            h = self._gated(x, h, gates, threshold)
        y = self.bn3(self.conv3(h))
        return torch.relu(y + self.shortcut(x, self.downsample))
