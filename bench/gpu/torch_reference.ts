// The PyTorch side of the GPU benchmark: runs bench/reference/resnet_torch.py (the same architectures as the
// project's models) for one configuration and returns its training-step images/s, or why it could not run.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface TorchRun {
  precision: 'fp32' | 'tf32';
  imagesPerSecond: number;
  torchVersion: string;
}

export interface TorchOptions {
  python: string;
  /** resnet_torch.py's architecture flags, e.g. ['--arch', 'cifar', '--depth', '20']. */
  archArgs: string[];
  gated: boolean;
  batch: number;
  size: number;
  steps: number;
  device: string;
  precision: 'fp32' | 'tf32';
  /** Where resnet_torch.py is (the bundle on the GPU machine has no bench/ tree next to it). */
  script?: string;
  timeoutMs?: number;
}

export function defaultTorchScript(): string {
  return join(import.meta.dirname, '..', 'reference', 'resnet_torch.py');
}

export function runTorch(o: TorchOptions): TorchRun | { error: string } {
  const args = [
    o.script ?? defaultTorchScript(),
    ...o.archArgs,
    '--batch',
    String(o.batch),
    '--size',
    String(o.size),
  ];
  args.push('--steps', String(o.steps), '--device', o.device, '--precision', o.precision, '--threads', '8');
  if (o.gated) args.push('--gated');
  const run = spawnSync(o.python, args, { encoding: 'utf8', timeout: o.timeoutMs ?? 180_000 });
  if (run.error !== undefined) return { error: `${o.python} ${args.join(' ')}: ${run.error.message}` };
  if (run.status !== 0) {
    return { error: `${o.python} ${args.join(' ')}: ${(run.stderr ?? '').trim().split('\n').at(-1)}` };
  }
  try {
    const r = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      imagesPerSecond: number;
      version: string;
    };
    return { precision: o.precision, imagesPerSecond: r.imagesPerSecond, torchVersion: r.version };
  } catch {
    return { error: `${o.python} ${args.join(' ')}: no JSON line in its output: ${run.stdout.slice(-200)}` };
  }
}
