// Benchmark: does conditional inference turn closed gates into wall-clock speed? For ResNet-34 at 224x224 and
// ResNet-20 at 32x32, in one process per backend (wasm = XNNPACK on the CPU; webgpu when an adapter exists):
//   (a) dense     the ungated network (gating 'none'), model.apply in inference mode
//   (b) masked    the gated network, model.apply in inference mode (closed channels multiplied by 0)
//   (c) skip      compileConditional(gated): closed channels skipped where the cost model says it pays
//   (d) folded    compileConditional(gated, { skip: 'never' }): (c)'s engine without skipping (BN folded,
//                 masked), to separate the gain of skipping from that of folding BN
//   (e) skipAll   compileConditional(gated, { skip: 'always' }): gather in every block, whatever it costs
//   (f) skipConv  (c) with lowering 'conv' (batch 1 only): gathered weights always packed by XNNPACK, never
//                 weights x im2col patches; separates the gain of the 'matmul' lowering on 7x7 maps
//   (g) skipUngrouped (c) without calibration (batch 1 only): every open channel gathered and packed per
//                 pattern; separates the gain of the static channel groups
//   (h) skipPacked (c) with directConv false (batch 1 only), calibrated on its own: gathered weights packed
//                 by XNNPACK as before the direct path ((c) runs them on our direct conv)
// (c), (d), (e), (f) and the per-sample variant are calibrated on the calibration batch (net.calibrate,
// minOnRate 'auto'): channels open on nearly all of it form a static group packed once (channel_groups.ts).
// Batch-1 latency (median over distinct samples, variants interleaved per sample), throughput at a batch
// ('shared': one execution on the union of the batch's open channels + mask; 'per-sample': one at a time),
// MAC reduction (models' dynamicMacs / dense MACs) and speedup of (c) over (a) against it, a per-phase
// profile of (c), the number of distinct gate patterns (does a per-pattern weight cache pay?), and the time a
// cache hit would save.
// Gate usage: no trained checkpoint exists yet, so setGateUsage sets every gate on a calibration batch:
// per channel 30% always on, 30% always off, 40% conditional (on-rate ~ U(0.2, 0.8)); the timed inputs are
// other random images, on which about half the channels are on, with a different pattern per sample.
// Run: node --import tsx bench/conditional.ts [--quick] [--backends wasm,webgpu] [--threads 1] [--models resnet20]
//      [--batch N] [--samples N] (override every setting's throughput batch / batch-1 samples: size a run)
//      -> bench/results/conditional.json (--threads N > 1: conditional-threadsN.json)
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { median } from '../src/analysis/summary_stats.js';
import { initBackend } from '../src/backend/init_backend.js';
import { type BackendWasm, wasmHeapBytes } from '../src/backend/wasm/wasm_kernel_utils.js';
import {
  type ConditionalNetwork,
  type ConditionalOutput,
  compileConditional,
} from '../src/inference/conditional_network.js';
import { setGateUsage } from '../src/inference/gate_usage.js';
import { DEFAULT_REPACK_COST } from '../src/inference/skip_policy.js';
import { countMacs, dynamicMacs } from '../src/models/macs.js';
import type { GatedModel, ModelName } from '../src/models/model_types.js';
import { createModel } from '../src/models/registry.js';
import { machineInfo, writeResult } from './lib/results.js';

const quick = process.argv.includes('--quick');

function arg(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`bench/conditional.ts: ${flag} must be an integer >= 1; got '${value}'`);
  return n;
}

interface Setting {
  model: ModelName;
  size: number;
  /** Distinct samples timed at batch 1, each `latencyReps` times (the minimum kept: the load is bursty). */
  latencySamples: number;
  latencyReps: number;
  /** Throughput batch and repetitions. */
  batch: number;
  reps: number;
  calibration: number;
}

// Throughput at batch 64 for both models (quick: ResNet-34 at batch 4). model.apply in inference frees each
// block's intermediates (models/resnet.ts), so a batch of 64 ResNet-34 images fits the wasm heap.
const SETTINGS: Setting[] = [
  {
    model: 'resnet34',
    size: 224,
    latencySamples: quick ? 3 : 8,
    latencyReps: quick ? 2 : 3,
    batch: quick ? 4 : 64,
    reps: quick ? 2 : 3,
    calibration: quick ? 8 : 16,
  },
  {
    model: 'resnet20',
    size: 32,
    latencySamples: quick ? 8 : 32,
    latencyReps: quick ? 5 : 10,
    batch: 64,
    reps: quick ? 2 : 5,
    calibration: 64,
  },
];

function heapMiB(): string {
  if (tf.getBackend() !== 'wasm') return 'n/a';
  return (wasmHeapBytes(tf.backend() as unknown as BackendWasm) / 2 ** 20).toFixed(0);
}

type Runner = (x: tf.Tensor4D) => { logits: tf.Tensor; dispose: () => void; out?: ConditionalOutput };

function modelRunner(model: GatedModel): Runner {
  return (x) => {
    const { logits, gates } = model.apply(x, { training: false });
    return { logits, dispose: () => tf.dispose([logits, ...gates.flatMap((g) => [g.probs, g.mask])]) };
  };
}

/** Conditional runs always profile (a few performance.now calls per block): phases of every timed run. */
function netRunner(net: ConditionalNetwork): Runner {
  return (x) => {
    const out = net.apply(x, { profile: true });
    return { logits: out.logits, out, dispose: () => out.logits.dispose() };
  };
}

/** Milliseconds of one run, ending with a read of the logits (a device sync on webgpu). */
function timeRun(run: Runner, x: tf.Tensor4D): { ms: number; out?: ConditionalOutput } {
  const t0 = performance.now();
  const r = run(x);
  r.logits.dataSync();
  const ms = performance.now() - t0;
  r.dispose();
  return r.out ? { ms, out: r.out } : { ms };
}

function sliceSample(x: tf.Tensor4D, i: number): tf.Tensor4D {
  return tf.slice(x, [i, 0, 0, 0], [1, -1, -1, -1]); // [1, H, W, 3]
}

async function benchSetting(backend: string, s: Setting) {
  const log = (msg: string) => console.log(`[${backend} ${s.model}] ${msg}`);
  const shape: [number, number, number] = [s.size, s.size, 3];
  const dense = createModel(s.model, { gating: 'none', seed: 0 });
  const gated = createModel(s.model, { seed: 0 });
  const calib = tf.randomNormal([s.calibration, ...shape], 0, 1, 'float32', 101) as tf.Tensor4D;
  const t0 = performance.now();
  const calibrationOnFraction = setGateUsage(gated, calib, { alwaysOn: 0.3, alwaysOff: 0.3, seed: 7 });
  log(`gates set in ${((performance.now() - t0) / 1000).toFixed(1)} s, on-fraction ${calibrationOnFraction}`);
  const nets = {
    skip: compileConditional(gated, { skip: 'auto', batchMode: 'shared' }),
    folded: compileConditional(gated, { skip: 'never', batchMode: 'shared' }),
    skipAll: compileConditional(gated, { skip: 'always', batchMode: 'shared' }),
    skipConv: compileConditional(gated, { skip: 'auto', batchMode: 'shared', lowering: 'conv' }),
    skipUngrouped: compileConditional(gated, { skip: 'auto', batchMode: 'shared' }),
    skipPacked: compileConditional(gated, { skip: 'auto', batchMode: 'shared', directConv: false }),
    skipPerSample: compileConditional(gated, { skip: 'auto', batchMode: 'per-sample' }),
  };
  // Static channel groups from the calibration batch (the timed images are other ones), shared by the variants.
  const t1 = performance.now();
  await nets.skip.calibrate(calib);
  await nets.skipPacked.calibrate(calib);
  calib.dispose();
  for (const net of [nets.skipAll, nets.skipConv, nets.skipPerSample]) {
    net.blocks.forEach((b, i) => {
      b.setStaticChannels(nets.skip.blocks[i]!.staticChannels);
    });
  }
  const staticFraction =
    nets.skip.blocks.reduce((a, b) => a + b.staticChannels.length, 0) /
    nets.skip.blocks.reduce((a, b) => a + b.gatedChannels, 0);
  log(
    `calibrated in ${((performance.now() - t1) / 1000).toFixed(1)} s, static channels ${staticFraction.toFixed(3)}`,
  );
  const runners: Record<string, Runner> = {
    dense: modelRunner(dense),
    masked: modelRunner(gated),
    skip: netRunner(nets.skip),
    folded: netRunner(nets.folded),
    skipAll: netRunner(nets.skipAll),
    skipConv: netRunner(nets.skipConv),
    skipUngrouped: netRunner(nets.skipUngrouped),
    skipPacked: netRunner(nets.skipPacked),
  };
  const denseMacs = countMacs(dense, shape).total;

  // ---- batch-1 latency: variants interleaved per sample, each sample with its own gate pattern.
  const xs = tf.randomNormal([s.latencySamples + 1, ...shape], 0, 1, 'float32', 202) as tf.Tensor4D;
  const warm = sliceSample(xs, s.latencySamples);
  for (const run of Object.values(runners)) timeRun(run, warm); // kernel set-up, operator packing, heap growth
  const latency: Record<string, number[]> = Object.fromEntries(Object.keys(runners).map((k) => [k, []]));
  const sampleMacs: number[] = [];
  const phases: Record<string, Record<string, number>[]> = {
    skip: [],
    skipAll: [],
    folded: [],
    skipUngrouped: [],
    skipPacked: [],
  };
  const blockTimes: Record<string, number[][]> = {
    skip: [],
    skipAll: [],
    folded: [],
    skipUngrouped: [],
    skipPacked: [],
  };
  const runsOfSkip: ConditionalOutput['runs'] = [];
  const patterns: string[][] = nets.skip.blocks.map(() => []);
  for (let i = 0; i < s.latencySamples; i++) {
    const x1 = sliceSample(xs, i);
    const best: Record<string, { ms: number; out?: ConditionalOutput }> = {};
    for (let r = 0; r < s.latencyReps; r++) {
      for (const [k, run] of Object.entries(runners)) {
        const t = timeRun(run, x1);
        if (best[k] === undefined || t.ms < best[k]!.ms) best[k] = t;
      }
    }
    for (const [k, { ms, out }] of Object.entries(best)) {
      latency[k]!.push(ms);
      if (out?.profile !== undefined && k in phases) phases[k]!.push(out.profile);
      if (out?.blockMs !== undefined && k in blockTimes) blockTimes[k]!.push(out.blockMs);
      if (k === 'skip' && out !== undefined) {
        sampleMacs.push(dynamicMacs(gated, shape, out.gates).total[0]!);
        runsOfSkip.push(out.runs[0]!);
        out.gates.forEach((g, b) => {
          patterns[b]!.push(g.mask[0]!.join(''));
        });
      }
    }
    x1.dispose();
    log(
      `latency sample ${i}: ${Object.entries(latency)
        .map(([k, v]) => `${k} ${v.at(-1)!.toFixed(0)}`)
        .join(', ')} ms`,
    );
  }
  const medianPhases = (k: string) =>
    Object.fromEntries(Object.keys(phases[k]![0]!).map((p) => [p, median(phases[k]!.map((r) => r[p]!))]));
  // What a cache hit would save: the same sample twice through a 1-pattern cache (second run all hits).
  const cached = compileConditional(gated, { skip: 'always', cacheSize: 1 });
  timeRun(netRunner(cached), warm);
  const cacheHitMs = timeRun(netRunner(cached), warm).ms;
  const cacheMissMs = timeRun(netRunner(nets.skipAll), warm).ms;
  cached.dispose();
  warm.dispose();
  xs.dispose();

  const macReduction1 = denseMacs / median(sampleMacs);
  const pairSpeedups = latency.dense!.map((d, i) => d / latency.skip![i]!);
  const speedup1 = median(pairSpeedups);
  const blocks = nets.skip.blocks.map((b, i) => ({
    name: b.name,
    channels: b.gatedChannels,
    meanOpen:
      patterns[i]!.reduce((a, p) => a + p.split('').filter((v) => v === '1').length, 0) /
      patterns[i]!.length /
      b.gatedChannels,
    /** Channels the gated conv computed (open ones, plus closed ones of the static group), mean / C. */
    meanComputed: runsOfSkip.reduce((a, r) => a + r[i]!.computed, 0) / runsOfSkip.length / b.gatedChannels,
    /** Static group (packed once) / C. */
    staticFraction: b.staticChannels.length / b.gatedChannels,
    skippedFraction: runsOfSkip.filter((r) => r[i]!.skipped).length / runsOfSkip.length,
    /** Lowerings of the gated conv and the conv after it, per sample that skipped (skip_policy.ts). */
    lowering: [
      ...new Set(
        runsOfSkip.flatMap((r) =>
          r[i]!.lowering ? [`${r[i]!.lowering!.join('/')}${r[i]!.direct ? ' direct' : ''}`] : [],
        ),
      ),
    ],
    distinctPatterns: new Set(patterns[i]).size,
    /** Median ms of this block (gate included) per variant: where skipping pays and where it does not. */
    ms: Object.fromEntries(Object.entries(blockTimes).map(([k, v]) => [k, median(v.map((r) => r[i]!))])),
  }));
  log(`batch 1: speedup skip/dense x${speedup1.toFixed(2)}, MAC reduction x${macReduction1.toFixed(2)}`);
  for (const k of Object.keys(phases)) {
    const ph = Object.entries(medianPhases(k)).map(([p, ms]) => `${p} ${ms.toFixed(1)}`);
    log(`batch 1 profile of ${k} (median ms per phase): ${ph.join(', ')}`);
  }

  // ---- throughput at a batch: shared (union + mask) vs per-sample, against dense and masked.
  const xb = tf.randomNormal([s.batch, ...shape], 0, 1, 'float32', 303) as tf.Tensor4D;
  const batchRunners: Record<string, Runner> = {
    dense: runners.dense!,
    masked: runners.masked!,
    skipShared: runners.skip!,
    foldedShared: runners.folded!,
    skipPerSample: netRunner(nets.skipPerSample),
  };
  for (const run of Object.values(batchRunners)) timeRun(run, xb);
  const batchMs: Record<string, number[]> = Object.fromEntries(Object.keys(batchRunners).map((k) => [k, []]));
  let batchOut: ConditionalOutput | undefined;
  for (let r = 0; r < s.reps; r++) {
    for (const [k, run] of Object.entries(batchRunners)) {
      const { ms, out } = timeRun(run, xb);
      console.log(`  ${k} ${ms.toFixed(0)} ms, heap ${heapMiB()} MiB, ${tf.memory().numTensors} tensors`);
      batchMs[k]!.push(ms);
      if (k === 'skipShared') batchOut = out;
    }
    log(
      `batch ${s.batch} rep ${r}: ${Object.entries(batchMs)
        .map(([k, v]) => `${k} ${v.at(-1)!.toFixed(0)}`)
        .join(', ')} ms`,
    );
  }
  xb.dispose();
  const batchDyn = dynamicMacs(gated, shape, batchOut!.gates);
  const meanDyn = batchDyn.total.reduce((a, v) => a + v, 0) / batchDyn.total.length;
  const onFraction =
    batchOut!.gates.reduce((a, g) => a + g.mask.flat().reduce((x, v) => x + v, 0), 0) /
    batchOut!.gates.reduce((a, g) => a + g.mask.flat().length, 0);
  const unionFraction =
    batchOut!.runs[0]!.reduce((a, r, i) => a + r.computed / nets.skip.blocks[i]!.gatedChannels, 0) /
    batchOut!.runs[0]!.length;
  const ips = (k: string) => (s.batch * 1000) / median(batchMs[k]!);
  const skipPolicy = nets.skip.policy;
  for (const n of Object.values(nets)) n.dispose();
  dense.dispose();
  gated.dispose();
  const med = (k: string) => median(latency[k]!);
  return {
    model: s.model,
    skipPolicy: skipPolicy,
    inputShape: shape,
    denseMacs,
    gateUsage: { calibrationOnFraction, evalOnFraction: onFraction },
    batch1: {
      samples: s.latencySamples,
      /** Runs per sample and variant, interleaved; each sample keeps its fastest run. */
      repsPerSample: s.latencyReps,
      /** Median over samples of each sample's fastest run. */
      medianMs: Object.fromEntries(Object.keys(latency).map((k) => [k, med(k)])),
      samplesMs: latency,
      /** Median over samples of dense_i / skip_i (pairs measured back to back). */
      speedupSkipOverDense: speedup1,
      speedupSkipOverMasked: median(latency.masked!.map((m, i) => m / latency.skip![i]!)),
      speedupSkipOverFolded: median(latency.folded!.map((m, i) => m / latency.skip![i]!)),
      speedupSkipAllOverDense: median(latency.dense!.map((d, i) => d / latency.skipAll![i]!)),
      speedupSkipConvOverDense: median(latency.dense!.map((d, i) => d / latency.skipConv![i]!)),
      speedupSkipUngroupedOverDense: median(latency.dense!.map((d, i) => d / latency.skipUngrouped![i]!)),
      speedupSkipPackedOverDense: median(latency.dense!.map((d, i) => d / latency.skipPacked![i]!)),
      /** Static channels / gated channels over all blocks (calibration batch, minOnRate 'auto'). */
      staticFraction,
      /** dense MACs / median per-sample dynamic MACs (gate modules included). */
      macReduction: macReduction1,
      /** speedup / MAC reduction; issue 16's target for ResNet-34: >= 0.9 on 1 thread, >= 0.8 on 2. */
      efficiency: speedup1 / macReduction1,
      /** The same for (g), without static channel groups (the engine before calibrate existed). */
      efficiencyUngrouped:
        median(latency.dense!.map((d, i) => d / latency.skipUngrouped![i]!)) / macReduction1,
      /**
       * speedup over (d) folded / MAC reduction: against the fastest dense execution we have (XNNPACK's cached
       * convs, BN folded; it also runs the gates), where (a)'s model.apply is slower (e.g. on one wasm thread,
       * whose registered Conv2D is the direct conv).
       */
      efficiencyVsFolded: median(latency.folded!.map((f, i) => f / latency.skip![i]!)) / macReduction1,
      /** The same for (h), gathered weights packed by XNNPACK (the engine before the direct path). */
      efficiencyPacked: median(latency.dense!.map((d, i) => d / latency.skipPacked![i]!)) / macReduction1,
      /** Median over samples of the ms per phase (cpu/wasm: ops are synchronous, so phases are exact). */
      phasesMs: {
        skip: medianPhases('skip'),
        skipAll: medianPhases('skipAll'),
        folded: medianPhases('folded'),
        skipUngrouped: medianPhases('skipUngrouped'),
        skipPacked: medianPhases('skipPacked'),
      },
      blocks,
      cache: {
        /** The same sample through skip 'always': gathered weights fresh vs from a 1-pattern cache. */
        missMs: cacheMissMs,
        hitMs: cacheHitMs,
        note: 'distinctPatterns per block (blocks[].distinctPatterns) equals the number of samples when no pattern repeats: a per-pattern cache then never hits',
      },
    },
    throughput: {
      batch: s.batch,
      reps: s.reps,
      medianMs: Object.fromEntries(Object.keys(batchMs).map((k) => [k, median(batchMs[k]!)])),
      minMs: Object.fromEntries(Object.keys(batchMs).map((k) => [k, Math.min(...batchMs[k]!)])),
      imagesPerSec: Object.fromEntries(Object.keys(batchMs).map((k) => [k, ips(k)])),
      macReduction: denseMacs / meanDyn,
      /** Mean over gated blocks of |union of open channels over the batch| / C: what 'shared' computes. */
      unionOpenFraction: unionFraction,
    },
  };
}

async function main() {
  const threads = Number(arg('--threads') ?? 1);
  const backends = (arg('--backends') ?? 'wasm,webgpu').split(',');
  const loadBefore = loadavg()[0]!; // always three entries (zeros where unsupported)
  const results: unknown[] = [];
  const backendReports: Record<string, string> = {};
  for (const backend of backends) {
    try {
      const report = await initBackend(backend as 'wasm' | 'webgpu', { wasmThreads: threads });
      backendReports[backend] = report.reason;
    } catch (err) {
      backendReports[backend] =
        `skipped: ${err instanceof Error ? err.message.split('\n').join(' ') : String(err)}`;
      console.log(`${backend}: ${backendReports[backend]}`);
      continue;
    }
    const only = arg('--models')?.split(',');
    const batch = arg('--batch');
    const samples = arg('--samples');
    for (const s of SETTINGS.filter((x) => only === undefined || only.includes(x.model))) {
      const sized = {
        ...s,
        ...(batch === undefined ? {} : { batch: positiveInt('--batch', batch) }),
        ...(samples === undefined ? {} : { latencySamples: positiveInt('--samples', samples) }),
      };
      results.push({ backend, ...(await benchSetting(backend, sized)) });
    }
  }
  // One file per thread count: 1 thread (the default, the issue's target) and e.g. --threads 2.
  const path = writeResult(threads === 1 ? 'conditional' : `conditional-threads${threads}`, {
    benchmark: 'conditional',
    description:
      'Conditional inference (closed gates skipped) vs dense and masked execution: batch-1 latency, batch throughput, speedup against MAC reduction',
    quick,
    machine: machineInfo(),
    /** 1-minute load average before/after: above the core count, other work competed for the CPU. */
    loadAverage: { before: loadBefore, after: loadavg()[0] },
    noisy:
      Math.max(loadBefore, loadavg()[0]!) > cpus().length
        ? 'Measured under load (see loadAverage): only the in-process, interleaved ratios are meaningful.'
        : 'Measured on an otherwise idle machine; ratios are within one process, interleaved.',
    wasmThreads: threads,
    /** Default repackCost per thread; the effective policy of (c) is in each result's skipPolicy. */
    repackCostPerThread: DEFAULT_REPACK_COST,
    gateUsage:
      'setGateUsage on a calibration batch of random images: per channel 30% always on, 30% always off, 40% conditional (on-rate ~ U(0.2, 0.8)); timed on other random images',
    backends: backendReports,
    results,
  });
  console.log(`wrote ${path}`);
}

await main();
