"""Optimiser parameter groups by role, twin of src/train/param_groups.ts and the optimiser kinds of
src/train/optimizer.ts (which follow torch.optim's update rules, so here they are torch.optim itself).
Roles: 'gate' (any name with a 'gate' segment), 'weight' (rank > 1), 'bn' (rank 1 in a module that also has a
rank-1 'weight'), 'bias' (any other rank-1 tensor). Each role's lr is lr x lrScale, its decay weightDecay x wdScale.
"""

import torch

ROLES = ("gate", "bn", "bias", "weight")


def param_roles(named_shapes: dict) -> dict:
    def module(name):
        return name[: name.rfind(".") + 1]

    bn_modules = {module(n) for n, s in named_shapes.items() if len(s) == 1 and n.endswith(".weight")}
    roles = {}
    for name, shape in named_shapes.items():
        if "gate" in name.split("."):
            roles[name] = "gate"
        elif len(shape) > 1:
            roles[name] = "weight"
        elif module(name) in bn_modules:
            roles[name] = "bn"
        else:
            roles[name] = "bias"
    return roles


def make_optimizer(model: torch.nn.Module, optim: dict) -> torch.optim.Optimizer:
    """torch.optim SGD / Adam / AdamW over one group per role; each group keeps its 'lr_scale' for the schedule."""
    params = dict(getattr(model, "module", model).named_parameters())
    roles = param_roles({n: tuple(p.shape) for n, p in params.items()})
    groups = []
    for role in ROLES:
        ps = [p for n, p in params.items() if roles[n] == role]
        if not ps:
            continue
        g = optim["groups"][role]
        groups.append({"params": ps, "role": role, "lr_scale": g["lrScale"], "lr": optim["lr"] * g["lrScale"],
                       "weight_decay": optim["weightDecay"] * g["wdScale"]})
    kind = optim["kind"]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=optim["lr"], momentum=optim["momentum"], nesterov=optim["nesterov"])
    betas = (optim["beta1"], optim["beta2"])
    if kind == "adam":
        return torch.optim.Adam(groups, lr=optim["lr"], betas=betas, eps=optim["eps"])
    if kind == "adamw":
        return torch.optim.AdamW(groups, lr=optim["lr"], betas=betas, eps=optim["eps"])
    raise ValueError(f"make_optimizer: optim.kind must be sgd, adam or adamw; got {kind!r}")


def set_learning_rate(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for g in optimizer.param_groups:
        g["lr"] = lr * g["lr_scale"]
