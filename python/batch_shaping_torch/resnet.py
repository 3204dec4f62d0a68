"""ResNets for CIFAR (3x3 stem, stages 16/32/64) and ImageNet (7x7 stem + max pool, stages 64..512), with
optional channel gating in every residual block; twin of src/models/resnet.ts. Parameter names follow
torchvision ('layer1.0.conv1.weight'). Dilation (replace_stride_with_dilation) serves the PSPNet backbones.
"""

import math

import torch
from torch import nn

from .blocks import BasicBlock, Bottleneck

STAGE_PLANES = {"cifar": [16, 32, 64], "imagenet": [64, 128, 256, 512]}


def scaled(channels: int, width_multiplier: float) -> int:
    """Channel count after the width multiplier (at least 1); rounds half away from zero like Math.round."""
    return max(1, int(math.floor(channels * width_multiplier + 0.5)))


def block_options(config: dict) -> dict:
    return dict(gated=config["gating"] == "channel", gate_bias_init=config["gateBiasInit"],
                gate_hidden=config["gateHidden"], gate_tau=config["gateTau"], bn_momentum=config["bnMomentum"],
                bn_epsilon=config["bnEpsilon"], zero_init_residual=config["zeroInitResidual"])


class ResNetBackbone(nn.Module):
    """Stem and residual stages: x [N, 3, H, W] -> features [N, C, H/os, W/os] (conv1, bn1, layer1..layerK)."""

    def __init__(self, spec: dict, config: dict, dilate_stages=(), prefix: str = ""):
        super().__init__()
        planes = STAGE_PLANES[spec["stem"]]
        w = config["widthMultiplier"]
        eps, mom = config["bnEpsilon"], config["bnMomentum"]
        self.stem = spec["stem"]
        cin = scaled(planes[0], w)
        if self.stem == "cifar":
            self.conv1 = nn.Conv2d(config["inputChannels"], cin, 3, stride=1, padding=1, bias=False)
        else:
            self.conv1 = nn.Conv2d(config["inputChannels"], cin, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(cin, eps=eps, momentum=mom)
        opts = block_options(config)
        block_cls = BasicBlock if spec["block"] == "basic" else Bottleneck
        shortcut = config["shortcut"] if self.stem == "cifar" else "B"
        dilation = 1
        for s, count in enumerate(spec["layers"]):
            stride = 1 if s == 0 else 2
            previous = dilation
            if s < len(dilate_stages) and dilate_stages[s]:
                dilation *= stride
                stride = 1
            blocks = []
            for b in range(count):
                args = (cin, scaled(planes[s], w), stride if b == 0 else 1, previous if b == 0 else dilation, shortcut,
                        opts)
                block = block_cls(*args) if block_cls is BasicBlock else block_cls(*args, config["gatePosition"])
                if block.gate is not None:
                    block.gate.gate_name = f"{prefix}layer{s + 1}.{b}.gate"
                blocks.append(block)
                cin = block.out_channels
            self.add_module(f"layer{s + 1}", nn.ModuleList(blocks))
        self.num_stages = len(spec["layers"])
        self.out_channels = cin
        self.maxpool = nn.MaxPool2d(3, 2, 1) if self.stem == "imagenet" else None

    def forward(self, x: torch.Tensor, gates: list, threshold: float = 0.5) -> torch.Tensor:
        h = torch.relu(self.bn1(self.conv1(x)))
        if self.maxpool is not None:
            h = self.maxpool(h)
        for s in range(self.num_stages):
            for block in getattr(self, f"layer{s + 1}"):
                h = block(h, gates, threshold)
        return h

    def gate_names(self) -> list:
        return [b.gate.gate_name for s in range(self.num_stages) for b in getattr(self, f"layer{s + 1}")
                if b.gate is not None]


def init_weights(model: nn.Module) -> None:
    """torchvision's init: conv kaiming normal (fan_out, ReLU); linear layers keep nn.Linear's default."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")


class ResNet(ResNetBackbone):
    """Image classifier: backbone -> global average pool -> fc (names as torchvision: 'conv1', 'layer1', 'fc').
    forward returns (logits [N, classes], gates)."""

    def __init__(self, spec: dict, config: dict):
        super().__init__(spec, config)
        self.config = dict(config)
        self.fc = nn.Linear(self.out_channels, config["numClasses"])
        init_weights(self)

    def forward(self, x: torch.Tensor, gate_threshold: float = 0.5):
        gates: list = []
        features = super().forward(x, gates, gate_threshold)
        return self.fc(features.mean(dim=(2, 3))), gates
