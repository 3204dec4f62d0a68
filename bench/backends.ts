// Training-step throughput (images/s) of ResNet-20 (CIFAR 32x32), dense and channel-gated, on every backend
// available here, and the same networks in PyTorch on the same cores in the same run (Debian's python3-torch,
// installed by this script if missing) as the CPU reference. Also profiles one wasm training step by kernel.
// Output: bench/results/backends.json. Run: npm run bench:backends [-- --quick]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init_backend.js';
import { probeBackends } from '../src/backend/probe_backends.js';
import { machineInfo, writeResult } from './lib/results.js';
import { secondsPerStep, trainStepFixture } from './lib/train_step_timer.js';

const quick = process.argv.includes('--quick');
const BATCHES = [32, 128];

interface Measurement {
  backend: string;
  framework: string;
  model: string;
  gated: boolean;
  batch: number;
  steps: number;
  imagesPerSecond: number;
}

/** Per-kernel time of one gated training step (tf.profile), as shares of the step. */
async function profileStep(
  batch: number,
): Promise<{ kernel: string; ms: number; share: number; calls: number }[]> {
  const fixture = trainStepFixture({ model: 'resnet20', gated: true, batch, size: 32 });
  await fixture.step();
  const info = await tf.profile(() => fixture.step());
  fixture.dispose();
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls += 1;
    byKernel.set(k.name, entry);
  }
  const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
  return [...byKernel.entries()]
    .map(([kernel, e]) => ({
      kernel,
      ms: +e.ms.toFixed(2),
      share: +(e.ms / total).toFixed(4),
      calls: e.calls,
    }))
    .sort((a, b) => b.ms - a.ms);
}

function ensureTorch(): string | undefined {
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status === 0) return python;
  console.log('installing Debian python3-torch for the PyTorch reference ...');
  const install = spawnSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq python3-torch'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return install.status === 0 ? python : undefined;
}

function torchStep(python: string, gated: boolean, batch: number, steps: number): Measurement {
  const script = join(import.meta.dirname, 'reference', 'resnet_torch.py');
  const args = [
    script,
    '--depth',
    '20',
    '--batch',
    String(batch),
    '--steps',
    String(steps),
    '--threads',
    '2',
  ];
  if (gated) args.push('--gated');
  const out = spawnSync(python, args, { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`PyTorch reference failed: ${out.stderr}`);
  const r = JSON.parse(out.stdout.trim().split('\n').at(-1)!);
  return {
    backend: `pytorch-cpu-${r.threads}t`,
    framework: `pytorch ${r.version}`,
    model: 'resnet20',
    gated,
    batch,
    steps,
    imagesPerSecond: r.imagesPerSecond,
  };
}

async function main(): Promise<void> {
  const probes = await probeBackends();
  const available = probes.filter((p) => p.available).map((p) => p.name);
  const measurements: Measurement[] = [];
  let wasmThreads = 'n/a';
  for (const name of available) {
    const report = await initBackend(name);
    if (name === 'wasm') wasmThreads = report.reason;
    // The pure-JS cpu backend needs about a minute per ResNet-20 step: one small batch tells the ratio.
    const batches = name === 'cpu' ? [8] : quick ? [32] : BATCHES;
    const steps = name === 'cpu' ? 1 : quick ? 2 : 5;
    for (const gated of [false, true]) {
      if (name === 'cpu' && gated) continue;
      for (const batch of batches) {
        const seconds = await secondsPerStep({ model: 'resnet20', gated, batch, size: 32, steps });
        const m = {
          backend: name,
          framework: 'tfjs',
          model: 'resnet20',
          gated,
          batch,
          steps,
          imagesPerSecond: batch / seconds,
        };
        measurements.push(m);
        console.log(
          `${name.padEnd(8)} ${gated ? 'gated' : 'dense'} batch ${batch}: ${m.imagesPerSecond.toFixed(1)} images/s`,
        );
      }
    }
  }
  const python = ensureTorch();
  if (python !== undefined) {
    for (const gated of [false, true]) {
      for (const batch of quick ? [32] : BATCHES) {
        const m = torchStep(python, gated, batch, quick ? 3 : 10);
        measurements.push(m);
        console.log(
          `pytorch  ${gated ? 'gated' : 'dense'} batch ${batch}: ${m.imagesPerSecond.toFixed(1)} images/s`,
        );
      }
    }
  }
  let profile: Awaited<ReturnType<typeof profileStep>> = [];
  if (available.includes('wasm')) {
    await initBackend('wasm');
    profile = await profileStep(32);
  }
  const find = (backend: string, gated: boolean, batch: number) =>
    measurements.find((m) => m.backend.startsWith(backend) && m.gated === gated && m.batch === batch)
      ?.imagesPerSecond;
  const wasmDense32 = find('wasm', false, 32);
  const cpuDense8 = find('cpu', false, 8);
  const ratios = {
    wasmOverCpu: wasmDense32 && cpuDense8 ? wasmDense32 / cpuDense8 : null,
    wasmOverPytorchDense32:
      wasmDense32 && find('pytorch', false, 32) ? wasmDense32 / find('pytorch', false, 32)! : null,
    wasmOverPytorchDense128:
      find('wasm', false, 128) && find('pytorch', false, 128)
        ? find('wasm', false, 128)! / find('pytorch', false, 128)!
        : null,
    wasmOverPytorchGated32:
      find('wasm', true, 32) && find('pytorch', true, 32)
        ? find('wasm', true, 32)! / find('pytorch', true, 32)!
        : null,
  };
  const path = writeResult('backends', {
    benchmark: 'ResNet-20 (CIFAR, 32x32) training step: forward, backward, SGD momentum; gated adds BaS + L0',
    machine: machineInfo(),
    backends: probes,
    wasm: wasmThreads,
    quick,
    measurements,
    ratios,
    wasmProfileGatedBatch32: profile.slice(0, 20),
  });
  console.log(JSON.stringify(ratios));
  console.log(`wrote ${path}`);
}

await main();
