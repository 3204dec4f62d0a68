"""Multi-GPU (or multi-process CPU) training of a batch-shaping recipe with torchrun and DistributedDataParallel.

The recipe is the TypeScript CLI's own config, so both sides read one file:

    npx batch-shaping train --preset imagenet-resnet50-gated --print-config > recipe.json
    torchrun --standalone --nproc_per_node 8 python/train_ddp.py --config recipe.json \\
        --data /datasets/imagenet --out runs/r50 [--meta data/imagenet/meta.json]

One process per GPU (NCCL) or per CPU share (gloo, when no GPU is visible or with --dist-backend gloo). What
follows the recipe exactly as `batch-shaping train` does: the model and its options, SGD/Adam/AdamW with the
parameter groups by role, the lr schedule, gamma/lambda schedules, the losses (batch shaping over the GLOBAL
batch: gate probabilities are all-gathered with their gradient, so the loss sorts the same N samples as a
one-device run; L0 and cross-entropy are means that DDP's gradient averaging makes global), the batch size
(global: divided over the processes), epochs, steps-per-epoch cap, evaluation cadence.
What differs: data come from the user's own layout (python/batch_shaping_torch/data.py) with torchvision
transforms; BatchNorm statistics are per process unless --sync-bn; gate noise, dropout and data order come
from torch's generators, so a run is not bit-identical to a TypeScript one; l0MacWeighted is refused.

Run directory (rank 0 writes, every file atomically):
    config.json                     the resolved recipe (numClasses filled in)
    train.log                       the log, appended across resumes
    metrics/epochs.json             one row per epoch
    checkpoints/last.safetensors    every epoch and on SIGINT/SIGTERM: weights, BN statistics, optimizer state,
                                    position (resume with --resume)
    checkpoints/final.safetensors   weights at the end
The checkpoints are the TypeScript library's format: `batch-shaping eval --run <out> --data <prepared dir>` and
`batch-shaping analyze --run <out>` read them, and so do the notebooks (loadTrainedModel).
"""

import argparse
import itertools
import json
import math
import os
import signal
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.utils.data import DataLoader, Sampler
from torch.utils.data.distributed import DistributedSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from batch_shaping_torch import batch_shaping_loss, create_model, l0_gate_loss  # noqa: E402
from batch_shaping_torch.checkpoint import (  # noqa: E402
    apply_tensors,
    load_checkpoint,
    load_optimizer_state,
    save_checkpoint,
)
from batch_shaping_torch.data import LAYOUT_OF_DATASET, build_dataset  # noqa: E402
from batch_shaping_torch.param_groups import make_optimizer, set_learning_rate  # noqa: E402
from batch_shaping_torch.safetensors_io import atomic_write  # noqa: E402
from batch_shaping_torch.schedules import learning_rate_at, loss_weights_at  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", help="recipe JSON (batch-shaping train --preset NAME --print-config)")
    p.add_argument("--data", required=True, help="dataset root in the layout of --layout")
    p.add_argument("--out", required=True, help="run directory")
    p.add_argument("--layout", choices=["cifar10", "imagefolder", "cityscapes"],
                   help="dataset layout (default: from the recipe's data.dataset)")
    p.add_argument("--meta", help="a prepared dataset's meta.json: normalise with its mean/std, as the TypeScript side")
    p.add_argument("--resize", default="512x1024", help="cityscapes: image size HxW before augmentation")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from checkpoints/last")
    p.add_argument("--epochs", type=int, help="override epochs")
    p.add_argument("--batch-size", type=int, help="override the global batch size")
    p.add_argument("--max-steps", type=int, help="override the steps-per-epoch cap (0: whole split)")
    p.add_argument("--eval-samples", type=int, help="override the evaluated-sample cap (0: whole split)")
    p.add_argument("--workers", type=int, help="data loader workers per process (default: data.workers)")
    p.add_argument("--dist-backend", choices=["nccl", "gloo"], help="default: nccl with GPUs, else gloo")
    p.add_argument("--sync-bn", action="store_true", help="BatchNorm statistics over all processes (GPUs only)")
    p.add_argument("--amp", action="store_true", help="bfloat16 autocast on GPUs")
    p.add_argument("--local-bas", action="store_true",
                   help="batch-shaping loss over each process's batch instead of the global batch")
    p.add_argument("--stop-after-steps", type=int, default=0,
                   help="checkpoint and stop after this many steps of this invocation, as on SIGTERM (for jobs with "
                        "a time limit; continue with --resume)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads per process (0: torch's default)")
    return p.parse_args(argv)


class Dist:
    """Process-group bookkeeping; a plain `python train_ddp.py` runs as a single process."""

    def __init__(self, backend_choice):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = torch.cuda.is_available()
        self.backend = backend_choice or ("nccl" if cuda else "gloo")
        if self.backend == "nccl" and not cuda:
            raise SystemExit("train_ddp: --dist-backend nccl needs GPUs; none is visible (use gloo)")
        self.device = torch.device(f"cuda:{self.local_rank}" if self.backend == "nccl" else "cpu")
        if self.device.type == "cuda":
            torch.cuda.set_device(self.device)
        if self.world > 1:
            dist.init_process_group(self.backend)

    def all_sum(self, values):
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.world > 1:
            dist.all_reduce(t)
        return t.tolist()

    def any(self, flag: bool) -> bool:
        return self.all_sum([1.0 if flag else 0.0])[0] > 0


class SkipSampler(Sampler):
    """The inner sampler's order without its first ``skip`` indices (a resumed epoch)."""

    def __init__(self, inner):
        self.inner, self.skip = inner, 0

    def __iter__(self):
        return itertools.islice(iter(self.inner), self.skip, None)

    def __len__(self):
        return len(self.inner) - self.skip


class StridedSampler(Sampler):
    """Evaluation: indices rank, rank + world, ... of range(n), no padding (every sample counted once)."""

    def __init__(self, n, rank, world):
        self.indices = list(range(rank, n, world))

    def __iter__(self):
        return iter(self.indices)

    def __len__(self):
        return len(self.indices)


def resolve_config(args) -> dict:
    run_config = os.path.join(args.out, "config.json")
    if args.resume:
        if not os.path.exists(run_config):
            raise SystemExit(f"train_ddp: --resume: {run_config} does not exist")
        with open(run_config) as f:
            return json.load(f)
    if not args.config:
        raise SystemExit("train_ddp: pass --config <recipe.json> (or --resume)")
    with open(args.config) as f:
        cfg = json.load(f)
    for key in ("model", "data", "optim", "lr", "loss", "epochs", "seed"):
        if key not in cfg:
            raise SystemExit(f"train_ddp: --config {args.config}: field '{key}' is missing (export it with "
                             "`batch-shaping train --preset NAME --print-config`)")
    if args.epochs is not None:
        cfg["epochs"] = args.epochs
    if args.batch_size is not None:
        cfg["data"]["batchSize"] = args.batch_size
    if args.max_steps is not None:
        cfg["data"]["maxStepsPerEpoch"] = args.max_steps or None
    if args.eval_samples is not None:
        cfg["data"]["maxEvalSamples"] = args.eval_samples or None
    if cfg["loss"].get("l0MacWeighted"):
        raise SystemExit("train_ddp: loss.l0MacWeighted is not supported here; train it with `batch-shaping train`")
    return cfg


class Logger:
    def __init__(self, out, rank):
        self.rank = rank
        self.file = open(os.path.join(out, "train.log"), "a") if rank == 0 else None

    def __call__(self, line):
        if self.rank != 0:
            return
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        print(line, flush=True)
        self.file.write(f"{stamp} {line}\n")
        self.file.flush()


def write_json(path, value):
    atomic_write(path, [json.dumps(value, indent=2).encode("utf-8")])


def sync_buffers(model, d: Dist) -> None:
    """Rank 0's BatchNorm running statistics to every process: the ones the checkpoint stores."""
    if d.world > 1:
        for b in model.buffers():
            dist.broadcast(b, 0)


def evaluate(model, loader, d: Dist, task: str, classes: int, amp: bool) -> dict:
    """Deterministic gates and running BN statistics (rank 0's, as saved): top-1 or mIoU, task loss, gate-on rate."""
    sync_buffers(model, d)
    model.eval()
    sums = [0.0, 0.0, 0.0, 0.0]  # loss sum, correct (or pixels right), count, gate-on sum over samples
    confusion = torch.zeros(classes * classes, dtype=torch.float64, device=d.device)
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(d.device, non_blocking=True), y.to(d.device, non_blocking=True)
            with torch.autocast(d.device.type, dtype=torch.bfloat16, enabled=amp):
                logits, gates = model(x)
            logits = logits.float()
            on = torch.cat([g["mask"].float() for g in gates], 1).mean(1) if gates else torch.ones(len(x))
            sums[3] += float(on.sum())
            if task == "classification":
                sums[0] += float(F.cross_entropy(logits, y, reduction="sum"))
                sums[1] += float((logits.argmax(1) == y).sum())
                sums[2] += len(y)
            else:
                valid = y != 255
                sums[0] += float(F.cross_entropy(logits, y, ignore_index=255, reduction="sum"))
                pred = logits.argmax(1)
                sums[1] += float((pred[valid] == y[valid]).sum())
                sums[2] += float(valid.sum())
                confusion += torch.bincount(y[valid] * classes + pred[valid], minlength=classes * classes).double()
    samples = d.all_sum([float(len(loader.sampler))])[0]
    loss, right, count, on = d.all_sum(sums)
    if d.world > 1:
        dist.all_reduce(confusion)
    result = {"loss": loss / max(count, 1), "gateOnRate": on / max(samples, 1), "samples": int(samples)}
    if task == "classification":
        result["top1"] = right / max(count, 1)
    else:
        cm = confusion.reshape(classes, classes)
        inter = cm.diag()
        union = cm.sum(0) + cm.sum(1) - inter
        present = union > 0
        result["mIoU"] = float((inter[present] / union[present]).mean()) if bool(present.any()) else 0.0
        result["pixelAccuracy"] = right / max(count, 1)
    model.train()
    return result


def main(argv=None) -> int:
    args = parse_args(argv)
    d = Dist(args.dist_backend)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    os.makedirs(os.path.join(args.out, "checkpoints"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "metrics"), exist_ok=True)
    log = Logger(args.out, d.rank)
    cfg = resolve_config(args)
    data = cfg["data"]
    layout = args.layout or LAYOUT_OF_DATASET.get(data["dataset"])
    if layout is None:
        raise SystemExit(f"train_ddp: dataset '{data['dataset']}' has no default layout; pass --layout")
    resize = tuple(int(v) for v in args.resize.lower().split("x"))
    train_set = build_dataset(layout, args.data, data["trainSplit"], data["trainTransform"], args.meta, resize)
    eval_set = build_dataset(layout, args.data, data["evalSplit"], data["evalTransform"], args.meta, resize)
    options = {k: v for k, v in cfg["model"].items() if k != "name"}
    options.setdefault("numClasses", train_set.classes)
    options.setdefault("seed", cfg["seed"])
    cfg["model"] = {"name": cfg["model"]["name"], **{k: v for k, v in cfg["model"].items() if k != "name"},
                    "numClasses": options["numClasses"]}
    if d.rank == 0:
        write_json(os.path.join(args.out, "config.json"), cfg)

    torch.manual_seed(options["seed"])  # identical initial weights on every process
    model = create_model(cfg["model"]["name"], options)
    task = model.config["task"]
    if args.sync_bn and d.device.type != "cuda":
        raise SystemExit("train_ddp: --sync-bn needs GPUs (torch's SyncBatchNorm runs on CUDA only)")
    if args.sync_bn and d.world > 1:
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    model.to(d.device)
    optimizer = make_optimizer(model, cfg["optim"])

    start_epoch, start_step, global_step, history, train_seconds = 0, 0, 0, [], 0.0
    resumed_sums = {}
    last_path = os.path.join(args.out, "checkpoints", "last.safetensors")
    if args.resume:
        loaded = load_checkpoint(last_path)
        apply_tensors(model, loaded["tensors"], last_path)
        load_optimizer_state(model, optimizer, loaded["optimizer"])
        extra = loaded["extra"] or {}
        start_epoch, start_step = extra.get("epoch", 0), extra.get("step", 0)
        global_step, history = extra.get("globalStep", 0), extra.get("history", [])
        train_seconds = extra.get("trainSeconds", 0.0)
        resumed_sums = extra.get("epochSumsPytorch") or {}
        if extra.get("completed"):
            log(f"train_ddp: {args.out} is already complete")
            return 0
        log(f"resuming {args.out} at epoch {start_epoch + 1}, step {start_step}")
    torch.manual_seed(cfg["seed"] * 1000 + d.rank + 7919 * global_step)  # gate noise and dropout per process

    ddp = torch.nn.parallel.DistributedDataParallel(
        model, device_ids=[d.local_rank] if d.device.type == "cuda" else None) if d.world > 1 else model

    if data["batchSize"] % d.world != 0:
        raise SystemExit(f"train_ddp: data.batchSize {data['batchSize']} must be a multiple of the process count "
                         f"{d.world}")
    per_process = data["batchSize"] // d.world
    if per_process < 2 and not args.sync_bn:
        raise SystemExit(f"train_ddp: {per_process} sample per process: BatchNorm in training (the gates' BN, PSPNet's "
                         "1x1 pooling bin) needs at least 2 values per channel; use --sync-bn (GPUs) or a larger "
                         "data.batchSize")
    workers = data.get("workers", 0) if args.workers is None else args.workers
    sampler = DistributedSampler(train_set, num_replicas=d.world, rank=d.rank, shuffle=True, seed=cfg["seed"],
                                 drop_last=True)
    skip = SkipSampler(sampler)
    loader = DataLoader(train_set, batch_size=per_process, sampler=skip, num_workers=workers, drop_last=True,
                        pin_memory=d.device.type == "cuda")
    cap = data.get("maxEvalSamples")
    n_eval = len(eval_set) if not cap else min(cap, len(eval_set))
    eval_loader = DataLoader(eval_set, batch_size=max(1, data["evalBatchSize"] // d.world),
                             sampler=StridedSampler(n_eval, d.rank, d.world), num_workers=workers)
    full_steps = len(sampler) // per_process
    steps_per_epoch = min(full_steps, data["maxStepsPerEpoch"]) if data.get("maxStepsPerEpoch") else full_steps
    if steps_per_epoch < 1:
        raise SystemExit(f"train_ddp: {len(train_set)} training samples make no batch of {per_process} per process")
    epochs = cfg["epochs"]
    loss_cfg = cfg["loss"]
    log(f"train_ddp: {cfg['name']} ({model.config['name']}, gating {model.config['gating']}) on {d.world} "
        f"process(es), {d.backend}, {d.device.type}; {len(train_set)} train / {n_eval} eval samples, "
        f"{steps_per_epoch} steps per epoch of {data['batchSize']} ({per_process} per process), {epochs} epochs")

    stop = {"signal": None}

    def on_signal(signum, _frame):
        stop["signal"] = signum

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    def checkpoint(epoch, step, completed, last_eval=None, epoch_sums=None):
        if d.rank != 0:
            return
        extra = {"epochSumsPytorch": epoch_sums or {}, "epoch": epoch, "step": step, "globalStep": global_step,
                 "history": history,
                 "trainSeconds": train_seconds, "trainConfig": cfg, "completed": completed,
                 "framework": "pytorch", "worldSize": d.world}
        if last_eval is not None:
            extra["evalPytorch"] = last_eval
        save_checkpoint(last_path, model, optimizer, extra)

    ddp.train()
    last_eval = None
    steps_this_run = 0
    for epoch in range(start_epoch, epochs):
        sampler.set_epoch(epoch)
        first = start_step if epoch == start_epoch else 0
        skip.skip = first * per_process
        sums = {"loss": 0.0, "ce": 0.0, "bas": 0.0, "l0": 0.0, "gateOn": 0.0, "steps": 0}
        if epoch == start_epoch and resumed_sums:
            sums.update(resumed_sums)
        tic = time.time()
        for step, (x, y) in enumerate(loader, start=first):
            if step >= steps_per_epoch:
                break
            position = epoch + step / steps_per_epoch
            lr = learning_rate_at(cfg, position)
            gamma, lam = loss_weights_at(loss_cfg, position / epochs)
            set_learning_rate(optimizer, lr)
            x, y = x.to(d.device, non_blocking=True), y.to(d.device, non_blocking=True)
            with torch.autocast(d.device.type, dtype=torch.bfloat16, enabled=args.amp):
                logits, gates = ddp(x)
            logits = logits.float()
            ce = F.cross_entropy(logits, y, ignore_index=255) if task == "segmentation" else F.cross_entropy(logits, y)
            total = ce
            bas = l0 = torch.zeros((), device=d.device)
            if gates:
                probs = [g["probs"].float() for g in gates]
                if d.world > 1 and not args.local_bas:
                    from torch.distributed.nn.functional import all_gather

                    shaped = [torch.cat(all_gather(p), 0) for p in probs]
                else:
                    shaped = probs
                bas = batch_shaping_loss(shaped, reduction=loss_cfg["basReduction"], validate=False)
                l0 = l0_gate_loss(probs, reduction=loss_cfg["l0Reduction"], validate=False)
                total = ce + gamma * bas + lam * l0
            if d.any(not math.isfinite(float(total))):
                log(f"train_ddp: non-finite loss at epoch {epoch + 1} step {step}: stopped before the update; "
                    f"{last_path} holds the last good state")
                return 2
            optimizer.zero_grad(set_to_none=True)
            total.backward()
            optimizer.step()
            global_step += 1
            on = float(torch.cat([g["mask"] for g in gates], 1).float().mean()) if gates else 1.0
            for k, v in (("loss", float(total)), ("ce", float(ce)), ("bas", float(bas)), ("l0", float(l0)),
                         ("gateOn", on)):
                sums[k] += v
            sums["steps"] += 1
            if cfg.get("logEverySteps", 0) and (step + 1) % cfg["logEverySteps"] == 0:
                log(f"epoch {epoch + 1}/{epochs} step {step + 1}/{steps_per_epoch} loss {float(total):.4f} "
                    f"ce {float(ce):.4f} bas {float(bas):.4f} l0 {float(l0):.3f} gamma {gamma:.3f} "
                    f"lambda {lam:.4g} lr {lr:.4g} gates-on {on:.3f}")
            steps_this_run += 1
            if args.stop_after_steps and steps_this_run >= args.stop_after_steps:
                stop["signal"] = "--stop-after-steps"
            if d.any(stop["signal"] is not None):
                train_seconds += time.time() - tic
                sync_buffers(model, d)
                checkpoint(epoch, step + 1, False, last_eval, sums)
                log(f"train_ddp: stopped ({stop['signal']}) at epoch {epoch + 1} step {step + 1}; {last_path} written; "
                    "continue with --resume")
                return 0
        train_seconds += time.time() - tic
        n = max(sums.pop("steps"), 1)
        means = d.all_sum([v / n for v in sums.values()])
        row = {"epoch": epoch + 1, "lr": lr, "gamma": gamma, "lambda": lam, "seconds": time.time() - tic,
               **{f"train_{k}": v / d.world for k, v in zip(sums, means)}}
        every = cfg.get("evalEveryEpochs", 0)
        if epoch + 1 == epochs or (every and (epoch + 1) % every == 0):
            last_eval = evaluate(model, eval_loader, d, task, model.config["numClasses"], args.amp)
            row.update({f"eval_{k}": v for k, v in last_eval.items()})
        history.append(row)
        log(f"epoch {epoch + 1}/{epochs}: " + " ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items() if k != "epoch"))
        if d.rank == 0:
            write_json(os.path.join(args.out, "metrics", "epochs.json"), history)
        sync_buffers(model, d)
        checkpoint(epoch + 1, 0, epoch + 1 == epochs, last_eval)
        if d.world > 1:
            dist.barrier()
    if d.rank == 0:
        save_checkpoint(os.path.join(args.out, "checkpoints", "final.safetensors"), model, None,
                        {"epoch": epochs, "step": 0, "globalStep": global_step, "history": history,
                         "trainSeconds": train_seconds, "trainConfig": cfg, "completed": True,
                         "framework": "pytorch", "worldSize": d.world, **({"evalPytorch": last_eval} if last_eval else {})})
        log(f"train_ddp: done; {os.path.join(args.out, 'checkpoints', 'final.safetensors')}")
    if d.world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
