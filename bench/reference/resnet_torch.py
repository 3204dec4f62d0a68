"""PyTorch reference for bench/backends.ts (CPU) and bench/gpu (CUDA, fp32 or tf32): training-step throughput of the same CIFAR ResNet
(He et al. 2016, section 4.2: 3 stages of 16/32/64 channels, 6n+2 layers) that batch-shaping builds,
dense or channel-gated like our BasicBlock (gate: GAP -> fc 16 -> BN -> ReLU -> fc, Gumbel noise,
straight-through hard threshold). Also torchvision's ResNet-18 layout (--arch resnet18). Prints one JSON line. Run with Debian's python3
(python3-torch) here, or the GPU machine's python3.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Gate(nn.Module):
    def __init__(self, c_in, c_out, hidden=16):
        super().__init__()
        self.fc1 = nn.Linear(c_in, hidden, bias=False)
        self.bn = nn.BatchNorm1d(hidden)
        self.fc2 = nn.Linear(hidden, c_out)
        nn.init.constant_(self.fc2.bias, 3.0)

    def forward(self, x):
        logits = self.fc2(F.relu(self.bn(self.fc1(x.mean((2, 3))))))
        u = torch.rand_like(logits).clamp(1e-6, 1 - 1e-6)
        soft = torch.sigmoid((logits + torch.log(u) - torch.log1p(-u)) / (2 / 3))
        hard = (soft > 0.5).float()
        return hard + soft - soft.detach()


class ShortcutA(nn.Module):
    """He et al. 2016's CIFAR option A: stride-2 subsampling and zero-padded channels (no parameters)."""

    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.stride, self.pad = stride, c_out - c_in

    def forward(self, x):
        x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, 0, self.pad))


class BasicBlock(nn.Module):
    def __init__(self, c_in, c_out, stride, gated, shortcut="A"):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.gate = Gate(c_in, c_out) if gated else None
        self.shortcut = None
        if (stride != 1 or c_in != c_out) and shortcut == "A":
            self.shortcut = ShortcutA(c_in, c_out, stride)
        elif stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        if self.gate is not None:
            h = h * self.gate(x)[:, :, None, None]
        s = x if self.shortcut is None else self.shortcut(x)
        return F.relu(self.bn2(self.conv2(h)) + s)


class ImageNetResNet18(nn.Module):
    """torchvision's ResNet-18 layout (7x7 stem, max pool, 4 stages of 2 BasicBlocks, projection shortcuts)."""

    def __init__(self, gated, num_classes=1000):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)
        )
        layers, c_in = [], 64
        for i, c in enumerate([64, 128, 256, 512]):
            for j in range(2):
                layers.append(BasicBlock(c_in, c, 2 if (i > 0 and j == 0) else 1, gated, "B"))
                c_in = c
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        return self.fc(self.layers(self.stem(x)).mean((2, 3)))


class CifarResNet(nn.Module):
    def __init__(self, depth, gated, shortcut="A", num_classes=10):
        super().__init__()
        n = (depth - 2) // 6
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        layers, c_in = [], 16
        for i, c in enumerate([16, 32, 64]):
            for j in range(n):
                layers.append(BasicBlock(c_in, c, 2 if (i > 0 and j == 0) else 1, gated, shortcut))
                c_in = c
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        return self.fc(self.layers(self.stem(x)).mean((2, 3)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", choices=["cifar", "resnet18"], default="cifar")
    p.add_argument("--depth", type=int, default=20, help="CIFAR ResNet depth (6n+2)")
    p.add_argument("--size", type=int, default=None, help="input side (default 32 CIFAR, 224 ResNet-18)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--precision", choices=["fp32", "tf32"], default="fp32", help="CUDA matmul/conv precision")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--gated", action="store_true")
    p.add_argument("--shortcut", choices=["A", "B"], default="A")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cuda = a.device.startswith("cuda")
    if cuda:
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = a.precision == "tf32"
        torch.backends.cudnn.allow_tf32 = a.precision == "tf32"
    if a.arch == "cifar":
        model, classes, size = CifarResNet(a.depth, a.gated, a.shortcut), 10, a.size or 32
    else:
        model, classes, size = ImageNetResNet18(a.gated), 1000, a.size or 224
    model = model.to(a.device)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(a.batch, 3, size, size, device=a.device)
    y = torch.randint(0, classes, (a.batch,), device=a.device)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(3):
        step().item()
    if cuda:
        torch.cuda.synchronize()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(a.steps):
        loss = step()
    loss.item()
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    # CPU seconds of this process (all its threads): on a machine shared with other jobs, images per CPU-second is
    # what one thread's throughput is on an idle core; wall time depends on the others' load.
    cpu_seconds = time.process_time() - c0
    print(json.dumps({
        "framework": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(),
        "model": f"resnet{a.depth}" if a.arch == "cifar" else "resnet18", "gated": a.gated,
        "shortcut": a.shortcut if a.arch == "cifar" else "B", "size": size, "device": a.device,
        "precision": a.precision if cuda else "fp32", "batch": a.batch, "steps": a.steps,
        "imagesPerSecond": a.batch * a.steps / seconds,
        "imagesPerCpuSecond": a.batch * a.steps / cpu_seconds,
    }))


if __name__ == "__main__":
    main()
