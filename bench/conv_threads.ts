// Our Conv2D (simd/conv.wat's conv2d, split over our SIMD pool) against XNNPACK's inside whole training steps on a
// threaded wasm backend: the same step (the library's trainStep, bench/lib/train_step_timer.ts) with the registered
// Conv2D taking our kernel where it can (3x3 over 8-64 input channels; setWasmConv2DMaxThreads(threads)) or always
// XNNPACK's (setWasmConv2DMaxThreads(1)), alternating step by step in one process, so drift and other load hit
// both alike. Each step timed in wall and process CPU time; medians over the rounds and of the per-round ratios.
// Models: npm start's (gated ResNet-20 at width 0.5, 28x28, batch 64), ResNet-20 at batch 32 gated and dense, and
// ResNet-18 at 224x224, batch 8, gated (its 64-channel stage only takes ours).
//   node --import tsx bench/conv_threads.ts [--threads 2] [--rounds 30] [--quick]  ->  bench/results/conv_threads.json
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init_backend.js';
import { setWasmConv2DMaxThreads } from '../src/backend/wasm/conv2d.js';
import { simdPool } from '../src/backend/wasm/simd_pool.js';
import type { BackendWasm } from '../src/backend/wasm/wasm_kernel_utils.js';
import { intArg as intArgOf } from './lib/args.js';
import { machineInfo, writeResult } from './lib/results.js';
import { type StepTimingOptions, trainStepFixture } from './lib/train_step_timer.js';

const intArg = (flag: string, fallback: number) => intArgOf('bench/conv_threads.ts', flag, fallback);

const quick = process.argv.includes('--quick');
const threads = intArg('--threads', 2);
const rounds = intArg('--rounds', quick ? 3 : 30);
if (threads < 2)
  throw new Error(`bench/conv_threads.ts: option '--threads' must be >= 2 (one thread always runs ours)`);
const loadBefore = loadavg()[0]!;
const report = await initBackend('wasm', { wasmThreads: threads });
const poolThreads = simdPool(tf.backend() as unknown as BackendWasm).threads;
if (poolThreads !== threads) {
  throw new Error(
    `bench/conv_threads.ts: the SIMD pool has ${poolThreads} thread(s), not ${threads}: ${report.reason}`,
  );
}

/** A step to time (trainStepFixture's options), its label, and its rounds relative to --rounds. */
type Case = Omit<StepTimingOptions, 'steps' | 'warmup'> & { name: string; share: number };
const CASES: Case[] = [
  {
    name: 'npm start: gated ResNet-20 x0.5, 28x28, b64',
    model: 'resnet20',
    gated: true,
    batch: 64,
    size: 28,
    widthMultiplier: 0.5,
    gateBiasInit: 1.5,
    share: 1,
  },
  { name: 'gated ResNet-20, 32x32, b32', model: 'resnet20', gated: true, batch: 32, size: 32, share: 1 },
  { name: 'dense ResNet-20, 32x32, b32', model: 'resnet20', gated: false, batch: 32, size: 32, share: 1 },
  // ResNet-18 steps take ~10x longer: fewer rounds.
  { name: 'gated ResNet-18, 224x224, b8', model: 'resnet18', gated: true, batch: 8, size: 224, share: 0.3 },
];

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const ways = { ours: threads, xnnpack: 1 } as const;
type Way = keyof typeof ways;

const results = [];
for (const c of CASES) {
  const { name, share, ...opts } = c;
  const fixture = trainStepFixture(opts);
  const n = Math.max(quick ? 1 : 3, Math.round(rounds * share));
  const wall: Record<Way, number[]> = { ours: [], xnnpack: [] };
  const cpu: Record<Way, number[]> = { ours: [], xnnpack: [] };
  for (let r = -1; r < n; r++) {
    const order: Way[] = r % 2 === 0 ? ['ours', 'xnnpack'] : ['xnnpack', 'ours'];
    for (const way of order) {
      setWasmConv2DMaxThreads(ways[way]);
      const before = process.cpuUsage();
      const t0 = performance.now();
      await fixture.step();
      const ms = performance.now() - t0;
      const used = process.cpuUsage(before);
      if (r < 0) continue; // round -1 warms up both
      wall[way].push(Math.round(ms * 1000) / 1000);
      cpu[way].push((used.user + used.system) / 1000);
    }
  }
  fixture.dispose();
  const summary = (ms: Record<Way, number[]>) => ({
    medianMs: { ours: round3(median(ms.ours)), xnnpack: round3(median(ms.xnnpack)) },
    speedup: round3(median(ms.xnnpack) / median(ms.ours)),
    speedupPerRound: round3(median(ms.ours.map((t, i) => ms.xnnpack[i]! / t))),
  });
  const row = { case: name, rounds: n, wall: summary(wall), cpu: summary(cpu), wallMs: wall, cpuMs: cpu };
  console.log(
    `${name}: ours ${row.wall.medianMs.ours} / XNNPACK ${row.wall.medianMs.xnnpack} ms per step (x${row.wall.speedup} wall, x${row.cpu.speedup} cpu)`,
  );
  results.push(row);
}
setWasmConv2DMaxThreads(threads);

const file = writeResult(`conv_threads${threads === 2 ? '' : `-threads${threads}`}`, {
  benchmark: 'conv_threads',
  description:
    "ms per training step on a threaded wasm backend with the registered Conv2D ours (split over our SIMD pool) or XNNPACK's; alternating steps in one process, medians; speedup = XNNPACK's time / ours",
  machine: machineInfo(),
  loadAverage: { before: loadBefore, after: loadavg()[0] },
  wasm: report.reason,
  threads,
  quick,
  results,
});
console.log(`wrote ${file}`);
