"""ChannelGate and the gate functions (Bejnordi et al., ICLR 2020, sec. 3.1), twin of src/gates/.

global average pool [N, C_in] -> linear C_in -> 16 (no bias) -> BatchNorm1d(16) -> ReLU -> linear 16 -> C_gated
(bias, initialised to ``bias_init``) = gate logits [N, C_gated].
Training: hard mask 1[s > 0.5], s = sigmoid((logits + L) / tau), L ~ Logistic(0, 1), straight-through gradient
ds/dlogits = s (1 - s) / tau. Inference: 1[sigmoid(logits) > t], computed as 1[logits > log(t / (1 - t))].
The losses see p = sigmoid(logits), noise-free. The noise comes from torch's generator (the TypeScript
NoiseSource's stream is not reproduced: runs are not bit-identical across the two, models are).
"""

import math

import torch
from torch import nn

GATE_TAU = 2.0 / 3.0
GATE_HIDDEN = 16
DEFAULT_GATE_BIAS_INIT = 3.0


def straight_through_gate(logits: torch.Tensor, noise: torch.Tensor, tau: float = GATE_TAU) -> torch.Tensor:
    """Forward 1[sigmoid((logits + noise) / tau) > 0.5]; backward d/dlogits = s (1 - s) / tau."""
    if not tau > 0:
        raise ValueError(f"straight_through_gate: argument 'tau' must be > 0; got {tau}")
    s = torch.sigmoid((logits + noise) / tau)
    hard = (s > 0.5).to(logits.dtype)
    return hard + (s - s.detach())  # value: hard exactly (s - s.detach() is 0); gradient: that of s


def threshold_gate(logits: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Inference gate 1[sigmoid(logits) > threshold] = 1[logits > log(t / (1 - t))]."""
    if not 0 < threshold < 1:
        raise ValueError(f"threshold_gate: argument 'threshold' must be a probability in (0, 1); got {threshold}")
    return (logits > math.log(threshold / (1 - threshold))).to(logits.dtype)


def logistic_noise(shape, like: torch.Tensor) -> torch.Tensor:
    """L = log u - log(1 - u), u ~ U(0, 1) (clamped away from 0 and 1)."""
    u = torch.rand(shape, device=like.device, dtype=like.dtype).clamp_(1e-6, 1 - 1e-6)
    return torch.log(u) - torch.log1p(-u)


class ChannelGate(nn.Module):
    def __init__(self, in_channels: int, gated_channels: int, hidden: int = GATE_HIDDEN,
                 bias_init: float = DEFAULT_GATE_BIAS_INIT, tau: float = GATE_TAU,
                 bn_momentum: float = 0.1, bn_epsilon: float = 1e-5):
        super().__init__()
        self.in_channels = in_channels
        self.tau = tau
        self.fc1 = nn.Linear(in_channels, hidden, bias=False)
        self.bn = nn.BatchNorm1d(hidden, eps=bn_epsilon, momentum=bn_momentum)
        self.fc2 = nn.Linear(hidden, gated_channels)
        nn.init.constant_(self.fc2.bias, bias_init)
        self.gate_name = ""  # set by the model: 'layer1.0.gate' as in the TypeScript library
        # Training noise: None draws logistic noise from torch's generator; a callable (logits -> noise tensor)
        # replaces it (the cross-check replays the noise the TypeScript NoiseSource drew).
        self.noise_fn = None

    def forward(self, x: torch.Tensor, threshold: float = 0.5):
        """x: the block input [N, C_in, H, W] -> (logits, probs, mask), each [N, C_gated]."""
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"ChannelGate '{self.gate_name}': argument 'x' must be [N, {self.in_channels}, H, W]; got {list(x.shape)}")
        pooled = x.mean(dim=(2, 3))  # [N, C_in]
        logits = self.fc2(torch.relu(self.bn(self.fc1(pooled))))  # [N, C_gated]
        probs = torch.sigmoid(logits)
        if self.training:
            noise = logistic_noise(logits.shape, logits) if self.noise_fn is None else self.noise_fn(logits)
            mask = straight_through_gate(logits, noise, self.tau)
        else:
            mask = threshold_gate(logits, threshold)
        return logits, probs, mask
