"""The Python half of the TypeScript <-> PyTorch cross-check (driven by test/python/torch_twin.test.ts).

    /usr/bin/python3 python/tests/crosscheck.py <dir>

<dir>/manifest.json lists what the TypeScript side wrote:
  models: [{name, checkpoint, reference}]: a checkpoint saved by the TypeScript library and its inference
          outputs on an input (reference file: 'input' NHWC, 'logits', 'gate/<name>/probs'). Here the checkpoint
          is loaded into the PyTorch twin, run on the same input, and the logits and gate logits compared
          (max |a - b| / max |b| <= tol; gate logits against logit(TypeScript probabilities)).
  losses: [{kind, options, reference}]: gate probabilities (one tensor per layer), the loss value and its
          gradient per layer as the TypeScript library computed them; recomputed and compared here.
  pyModels: [{name, options, size, checkpoint, reference}]: for the other direction, a model built and
          initialised here (BN statistics and gate biases randomised), saved as a checkpoint together with its
          outputs, for the TypeScript side to load and compare.
Prints one line per case and a JSON summary last; exits 1 when any case is off.
"""

import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from batch_shaping_torch import batch_shaping_loss, create_model, l0_gate_loss, load_model, save_checkpoint  # noqa: E402
from batch_shaping_torch.param_groups import param_roles  # noqa: E402
from batch_shaping_torch.priors import prior_from_spec  # noqa: E402
from batch_shaping_torch.registry import create_model as build  # noqa: E402
from batch_shaping_torch.schedules import learning_rate_at, loss_weights_at  # noqa: E402
from batch_shaping_torch.safetensors_io import read_safetensors, write_safetensors  # noqa: E402


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.double(), b.double()
    if a.shape != b.shape:
        return math.inf
    scale = b.abs().max().item() if b.numel() else 0.0
    return (a - b).abs().max().item() / max(scale, 1e-30) if b.numel() else 0.0


def nhwc_to_nchw(x):
    return x.permute(0, 3, 1, 2).contiguous()


def nchw_to_nhwc(x):
    return x.permute(0, 2, 3, 1).contiguous()


def check_model(case: dict, root: str, tol: float) -> dict:
    model, _ = load_model(os.path.join(root, case["checkpoint"]))
    model.eval()
    ref, _ = read_safetensors(os.path.join(root, case["reference"]))
    with torch.no_grad():
        logits, gates = model(nhwc_to_nchw(ref["input"]))
    if logits.dim() == 4:
        logits = nchw_to_nhwc(logits)
    errors = {"logits": rel_err(logits, ref["logits"])}
    worst_gate, flips = 0.0, 0
    names = [g["name"] for g in gates]
    expected = sorted(k.split("/")[1] for k in ref if k.startswith("gate/"))
    if sorted(names) != expected:
        raise AssertionError(f"{case['name']}: gate names differ: python {names[:3]}..., typescript {expected[:3]}...")
    for g in gates:
        p = ref[f"gate/{g['name']}/probs"].double()
        ts_logits = torch.log(p) - torch.log1p(-p)
        # float32 probabilities carry ~6e-8 absolute error, i.e. 6e-8 / (p (1 - p)) on the logit.
        slack = 6e-8 / (p * (1 - p)).clamp(min=1e-12)
        py = g["logits"].double()
        finite = torch.isfinite(ts_logits)
        # A float32 sigmoid saturates to exactly 0 or 1 past |logit| ~ 17: there only the side can be compared.
        saturated_ok = bool(((torch.sign(py) == torch.sign(ts_logits)) & (py.abs() > 15))[~finite].all())
        diff = ((py - ts_logits).abs() - slack).clamp(min=0)[finite]
        scale = max(py.abs().max().item(), 1.0)
        worst_gate = max(worst_gate, diff.max().item() / scale if diff.numel() else 0.0,
                         0.0 if saturated_ok else math.inf)
        flips += int((g["mask"] != (p > 0.5).to(g["mask"].dtype)).sum())
    errors["gateLogits"] = worst_gate
    ok = errors["logits"] <= tol and worst_gate <= tol and flips == 0
    return {"case": case["name"], "ok": ok, "errors": errors, "maskFlips": flips}


def check_loss(case: dict, root: str, tol: float) -> dict:
    ref, _ = read_safetensors(os.path.join(root, case["reference"]))
    layers = [ref[f"probs/{i}"].clone().requires_grad_(True) for i in range(case["layers"])]
    o = case["options"]
    if case["kind"] == "bas":
        loss = batch_shaping_loss(layers, prior=prior_from_spec(o.get("prior")), pooled=o.get("pooled", False),
                                  reduction=o.get("reduction", "sum"), pdf_clip_min=o.get("pdfClipMin", 1e-3),
                                  pdf_clip_max=o.get("pdfClipMax", 100.0))
    else:
        loss = l0_gate_loss(layers, mac_weights=o.get("macWeights"), reduction=o.get("reduction", "sum"))
    grads = torch.autograd.grad(loss, layers)
    errors = {"value": rel_err(loss.detach().reshape(1), ref["loss"].reshape(1))}
    errors["grad"] = max(rel_err(g, ref[f"grad/{i}"]) for i, g in enumerate(grads))
    return {"case": case["name"], "ok": all(e <= tol for e in errors.values()), "errors": errors}


def _train_forward(model, ref, noise, dtype, gamma, lam):
    """Training-mode forward and backward in ``dtype`` replaying ``noise``: (terms, grads by name, gates)."""
    import torch.nn.functional as F

    model = model.to(dtype).train()
    queue = [t.to(dtype) for t in noise]
    for g in (m for m in model.modules() if m.__class__.__name__ == "ChannelGate"):
        g.noise_fn = lambda logits: queue.pop(0)
    logits, gates = model(nhwc_to_nchw(ref["input"]).to(dtype))
    if "labels" in ref:
        ce = F.cross_entropy(logits, ref["labels"].long())
    else:
        ce = F.cross_entropy(logits, ref["masks"].long(), ignore_index=255)
    probs = [g["probs"] for g in gates]
    bas = batch_shaping_loss(probs, validate=False) if probs else torch.zeros((), dtype=dtype)
    l0 = l0_gate_loss(probs, validate=False) if probs else torch.zeros((), dtype=dtype)
    total = ce + gamma * bas + lam * l0
    params = dict(model.named_parameters())
    grads = dict(zip(params, torch.autograd.grad(total, list(params.values()))))
    return {"total": total, "ce": ce, "bas": bas, "l0": l0}, grads, gates, len(queue)


def check_train_step(case: dict, root: str, tol: float) -> dict:
    """One training-mode forward and backward from the same weights with the same gate noise: loss terms, gate
    masks and updated BatchNorm running statistics within ``tol``; every parameter's gradient compared with a
    float64 PyTorch reference, within max(tol, 4 x the error of PyTorch's own float32 gradient). A training
    step's gradient can be ill-conditioned in float32 (BatchNorm over a few values per channel deep in a
    ResNet-50: PyTorch float32 itself is then a few per cent off float64), so float32 twins are held to float32
    accuracy, not to each other."""
    from batch_shaping_torch.checkpoint import _layouts, model_tensors, to_tfjs_layout

    ref, _ = read_safetensors(os.path.join(root, case["reference"]))
    noise = [ref[f"noise/{i}"] for i in range(case["noiseDraws"])]
    model32, _ = load_model(os.path.join(root, case["checkpoint"]))
    terms, g32, gates, unused = _train_forward(model32, ref, noise, torch.float32, case["gamma"], case["lambda"])
    model64, _ = load_model(os.path.join(root, case["checkpoint"]))
    _, g64, _, _ = _train_forward(model64, ref, noise, torch.float64, case["gamma"], case["lambda"])
    kinds = _layouts(model32)
    errors = {k: rel_err(v.detach().reshape(1), ref[k].reshape(1)) for k, v in terms.items()}
    worst_name, worst_ratio, worst_ts, worst_pt = "", 0.0, 0.0, 0.0
    grads_ok = True
    for name, truth in g64.items():
        truth = to_tfjs_layout(truth, kinds.get(name))
        e_ts = rel_err(ref[f"grad/{name}"], truth)
        e_pt = rel_err(to_tfjs_layout(g32[name], kinds.get(name)), truth)
        grads_ok &= e_ts <= max(tol, 4 * e_pt)
        worst_ts, worst_pt = max(worst_ts, e_ts), max(worst_pt, e_pt)
        ratio = e_ts / max(e_pt, tol / 4)
        if ratio > worst_ratio:
            worst_name, worst_ratio = name, ratio
    after = model_tensors(model32)
    errors["runningStats"] = max(rel_err(after[k], ref[f"after/{k}"]) for k in after if "running_" in k)
    flips = sum(int((g["mask"].detach() != ref[f"mask/{g['name']}"]).sum()) for g in gates)
    ok = all(e <= tol for e in errors.values()) and grads_ok and flips == 0 and unused == 0
    return {"case": case["name"], "ok": ok, "errors": errors, "gradVsFloat64": {"typescript": worst_ts,
            "pytorchFloat32": worst_pt, "worstRatio": worst_ratio, "worstTensor": worst_name},
            "maskFlips": flips, "unusedNoise": unused}


def check_schedule(case: dict, tol: float) -> dict:
    """lr and (gamma, lambda) at the same positions; parameter roles of the preset's model, by name, in torch."""
    cfg = case["config"]
    lr = [learning_rate_at(cfg, p) for p in case["positions"]]
    weights = [loss_weights_at(cfg["loss"], p / cfg["epochs"]) for p in case["positions"]]
    errors = {"lr": rel_err(torch.tensor(lr), torch.tensor(case["lr"])),
              "gamma": rel_err(torch.tensor([w[0] for w in weights]), torch.tensor([w["gamma"] for w in case["weights"]])),
              "lambda": rel_err(torch.tensor([w[1] for w in weights]),
                                torch.tensor([w["lambda"] for w in case["weights"]]))}
    options = {k: v for k, v in cfg["model"].items() if k != "name"}
    model = build(cfg["model"]["name"], options)
    torch_shapes = {n: tuple(p.shape) for n, p in model.named_parameters()}
    same_names = sorted(torch_shapes) == sorted(case["shapes"])
    roles = param_roles(torch_shapes)
    role_mismatch = [n for n in case["roles"] if roles.get(n) != case["roles"][n]]
    ok = all(e <= tol for e in errors.values()) and same_names and not role_mismatch
    return {"case": case["name"], "ok": ok, "errors": errors, "sameParameterNames": same_names,
            "roleMismatches": role_mismatch[:5]}


def randomise_statistics(model: torch.nn.Module, generator: torch.Generator) -> None:
    """BN running stats and affine parameters, and gate biases, away from their init, so they are exercised."""
    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
                m.weight.copy_(torch.rand(n, generator=generator) + 0.5)
                m.bias.copy_(torch.randn(n, generator=generator) * 0.1)
            if name.endswith("gate.fc2"):
                m.bias.copy_(torch.randn(m.bias.shape, generator=generator) * 1.5 + 0.5)


def write_py_model(case: dict, root: str) -> dict:
    torch.manual_seed(case.get("seed", 0))
    g = torch.Generator().manual_seed(case.get("seed", 0) + 1)
    model = create_model(case["name"], case.get("options"))
    randomise_statistics(model, g)
    model.eval()
    x = torch.randn(2, case["size"], case["size"], 3, generator=g)
    with torch.no_grad():
        logits, gates = model(nhwc_to_nchw(x))
    if logits.dim() == 4:
        logits = nchw_to_nhwc(logits)
    save_checkpoint(os.path.join(root, case["checkpoint"]), model)
    ref = {"input": x, "logits": logits}
    for gr in gates:
        ref[f"gate/{gr['name']}/logits"] = gr["logits"]
    write_safetensors(os.path.join(root, case["reference"]), ref)
    return {"case": f"py:{case['name']}", "ok": True, "written": case["checkpoint"]}


def main() -> int:
    root = sys.argv[1]
    with open(os.path.join(root, "manifest.json")) as f:
        manifest = json.load(f)
    tol = manifest.get("tolerance", 1e-4)
    torch.set_num_threads(int(os.environ.get("CROSSCHECK_THREADS", "1")))
    results = []
    for case in manifest.get("models", []):
        results.append(check_model(case, root, tol))
    for case in manifest.get("losses", []):
        results.append(check_loss(case, root, tol))
    for case in manifest.get("trainSteps", []):
        results.append(check_train_step(case, root, case.get("tolerance", tol)))
    for case in manifest.get("schedules", []):
        results.append(check_schedule(case, tol))
    for case in manifest.get("pyModels", []):
        results.append(write_py_model(case, root))
    for r in results:
        print(("ok   " if r["ok"] else "FAIL ") + json.dumps(r))
    failed = [r["case"] for r in results if not r["ok"]]
    print(json.dumps({"cases": len(results), "failed": failed}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
