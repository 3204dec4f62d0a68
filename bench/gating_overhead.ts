// Gating overhead of a training step on wasm, in one process: a dense ResNet-20, the gated one with the fused gate
// kernels (BatchShapingGateForward/Backward, src/gates/fused_gate.ts) and the gated one with them unregistered (the
// tf-op gate), stepping in turn round after round, so drift and other load hit all three alike. Each step is the
// library's trainStep (bench/lib/train_step_timer.ts: forward, backward through CE + batch-shaping + L0, our SGD);
// each step is timed in wall time and in process CPU time, and the medians over the rounds are compared.
//   npm run bench:gating [-- --batch 32 --threads 1 --rounds 40]  ->  bench/results/gating_overhead[-b128][-threads2].json
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init_backend.js';
import { GATE_FORWARD_KERNEL } from '../src/gates/fused_gate.js';
import { intArg as intArgOf } from './lib/args.js';
import { machineInfo, writeResult } from './lib/results.js';
import { trainStepFixture } from './lib/train_step_timer.js';

const intArg = (flag: string, fallback: number) => intArgOf('bench/gating_overhead.ts', flag, fallback);

const batch = intArg('--batch', 32);
const threads = intArg('--threads', 1);
const rounds = intArg('--rounds', 40);
const loadBefore = loadavg()[0]!;
const report = await initBackend('wasm', { wasmThreads: threads });
const forward = tf.getKernel(GATE_FORWARD_KERNEL, 'wasm');
if (forward === undefined)
  throw new Error(`bench/gating_overhead.ts: wasm has no ${GATE_FORWARD_KERNEL} kernel`);
/** The fused gate on or off (ChannelGate.apply takes the tf-op gate when the forward kernel is missing). */
function fusedGate(on: boolean): void {
  const registered = tf.getKernel(GATE_FORWARD_KERNEL, 'wasm') !== undefined;
  if (on && !registered) tf.registerKernel(forward!);
  if (!on && registered) tf.unregisterKernel(GATE_FORWARD_KERNEL, 'wasm');
}

const variants = { dense: false, fused: true, unfused: true } as const;
type Variant = keyof typeof variants;
const fixtures = Object.fromEntries(
  Object.entries(variants).map(([name, gated]) => [
    name,
    trainStepFixture({ model: 'resnet20', gated, batch, size: 32 }),
  ]),
) as Record<Variant, ReturnType<typeof trainStepFixture>>;
const cpuMs: Record<Variant, number[]> = { dense: [], fused: [], unfused: [] };
const wallMs: Record<Variant, number[]> = { dense: [], fused: [], unfused: [] };
const order = Object.keys(variants) as Variant[];
for (let r = -1; r < rounds; r++) {
  // Each round starts with another variant (what a step leaves behind, e.g. garbage, lands on the next).
  const start = ((r % order.length) + order.length) % order.length;
  for (const name of [...order.slice(start), ...order.slice(0, start)]) {
    fusedGate(name !== 'unfused');
    const before = process.cpuUsage();
    const t0 = performance.now();
    await fixtures[name].step();
    const wall = Math.round((performance.now() - t0) * 1000) / 1000;
    const used = process.cpuUsage(before);
    if (r < 0) continue; // round -1 warms up
    cpuMs[name].push((used.user + used.system) / 1000);
    wallMs[name].push(wall);
  }
}
fusedGate(true);
for (const f of Object.values(fixtures)) f.dispose();

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
/** Medians per variant; the overheads of the medians; the median of per-round ratios (a round shares conditions). */
function summary(ms: Record<Variant, number[]>) {
  const med = Object.fromEntries(order.map((k) => [k, Math.round(median(ms[k]) * 10) / 10])) as Record<
    Variant,
    number
  >;
  const perRound = (v: Variant) => round3(median(ms[v].map((t, i) => t / ms.dense[i]!)) - 1);
  return {
    medianMsPerStep: med,
    overhead: { fused: round3(med.fused / med.dense - 1), unfused: round3(med.unfused / med.dense - 1) },
    overheadPerRound: { fused: perRound('fused'), unfused: perRound('unfused') },
  };
}
const result = {
  benchmark: 'gating_overhead',
  description:
    'ms per training step of ResNet-20 (32x32) on wasm: dense, gated with the fused gate kernels, gated with the tf-op gate; in-process, alternating, medians. wall: the step as the caller waits for it; cpu: the process CPU time of the step, all threads (V8 garbage collection included)',
  machine: machineInfo(),
  loadAverage: { before: loadBefore, after: loadavg()[0] },
  wasm: report.reason,
  batch,
  threads,
  rounds,
  wall: summary(wallMs),
  cpu: summary(cpuMs),
  wallMsPerStep: wallMs,
  cpuMsPerStep: cpuMs,
};
const name = `gating_overhead${batch === 32 ? '' : `-b${batch}`}${threads === 1 ? '' : `-threads${threads}`}`;
console.log(JSON.stringify({ wall: result.wall, cpu: result.cpu }));
console.log(`wrote ${writeResult(name, result)}`);
