// Runs ON the GPU machine (see bench/gpu/README.md), or here on lavapipe as a smoke test (--smoke):
//  1. training-step images/s of the project's own dense and gated ResNet-20 (batch 128, 32x32) and ResNet-18
//     (batch 64, 224x224) on the webgpu backend, through the library's training API (train_step_ab.ts), with our
//     webgpu training kernels, with all of them stock, and with each one alone stock (A/B, alternating steps);
//  2. the same architectures in PyTorch (fp32 and tf32) on the same GPU (torch_reference.ts);
//  3. each of our kernels against the stock one on the models' layer shapes (kernel_ab.ts), with agreement;
//  4. our fused batch-norm backward against the tf-op gradient the library runs today (batch_norm_ab.ts).
// Writes one JSON file after every measurement (a run cut short keeps what it measured) and prints a table.
// Flags: --out <file> (default gpu-<date>.json here) --backend <name> (default webgpu) --smoke (tiny sizes, few
// steps) --no-torch --python <exe> --torch-script <path> --budget-s <seconds> (default 480: stop starting new
// measurements after that) --no-kernels (skip parts 3 and 4) --strict (exit 1 if a measurement failed, a loss is not
// finite or ours and stock disagree by more than 1e-4 relative: the smoke test's verdict).
import { renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../../src/backend/backend_names.js';
import { initBackend } from '../../src/backend/init_backend.js';
import type { ModelName } from '../../src/models/model_types.js';
import { type BatchNormAbRow, batchNormAb } from './batch_norm_ab.js';
import { type ConvCase, type KernelAbRow, kernelAb } from './kernel_ab.js';
import { applyVariant, type KernelVariant, kernelVariants } from './kernel_switch.js';
import { runTorch, type TorchRun } from './torch_reference.js';
import { timeTrainStepVariants, type VariantTiming } from './train_step_ab.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const started = performance.now();
const smoke = process.argv.includes('--smoke');
const date = new Date().toISOString().slice(0, 10);
const out = flag('--out', `gpu-${date}${smoke ? '-smoke' : ''}.json`);
const backendName = flag('--backend', 'webgpu') as BackendName;
const python = flag('--python', 'python3');
const torchScript = process.argv.includes('--torch-script') ? flag('--torch-script', '') : undefined;
const budgetSeconds = Number(flag('--budget-s', '480'));
const withTorch = !process.argv.includes('--no-torch');
const withKernels = !process.argv.includes('--no-kernels');
const strict = process.argv.includes('--strict');
const deadline = started + budgetSeconds * 1000;

interface StepConfig {
  model: ModelName;
  torchArgs: string[];
  batch: number;
  size: number;
  rounds: number;
  torchSteps: number;
}

const STEP_CONFIGS: StepConfig[] = smoke
  ? [
      {
        model: 'resnet20',
        torchArgs: ['--arch', 'cifar', '--depth', '20'],
        batch: 4,
        size: 32,
        rounds: 1,
        torchSteps: 2,
      },
      { model: 'resnet18', torchArgs: ['--arch', 'resnet18'], batch: 2, size: 32, rounds: 1, torchSteps: 1 },
    ]
  : [
      {
        model: 'resnet20',
        torchArgs: ['--arch', 'cifar', '--depth', '20'],
        batch: 128,
        size: 32,
        rounds: 5,
        torchSteps: 20,
      },
      {
        model: 'resnet18',
        torchArgs: ['--arch', 'resnet18'],
        batch: 64,
        size: 224,
        rounds: 3,
        torchSteps: 10,
      },
    ];

const KERNEL_CASES: ConvCase[] = smoke
  ? [
      { label: 'smoke 3x3 4->8 s1', x: [2, 8, 8, 4], k: 3, co: 8, stride: 1, pad: 'same' },
      { label: 'smoke 3x3 4->8 s2', x: [2, 8, 8, 4], k: 3, co: 8, stride: 2, pad: 'same' },
    ]
  : [
      { label: 'resnet20 3x3 16->16 s1', x: [128, 32, 32, 16], k: 3, co: 16, stride: 1, pad: 'same' },
      { label: 'resnet20 3x3 16->32 s2', x: [128, 32, 32, 16], k: 3, co: 32, stride: 2, pad: 'same' },
      { label: 'resnet20 3x3 32->32 s1', x: [128, 16, 16, 32], k: 3, co: 32, stride: 1, pad: 'same' },
      { label: 'resnet20 3x3 64->64 s1', x: [128, 8, 8, 64], k: 3, co: 64, stride: 1, pad: 'same' },
      { label: 'resnet18 7x7 3->64 s2 (stem)', x: [64, 224, 224, 3], k: 7, co: 64, stride: 2, pad: 3 },
      { label: 'resnet18 3x3 64->64 s1', x: [64, 56, 56, 64], k: 3, co: 64, stride: 1, pad: 'same' },
      { label: 'resnet18 3x3 64->128 s2', x: [64, 56, 56, 64], k: 3, co: 128, stride: 2, pad: 'same' },
      { label: 'resnet18 1x1 64->128 s2', x: [64, 56, 56, 64], k: 1, co: 128, stride: 2, pad: 'valid' },
      { label: 'resnet18 3x3 128->128 s1', x: [64, 28, 28, 128], k: 3, co: 128, stride: 1, pad: 'same' },
      { label: 'resnet18 3x3 256->256 s1', x: [64, 14, 14, 256], k: 3, co: 256, stride: 1, pad: 'same' },
      { label: 'resnet18 3x3 512->512 s1', x: [64, 7, 7, 512], k: 3, co: 512, stride: 1, pad: 'same' },
    ];

/** Activation shapes [N, H, W, C] for the batch-norm backward A/B. */
const BATCH_NORM_CASES: [string, number[]][] = smoke
  ? [
      ['smoke 16 channels', [4, 8, 8, 16]],
      ['smoke 130 channels', [2, 4, 4, 130]],
    ]
  : [
      ['resnet20 stage 1', [128, 32, 32, 16]],
      ['resnet20 stage 3', [128, 8, 8, 64]],
      ['resnet18 stem', [64, 112, 112, 64]],
      ['resnet18 stage 1', [64, 56, 56, 64]],
      ['resnet18 stage 4', [64, 7, 7, 512]],
    ];

interface StepRow {
  model: ModelName;
  gated: boolean;
  batch: number;
  size: number;
  /** tfjs on the backend, one entry per kernel variant ('ours', 'stock', 'stock-<Kernel>'). */
  tfjs: VariantTiming[];
  pytorch: TorchRun[];
  /** ours images/s / stock images/s (stock with its default, naive input gradient). */
  speedupOverStock: number | null;
  /** ours images/s / the faster of stock and stock-mm (stock's matmul input gradient). */
  speedupOverBestStock: number | null;
  /** ours images/s / PyTorch fp32 images/s (the target: >= 0.1). */
  ratioToPytorchFp32: number | null;
}

const result = {
  benchmark:
    'training step images/s of the project models on webgpu (our kernels vs stock) vs PyTorch on the same device',
  smoke,
  machine: {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    tfjsCore: tf.version_core,
    date: new Date().toISOString(),
  },
  backend: undefined as unknown,
  tfjsFlags: {} as Record<string, unknown>,
  steps: [] as StepRow[],
  kernels: [] as KernelAbRow[],
  batchNorm: [] as BatchNormAbRow[],
  errors: [] as string[],
  budget: { seconds: budgetSeconds, cutShort: [] as string[] },
};

function save(): void {
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(result, null, 2)}\n`);
  renameSync(tmp, out);
}

function overBudget(what: string): boolean {
  if (performance.now() <= deadline) return false;
  result.budget.cutShort.push(what);
  save(); // the skip is on record even when nothing is measured after it
  console.log(`budget: skipping ${what}`);
  return true;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}

async function main(): Promise<void> {
  const report = await initBackend(backendName);
  result.backend = report;
  console.log(`backend ${report.name}: ${report.reason}`);
  const webgpu = report.name === 'webgpu';
  const variants: KernelVariant[] = webgpu ? kernelVariants() : [{ name: 'ours', stock: [] }];
  result.tfjsFlags = tf.env().getFlags();
  save();

  for (const cfg of STEP_CONFIGS) {
    for (const gated of [false, true]) {
      const what = `${cfg.model} ${gated ? 'gated' : 'dense'} batch ${cfg.batch} ${cfg.size}x${cfg.size}`;
      if (overBudget(what)) continue;
      const row: StepRow = {
        model: cfg.model,
        gated,
        batch: cfg.batch,
        size: cfg.size,
        tfjs: [],
        pytorch: [],
        speedupOverStock: null,
        speedupOverBestStock: null,
        ratioToPytorchFp32: null,
      };
      result.steps.push(row);
      try {
        row.tfjs = await timeTrainStepVariants({ ...cfg, gated, variants, deadline });
      } catch (err) {
        result.errors.push(`tfjs ${what}: ${message(err)}`);
      } finally {
        if (webgpu) applyVariant({ name: 'ours', stock: [] });
      }
      for (const t of row.tfjs) {
        console.log(
          `tfjs ${what} [${t.variant}]: ${t.imagesPerSecond.toFixed(1)} images/s (loss ${t.lastLoss.toFixed(3)})`,
        );
      }
      save();
      if (withTorch) {
        for (const precision of ['fp32', 'tf32'] as const) {
          const r = runTorch({
            python,
            archArgs: cfg.torchArgs,
            gated,
            batch: cfg.batch,
            size: cfg.size,
            steps: cfg.torchSteps,
            device: smoke ? 'cpu' : 'cuda',
            precision,
            ...(torchScript !== undefined ? { script: torchScript } : {}),
          });
          if ('error' in r) result.errors.push(`pytorch ${precision} ${what}: ${r.error}`);
          else {
            row.pytorch.push(r);
            console.log(`pytorch-${precision} ${what}: ${r.imagesPerSecond.toFixed(1)} images/s`);
          }
          if (smoke) break; // tf32 means nothing on the CPU
        }
      }
      const ours = row.tfjs.find((t) => t.variant === 'ours');
      const stock = row.tfjs.find((t) => t.variant === 'stock');
      const fp32 = row.pytorch.find((p) => p.precision === 'fp32');
      row.speedupOverStock = ours && stock ? ours.imagesPerSecond / stock.imagesPerSecond : null;
      const bestStock = Math.max(
        ...row.tfjs
          .filter((t) => t.variant === 'stock' || t.variant === 'stock-mm')
          .map((t) => t.imagesPerSecond),
      );
      row.speedupOverBestStock = ours && Number.isFinite(bestStock) ? ours.imagesPerSecond / bestStock : null;
      row.ratioToPytorchFp32 = ours && fp32 ? ours.imagesPerSecond / fp32.imagesPerSecond : null;
      save();
    }
  }

  if (webgpu && withKernels) {
    for (const c of KERNEL_CASES) {
      if (overBudget(`kernels ${c.label}`)) continue;
      try {
        const rows = await kernelAb(c, smoke ? 2 : 5, smoke ? 1 : 3, deadline);
        result.kernels.push(...rows);
        for (const r of rows) {
          const ms = Object.entries(r.msPerCall)
            .map(([v, t]) => `${v} ${t.toFixed(2)} ms`)
            .join(', ');
          console.log(
            `${r.kernel} ${r.case}: ${ms}; ${r.speedupOverStock.toFixed(2)}x; err ${r.relErrVsStock.toExponential(1)}`,
          );
        }
      } catch (err) {
        result.errors.push(`kernels ${c.label}: ${message(err)}`);
      }
      save();
    }
  }

  if (webgpu && withKernels) {
    for (const [label, shape] of BATCH_NORM_CASES) {
      if (overBudget(`batch norm ${label}`)) continue;
      try {
        const r = await batchNormAb(label, shape, smoke ? 2 : 5, smoke ? 1 : 3, deadline);
        result.batchNorm.push(r);
        console.log(
          `${r.kernel} ${label} [${shape}]: fused ${r.msPerCall.fused!.toFixed(2)} ms, tf ops ${r.msPerCall['tf-ops']!.toFixed(2)} ms; ${r.speedupOverOps.toFixed(2)}x; err ${r.relErrVsOps.toExponential(1)}`,
        );
      } catch (err) {
        result.errors.push(`batch norm ${label}: ${message(err)}`);
      }
      save();
    }
  }

  printTable();
  console.log(`wrote ${out} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  if (strict) {
    const problems = verdict();
    for (const p of problems) console.log(`strict: ${p}`);
    if (problems.length > 0) process.exitCode = 1;
    else console.log('strict: every measurement ran, losses finite, ours agrees with stock and with tf ops');
  }
}

/** What --strict fails on. */
function verdict(): string[] {
  const problems = [...result.errors, ...result.budget.cutShort.map((w) => `cut short by the budget: ${w}`)];
  for (const s of result.steps) {
    for (const t of s.tfjs) {
      if (!Number.isFinite(t.lastLoss))
        problems.push(`${s.model} gated=${s.gated} [${t.variant}]: loss ${t.lastLoss}`);
    }
    if (s.tfjs.length === 0) problems.push(`${s.model} gated=${s.gated}: no tfjs timing`);
  }
  for (const k of result.kernels) {
    if (!(k.relErrVsStock <= 1e-4)) problems.push(`${k.kernel} ${k.case}: ours vs stock ${k.relErrVsStock}`);
  }
  for (const b of result.batchNorm) {
    if (!(b.relErrVsOps <= 1e-4)) problems.push(`${b.kernel} ${b.case}: fused vs tf ops ${b.relErrVsOps}`);
  }
  return problems;
}

function printTable(): void {
  const names = [...new Set(result.steps.flatMap((s) => s.tfjs.map((t) => t.variant)))];
  console.log(
    `\n| model | gated | batch | size | ${names.map((n) => `tfjs ${n}`).join(' | ')} | pytorch fp32 | pytorch tf32 | ours / stock | ours / best stock | ours / pytorch fp32 |`,
  );
  console.log(`|${' --- |'.repeat(names.length + 9)}`);
  for (const s of result.steps) {
    const cell = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(1));
    const v = names.map((n) => cell(s.tfjs.find((t) => t.variant === n)?.imagesPerSecond));
    const p = (prec: string) => cell(s.pytorch.find((r) => r.precision === prec)?.imagesPerSecond);
    const ratio = (x: number | null) => (x === null ? '-' : x.toFixed(3));
    console.log(
      `| ${s.model} | ${s.gated} | ${s.batch} | ${s.size} | ${v.join(' | ')} | ${p('fp32')} | ${p('tf32')} | ${ratio(s.speedupOverStock)} | ${ratio(s.speedupOverBestStock)} | ${ratio(s.ratioToPytorchFp32)} |`,
    );
  }
  for (const e of result.errors) console.log(`error: ${e}`);
}

try {
  await main();
} catch (err) {
  result.errors.push(`fatal: ${message(err)}`);
  save();
  console.error(err);
  process.exitCode = 1;
}
