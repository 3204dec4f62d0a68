"""Priors of the batch-shaping loss, twin of src/ops/*_prior.ts: Beta(a, b) (the paper's Beta(0.6, 0.4)),
Normal(mu, sigma) and the relaxed Bernoulli (binary Concrete) of the official code. Each has ``cdf`` and ``pdf`` on
tensors. The Beta CDF is SciPy's regularised incomplete beta on the host in float64, as the official code computes
it (the TypeScript library runs a certified table on the device instead; the two agree to ~1e-6).
"""

import math
from dataclasses import dataclass, field
from typing import Callable

import torch


@dataclass(frozen=True)
class Prior:
    name: str
    params: dict
    cdf: Callable[[torch.Tensor], torch.Tensor] = field(repr=False)
    pdf: Callable[[torch.Tensor], torch.Tensor] = field(repr=False)


def _check(fn: str, arg: str, value, ok, want: str) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and ok(value)):
        raise ValueError(f"{fn}: argument '{arg}' must be {want}; got {value!r}")


def beta_prior(a: float = 0.6, b: float = 0.4) -> Prior:
    _check("beta_prior", "a", a, lambda v: v > 0, "a finite number > 0")
    _check("beta_prior", "b", b, lambda v: v > 0, "a finite number > 0")
    from scipy.special import betainc, betaln

    log_beta = float(betaln(a, b))

    def cdf(x: torch.Tensor) -> torch.Tensor:
        host = x.detach().to("cpu", torch.float64).clamp(0, 1).numpy()
        out = torch.from_numpy(betainc(a, b, host)).to(x.device, x.dtype)
        return torch.where(torch.isnan(x), x, out)

    def pdf(x: torch.Tensor) -> torch.Tensor:
        log_pdf = torch.full_like(x, -log_beta)
        if a != 1:
            log_pdf = log_pdf + (a - 1) * torch.log(x)
        if b != 1:
            log_pdf = log_pdf + (b - 1) * torch.log1p(-x)
        inside = (x >= 0) & (x <= 1)
        return torch.where(inside, torch.exp(log_pdf), torch.zeros_like(x))

    return Prior(f"Beta({a}, {b})", {"a": a, "b": b}, cdf, pdf)


def normal_prior(mu: float = 0.5, sigma: float = 0.25) -> Prior:
    _check("normal_prior", "mu", mu, lambda v: True, "a finite number")
    _check("normal_prior", "sigma", sigma, lambda v: v > 0, "a finite number > 0")

    def cdf(x):
        return 0.5 * (1 + torch.erf((x - mu) / (sigma * math.sqrt(2))))

    def pdf(x):
        z = (x - mu) / sigma
        return torch.exp(-0.5 * z * z) / (sigma * math.sqrt(2 * math.pi))

    return Prior(f"Normal({mu}, {sigma})", {"mu": mu, "sigma": sigma}, cdf, pdf)


def relaxed_bernoulli_prior(p: float = 0.5, temperature: float = 2.0 / 3.0) -> Prior:
    """F(x) = sigmoid(tau logit(x) - logit(p)); f(x) = sigmoid(z) sigmoid(-z) tau / (x (1 - x))."""
    _check("relaxed_bernoulli_prior", "p", p, lambda v: 0 < v < 1, "a number in (0, 1)")
    _check("relaxed_bernoulli_prior", "temperature", temperature, lambda v: v > 0, "a finite number > 0")
    tau = temperature
    logit_p = math.log(p) - math.log1p(-p)

    def cdf(x):
        xc = x.clamp(0, 1)
        out = torch.sigmoid((torch.log(xc) - torch.log1p(-xc)) * tau - logit_p)
        return torch.where(torch.isnan(x), x, out)

    def pdf(x):
        xi = x.clamp(1e-37, 1 - 2.0**-24)
        log1m, logx = torch.log1p(-xi), torch.log(xi)
        z = (logx - log1m) * tau - logit_p
        log_pdf = torch.nn.functional.logsigmoid(z) + torch.nn.functional.logsigmoid(-z) - (logx + log1m)
        inside = (x >= 0) & (x <= 1)
        return torch.where(inside, torch.exp(log_pdf) * tau, torch.zeros_like(x))

    return Prior(f"RelaxedBernoulli({p}, {tau})", {"p": p, "temperature": tau}, cdf, pdf)


def prior_from_spec(spec: dict | None) -> Prior:
    """{'kind': 'beta', 'a', 'b'} | {'kind': 'normal', 'mu', 'sigma'} | {'kind': 'relaxedBernoulli', 'p', 'temperature'}."""
    if spec is None:
        return beta_prior()
    kind = spec.get("kind")
    args = {k: v for k, v in spec.items() if k != "kind"}
    if kind == "beta":
        return beta_prior(**args)
    if kind == "normal":
        return normal_prior(**args)
    if kind == "relaxedBernoulli":
        return relaxed_bernoulli_prior(**args)
    raise ValueError(f"prior_from_spec: 'kind' must be beta, normal or relaxedBernoulli; got {kind!r}")
