"""The batch-shaping and L0 gate losses (Bejnordi et al., ICLR 2020, secs. 3.2-3.3) with the options of
src/losses/: prior, pooled, reduction ('sum' default / 'mean'), pdf clip of the backward pass, validation, and
MAC-weighted L0. Inputs are gate probabilities [N, C] or a list of them (one per gated layer, same N).

Batch shaping, per gate c: sort the batch, L_c = (1/N) sum_i (i/(N+1) - F(x_(i)))^2; backward through F uses
the prior pdf clipped to [1e-3, 100] (the official code's values). 'sum' adds L_c over every gate of every layer,
'mean' averages them. L0: each gate's on-probability averaged over the batch, summed ('sum') or averaged ('mean');
with ``mac_weights`` each gate weighs its normalised cost, and 'sum' is that fraction times the number of gates.
"""

import torch

from .priors import Prior, beta_prior

PDF_CLIP_MIN = 1e-3
PDF_CLIP_MAX = 100.0
_DEFAULT_PRIOR = None


class _PriorCdf(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, prior, lo, hi):
        ctx.save_for_backward(x)
        ctx.prior, ctx.lo, ctx.hi = prior, lo, hi
        return prior.cdf(x)

    @staticmethod
    def backward(ctx, dy):
        (x,) = ctx.saved_tensors
        return dy * ctx.prior.pdf(x).clamp(ctx.lo, ctx.hi), None, None, None


def prior_cdf(x: torch.Tensor, prior: Prior, pdf_clip_min: float = PDF_CLIP_MIN,
              pdf_clip_max: float = PDF_CLIP_MAX) -> torch.Tensor:
    """Elementwise prior CDF; gradient dy * clip(pdf(x), min, max)."""
    if not 0 <= pdf_clip_min <= pdf_clip_max:
        raise ValueError(f"prior_cdf: pdf_clip_min/pdf_clip_max must satisfy 0 <= min <= max; got "
                         f"{pdf_clip_min}, {pdf_clip_max}")
    return _PriorCdf.apply(x, prior, pdf_clip_min, pdf_clip_max)


def _check_reduction(fn: str, reduction: str) -> str:
    if reduction not in ("sum", "mean"):
        raise ValueError(f"{fn}: option 'reduction' must be 'sum' or 'mean'; got {reduction!r}")
    return reduction


def _layers(fn: str, gate_probs, validate: bool) -> list:
    many = isinstance(gate_probs, (list, tuple))
    layers = list(gate_probs) if many else [gate_probs]
    if not layers:
        raise ValueError(f"{fn}: argument 'gate_probs' must be a tensor or a non-empty list of tensors; got []")
    n = None
    for i, t in enumerate(layers):
        where = f"gate_probs[{i}]" if many else "gate_probs"
        if not isinstance(t, torch.Tensor) or t.dim() != 2 or t.shape[0] < 1:
            raise ValueError(f"{fn}: argument '{where}' must be a [N, C] tensor; got "
                             f"{list(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__}")
        if n is not None and t.shape[0] != n:
            raise ValueError(f"{fn}: argument '{where}' must have N = {n} rows like gate_probs[0]; got {t.shape[0]}")
        n = t.shape[0]
        if validate:
            v = t.detach()
            if bool(torch.isnan(v).any()) or bool((v < 0).any()) or bool((v > 1).any()):
                raise ValueError(f"{fn}: argument '{where}' must hold probabilities in [0, 1] (no NaN)")
    return layers


def batch_shaping_loss(gate_probs, prior: Prior | None = None, pooled: bool = False, reduction: str = "sum",
                       pdf_clip_min: float = PDF_CLIP_MIN, pdf_clip_max: float = PDF_CLIP_MAX,
                       validate: bool = True) -> torch.Tensor:
    """Scalar batch-shaping loss of ``gate_probs`` ([N, C] or a list of them); differentiable."""
    global _DEFAULT_PRIOR
    layers = _layers("batch_shaping_loss", gate_probs, validate)
    reduction = _check_reduction("batch_shaping_loss", reduction)
    if prior is None:
        _DEFAULT_PRIOR = _DEFAULT_PRIOR or beta_prior(0.6, 0.4)
        prior = _DEFAULT_PRIOR
    if pooled:
        columns = torch.cat([t.reshape(-1, 1) for t in layers])  # [N * sum C, 1]
    else:
        columns = torch.cat(layers, dim=1) if len(layers) > 1 else layers[0]  # [N, sum C]
    n = columns.shape[0]
    sorted_cols = torch.sort(columns, dim=0).values
    cdf = prior_cdf(sorted_cols, prior, pdf_clip_min, pdf_clip_max)
    ecdf = (torch.arange(1, n + 1, device=columns.device, dtype=columns.dtype) / (n + 1)).reshape(n, 1)
    squared = (ecdf - cdf) ** 2
    return squared.mean() if reduction == "mean" else squared.sum() / n


def l0_gate_loss(gate_probs, mac_weights=None, reduction: str = "sum", validate: bool = True) -> torch.Tensor:
    """Expected number ('sum') or fraction ('mean') of open gates; optionally MAC-weighted (one weight list per
    layer for a list input, one list for a single tensor)."""
    fn = "l0_gate_loss"
    many = isinstance(gate_probs, (list, tuple))
    layers = _layers(fn, gate_probs, validate)
    reduction = _check_reduction(fn, reduction)
    probs = torch.cat(layers, dim=1) if len(layers) > 1 else layers[0]
    gates = probs.shape[1]
    if mac_weights is None:
        fraction = probs.mean()
    else:
        per_layer = list(mac_weights) if many else [mac_weights]
        if len(per_layer) != len(layers):
            raise ValueError(f"{fn}: option 'mac_weights' must be one list of weights per layer ({len(layers)} "
                             f"layers); got {len(per_layer)}")
        flat = []
        for i, (w, t) in enumerate(zip(per_layer, layers)):
            w = [float(v) for v in w]
            if len(w) != t.shape[1]:
                raise ValueError(f"{fn}: option 'mac_weights[{i}]' must have one weight per gate ({t.shape[1]}); "
                                 f"got length {len(w)}")
            if any(not (v >= 0 and v != float("inf")) for v in w):
                raise ValueError(f"{fn}: option 'mac_weights[{i}]' must hold finite weights >= 0")
            flat.extend(w)
        total = sum(flat)
        if not total > 0:
            raise ValueError(f"{fn}: option 'mac_weights' must have a positive total; got {total}")
        weights = torch.tensor([v / total for v in flat], device=probs.device, dtype=probs.dtype)
        fraction = (probs.mean(0) * weights).sum()
    return fraction if reduction == "mean" else fraction * gates
