// Runs ON the GPU machine (see bench/gpu/README.md): training-step images/s of the project's own dense and
// gated ResNet-20 (batch 128, 32x32) and ResNet-18 (batch 64, 224x224) on the webgpu backend, and the same
// architectures in PyTorch (fp32 and tf32) on the same GPU in the same run (bench/reference/resnet_torch.py).
// Writes one JSON file and prints a table. Flags: --out <file> --backend <name> (default webgpu)
// --smoke (tiny sizes, to check the harness on a CPU) --no-torch.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendName, initBackend } from '../../src/backend/index.js';
import type { ModelName } from '../../src/models/model_types.js';
import { machineInfo } from '../lib/results.js';
import { secondsPerStep } from '../lib/train_step_timer.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const smoke = process.argv.includes('--smoke');
const out = flag('--out', 'gpu-results.json');
const backend = flag('--backend', 'webgpu') as BackendName;
const python = flag('--python', 'python3');

interface Config {
  model: ModelName;
  torchArgs: string[];
  batch: number;
  size: number;
  steps: number;
}

const CONFIGS: Config[] = smoke
  ? [
      { model: 'resnet20', torchArgs: ['--arch', 'cifar', '--depth', '20'], batch: 8, size: 32, steps: 2 },
      { model: 'resnet18', torchArgs: ['--arch', 'resnet18'], batch: 2, size: 64, steps: 1 },
    ]
  : [
      { model: 'resnet20', torchArgs: ['--arch', 'cifar', '--depth', '20'], batch: 128, size: 32, steps: 20 },
      { model: 'resnet18', torchArgs: ['--arch', 'resnet18'], batch: 64, size: 224, steps: 10 },
    ];

interface Row {
  framework: string;
  model: string;
  gated: boolean;
  batch: number;
  size: number;
  imagesPerSecond: number;
}

function torchRow(
  cfg: Config,
  gated: boolean,
  precision: 'fp32' | 'tf32',
  device: string,
): Row | { error: string } {
  const script = join(import.meta.dirname, '..', 'reference', 'resnet_torch.py');
  const args = [script, ...cfg.torchArgs, '--batch', String(cfg.batch), '--size', String(cfg.size)];
  args.push('--steps', String(cfg.steps * 2), '--device', device, '--precision', precision, '--threads', '8');
  if (gated) args.push('--gated');
  const run = spawnSync(python, args, { encoding: 'utf8' });
  if (run.status !== 0)
    return { error: `${python} ${args.join(' ')}: ${run.stderr.trim().split('\n').at(-1)}` };
  const r = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
  return {
    framework: `pytorch-${precision}`,
    model: cfg.model,
    gated,
    batch: cfg.batch,
    size: cfg.size,
    imagesPerSecond: r.imagesPerSecond,
  };
}

async function main(): Promise<void> {
  const report = await initBackend(backend);
  console.log(`backend ${report.name}: ${report.reason}`);
  const rows: Row[] = [];
  const errors: string[] = [];
  for (const cfg of CONFIGS) {
    for (const gated of [false, true]) {
      const seconds = await secondsPerStep({
        model: cfg.model,
        gated,
        batch: cfg.batch,
        size: cfg.size,
        steps: cfg.steps,
        warmup: 2,
      });
      rows.push({
        framework: `tfjs-${report.name}`,
        model: cfg.model,
        gated,
        batch: cfg.batch,
        size: cfg.size,
        imagesPerSecond: cfg.batch / seconds,
      });
      console.log(
        `tfjs ${cfg.model} ${gated ? 'gated' : 'dense'}: ${(cfg.batch / seconds).toFixed(1)} images/s`,
      );
      if (!process.argv.includes('--no-torch')) {
        for (const precision of ['fp32', 'tf32'] as const) {
          const r = torchRow(cfg, gated, precision, smoke ? 'cpu' : 'cuda');
          if ('error' in r) errors.push(r.error);
          else rows.push(r);
        }
      }
    }
  }
  const ratio = (model: string, gated: boolean) => {
    const ours = rows.find((r) => r.framework.startsWith('tfjs') && r.model === model && r.gated === gated);
    const ref = rows.find((r) => r.framework === 'pytorch-fp32' && r.model === model && r.gated === gated);
    return ours && ref ? ours.imagesPerSecond / ref.imagesPerSecond : null;
  };
  const ratios = Object.fromEntries(
    CONFIGS.flatMap((c) =>
      [false, true].map((g) => [`${c.model}-${g ? 'gated' : 'dense'}-vs-pytorch-fp32`, ratio(c.model, g)]),
    ),
  );
  const result = {
    benchmark: 'training step images/s, project models vs PyTorch on the same device',
    smoke,
    machine: machineInfo(),
    backend: report,
    tfjsBackendFlags: tf.env().getFlags(),
    rows,
    ratios,
    errors,
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log('\n| framework | model | gated | batch | size | images/s |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.framework} | ${r.model} | ${r.gated} | ${r.batch} | ${r.size} | ${r.imagesPerSecond.toFixed(1)} |`,
    );
  console.log(JSON.stringify(ratios));
  for (const e of errors) console.log(`error: ${e}`);
}

await main();
