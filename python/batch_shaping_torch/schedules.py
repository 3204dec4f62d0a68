"""Learning rate and loss weights as pure functions of the position in training, twins of
src/train/lr_schedule.ts and src/losses/loss_schedule.ts (so a recipe means the same schedule on both sides).
"""

import math


def learning_rate_at(config: dict, epoch_position: float) -> float:
    """config: the TrainConfig (optim.lr, lr.*, epochs); epoch_position = epoch + step / steps_per_epoch."""
    epochs = config["epochs"]
    if not 0 <= epoch_position <= epochs:
        raise ValueError(f"learning_rate_at: argument 'epoch_position' must be in [0, {epochs}]; got {epoch_position}")
    lr = config["lr"]
    p = epoch_position / epochs
    kind = lr["schedule"]
    if kind == "step":
        factor = lr["stepFactor"] ** sum(1 for m in lr["milestones"] if p >= m)
    elif kind == "cosine":
        factor = 0.5 * (1 + math.cos(math.pi * p))
    elif kind == "poly":
        factor = (1 - p) ** lr["polyPower"]
    else:
        factor = 1.0
    if lr["warmupEpochs"] > 0 and epoch_position < lr["warmupEpochs"]:
        r = epoch_position / lr["warmupEpochs"]
        factor *= lr["warmupStartFactor"] + (1 - lr["warmupStartFactor"]) * r
    return config["optim"]["lr"] * factor


def loss_weights_at(schedule: dict, progress: float) -> tuple:
    """(gamma, lambda) at ``progress`` in [0, 1] (schedule: the TrainConfig's loss section)."""
    if not 0 <= progress <= 1:
        raise ValueError(f"loss_weights_at: argument 'progress' must be a number in [0, 1]; got {progress}")
    gamma, warm = schedule["gamma"], schedule["gammaWarmup"]
    start, end, shape = schedule["gammaAnnealStart"], schedule["gammaAnnealEnd"], schedule["gammaAnneal"]
    if progress < warm:
        g = gamma * progress / warm
    elif shape == "constant" or progress <= start:
        g = gamma
    elif progress >= end:
        g = 0.0
    else:
        r = (progress - start) / (end - start)
        g = gamma * (1 - r) if shape == "linear" else gamma * 0.5 * (1 + math.cos(math.pi * r))
    lam, r0, r1 = schedule["lambda"], schedule["lambdaRampStart"], schedule["lambdaRampEnd"]
    if progress < r0:
        l0 = 0.0
    elif progress >= r1:
        l0 = lam
    else:
        l0 = lam * (progress - r0) / (r1 - r0)
    return g, l0
