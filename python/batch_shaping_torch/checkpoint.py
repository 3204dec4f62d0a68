"""Checkpoints in the TypeScript library's format (src/models/checkpoint.ts), read and written as they are:
one safetensors file with the model's tensors under torchvision-style names in the tfjs layout (conv weights
HWIO [kh, kw, in, out], linear weights [in, out]; PyTorch holds OIHW and [out, in], so they are transposed on the
way in and out), optimizer state under 'optimizer/' ('<param>/momentum_buffer', '<param>/exp_avg',
'<param>/exp_avg_sq', 'step'), and __metadata__ format='tfjs', batch_shaping.version='1',
batch_shaping.config=<model config JSON>, batch_shaping.extra=<resume state JSON, with 'trainConfig'>.
BatchNorm's num_batches_tracked (unused with a fixed momentum) is not stored. Written atomically.
"""

import json

import torch
from torch import nn

from .registry import create_model_from_config
from .safetensors_io import read_safetensors, verify_digest, write_safetensors

CHECKPOINT_VERSION = "1"
OPTIMIZER_PREFIX = "optimizer/"


def _layouts(model: nn.Module) -> dict:
    """Parameter name -> 'conv' | 'linear' for the tensors whose layout differs between torch and tfjs."""
    kinds = {}
    for name, m in model.named_modules():
        prefix = f"{name}." if name else ""
        if isinstance(m, nn.Conv2d):
            kinds[prefix + "weight"] = "conv"
        elif isinstance(m, nn.Linear):
            kinds[prefix + "weight"] = "linear"
    return kinds


def to_tfjs_layout(t: torch.Tensor, kind: str | None) -> torch.Tensor:
    if kind == "conv":
        return t.permute(2, 3, 1, 0).contiguous()  # OIHW -> HWIO
    if kind == "linear":
        return t.t().contiguous()  # [out, in] -> [in, out]
    return t


def from_tfjs_layout(t: torch.Tensor, kind: str | None) -> torch.Tensor:
    if kind == "conv":
        return t.permute(3, 2, 0, 1).contiguous()  # HWIO -> OIHW
    if kind == "linear":
        return t.t().contiguous()
    return t


def model_tensors(model: nn.Module) -> dict:
    """The model's weights and buffers by name, in the checkpoint layout (float32, on the CPU)."""
    model = getattr(model, "module", model)  # unwrap DistributedDataParallel
    kinds = _layouts(model)
    return {name: to_tfjs_layout(t.detach().to("cpu", torch.float32), kinds.get(name))
            for name, t in model.state_dict().items() if not name.endswith("num_batches_tracked")}


def optimizer_tensors(model: nn.Module, optimizer: torch.optim.Optimizer) -> dict:
    """torch.optim state under the TypeScript Optimizer's names (one 'step' per optimizer, as there)."""
    model = getattr(model, "module", model)
    kinds = _layouts(model)
    names = {id(p): n for n, p in model.named_parameters()}
    out = {}
    step = 0
    for group in optimizer.param_groups:
        for p in group["params"]:
            state = optimizer.state.get(p, {})
            name = names[id(p)]
            for key in ("momentum_buffer", "exp_avg", "exp_avg_sq"):
                if state.get(key) is not None:
                    out[f"{name}/{key}"] = to_tfjs_layout(state[key].detach().to("cpu", torch.float32),
                                                          kinds.get(name))
            if "step" in state:
                step = max(step, int(state["step"]))
    if any(k.endswith("/exp_avg") for k in out):
        out["step"] = torch.tensor(step, dtype=torch.int32)
    return out


def save_checkpoint(path: str, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    extra: dict | None = None) -> int:
    """Writes ``model`` (and optionally its optimizer state and resume state ``extra``) to ``path`` atomically."""
    inner = getattr(model, "module", model)
    tensors = model_tensors(inner)
    if optimizer is not None:
        for name, t in optimizer_tensors(inner, optimizer).items():
            tensors[OPTIMIZER_PREFIX + name] = t
    metadata = {"format": "tfjs", "batch_shaping.version": CHECKPOINT_VERSION,
                "batch_shaping.config": json.dumps(inner.config, separators=(",", ":"))}
    if extra is not None:
        metadata["batch_shaping.extra"] = json.dumps(extra, separators=(",", ":"))
    return write_safetensors(path, tensors, metadata, digest=True)


def load_checkpoint(path: str) -> dict:
    """{'tensors', 'optimizer', 'config', 'extra', 'metadata'}: tensors as stored (tfjs layout)."""
    tensors, metadata = read_safetensors(path)
    verify_digest(path)  # a damaged file never loads; one without a digest (written elsewhere) does
    version = metadata.get("batch_shaping.version")
    if version is not None and version != CHECKPOINT_VERSION:
        raise ValueError(f"load_checkpoint: {path}: checkpoint layout version {version!r} is not supported; "
                         f"expected {CHECKPOINT_VERSION!r}")

    def meta_json(key):
        text = metadata.get(key)
        if text is None:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"load_checkpoint: {path}: __metadata__[{key!r}] is not valid JSON ({err})") from err

    model = {k: v for k, v in tensors.items() if not k.startswith(OPTIMIZER_PREFIX)}
    optim = {k[len(OPTIMIZER_PREFIX):]: v for k, v in tensors.items() if k.startswith(OPTIMIZER_PREFIX)}
    return {"tensors": model, "optimizer": optim, "config": meta_json("batch_shaping.config"),
            "extra": meta_json("batch_shaping.extra"), "metadata": metadata}


def apply_tensors(model: nn.Module, tensors: dict, source: str = "<checkpoint>") -> None:
    """Loads checkpoint tensors into ``model``; every name and shape must match (nothing is assigned otherwise)."""
    inner = getattr(model, "module", model)
    kinds = _layouts(inner)
    own = {k: v for k, v in inner.state_dict().items() if not k.endswith("num_batches_tracked")}
    missing = [k for k in own if k not in tensors]
    unexpected = [k for k in tensors if k not in own]
    problems = []
    if missing:
        problems.append(f"missing from the checkpoint ({len(missing)}): {', '.join(missing[:12])}")
    if unexpected:
        problems.append(f"unexpected in the checkpoint ({len(unexpected)}): {', '.join(unexpected[:12])}")
    converted = {}
    for k in own:
        if k in tensors:
            t = from_tfjs_layout(tensors[k], kinds.get(k))
            if tuple(t.shape) != tuple(own[k].shape):
                problems.append(f"tensor {k!r}: expected shape {list(own[k].shape)} (torch layout), found "
                                f"{list(tensors[k].shape)} (stored)")
            converted[k] = t
    if problems:
        raise ValueError(f"apply_tensors: {source} does not match the model; nothing was assigned\n  "
                         + "\n  ".join(problems))
    inner.load_state_dict(converted, strict=False)


def load_optimizer_state(model: nn.Module, optimizer: torch.optim.Optimizer, state: dict) -> None:
    """Restores what optimizer_tensors saved (momentum / Adam moments, the step count)."""
    inner = getattr(model, "module", model)
    kinds = _layouts(inner)
    names = {id(p): n for n, p in inner.named_parameters()}
    step = int(state["step"]) if "step" in state else None
    for group in optimizer.param_groups:
        for p in group["params"]:
            name = names[id(p)]
            slot = {}
            for key in ("momentum_buffer", "exp_avg", "exp_avg_sq"):
                t = state.get(f"{name}/{key}")
                if t is not None:
                    slot[key] = from_tfjs_layout(t, kinds.get(name)).to(p.device, p.dtype)
            if "exp_avg" in slot and step is not None:
                slot["step"] = torch.tensor(float(step))
            if slot:
                optimizer.state[p] = slot


def load_model(path: str):
    """(model, extra) from a checkpoint: the model rebuilt from the stored config with weights and BN statistics."""
    loaded = load_checkpoint(path)
    if loaded["config"] is None:
        raise ValueError(f"load_model: {path} has no batch_shaping.config (not written by batch-shaping)")
    model = create_model_from_config(loaded["config"])
    apply_tensors(model, loaded["tensors"], path)
    return model, loaded["extra"]
