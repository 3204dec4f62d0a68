"""batch_shaping_torch: the PyTorch twin of the batch-shaping TypeScript library.

The same registered models (gated and dense ResNet-20..110, ResNet-18/34/50, PSPNet), gate module, batch-shaping
and L0 losses, schedules and checkpoint format, so a run can move to many GPUs (``train_ddp.py``, torchrun +
DistributedDataParallel) and its checkpoint come back to the TypeScript CLI and notebooks unchanged. Numerical
agreement with the TypeScript library is checked in CI (test/python/torch_twin.test.ts).
"""

from .checkpoint import load_checkpoint, load_model, save_checkpoint
from .gate import GATE_HIDDEN, GATE_TAU, ChannelGate
from .losses import batch_shaping_loss, l0_gate_loss
from .priors import beta_prior, normal_prior, relaxed_bernoulli_prior
from .registry import create_model, create_model_from_config, list_models, resolve_model_config

__all__ = [
    "GATE_HIDDEN",
    "GATE_TAU",
    "ChannelGate",
    "batch_shaping_loss",
    "beta_prior",
    "create_model",
    "create_model_from_config",
    "l0_gate_loss",
    "list_models",
    "load_checkpoint",
    "load_model",
    "normal_prior",
    "relaxed_bernoulli_prior",
    "resolve_model_config",
    "save_checkpoint",
]
