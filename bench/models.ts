// Benchmark: forward (inference mode) and training-step (training-mode forward, backward of CE + mean gate
// probability, SGD update) throughput in images/s of every registered model, gated and dense, on the
// CPU-side backends, all in one process. Each gated model is reported as a ratio against its dense
// counterpart measured in the same run, interleaved (dense, gated, dense, gated, ...) so that drift in the
// shared machine's load hits both alike. Sizes are small (this is a machine with 2 shared cores); the
// settings used are written next to the numbers. Also times the fused training BatchNorm (closed-form
// gradient) against autodiff through moments, the reason the models use it.
// Run: node --import tsx bench/models.ts [--backends wasm,cpu] [--models resnet20,resnet18] [--reps 5]
//      -> bench/results/models.json
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init_backend.js';
import { fusedBatchNorm, plainBatchNorm } from '../src/layers/fused_batch_norm.js';
import { countMacs } from '../src/models/macs.js';
import type { GatedModel, ModelName } from '../src/models/model_types.js';
import { createModel, isModelName, listModels, modelInfo } from '../src/models/registry.js';
import { machineInfo, writeResult } from './lib/results.js';

type Backend = 'wasm' | 'cpu';

interface Setting {
  size: number;
  width: number;
  batch: number;
}

/** Per backend and family: the wasm settings are as large as a few-minute run allows; tfjs-cpu is ~50x slower. */
function setting(backend: Backend, name: ModelName): Setting {
  const { family } = modelInfo(name);
  if (backend === 'wasm') {
    if (family === 'cifar') return { size: 32, width: 1, batch: 8 };
    if (family === 'imagenet') return { size: 64, width: 0.5, batch: 4 };
    return { size: 64, width: 0.25, batch: 2 };
  }
  if (family === 'cifar') return { size: 32, width: 0.25, batch: 2 };
  if (family === 'imagenet') return { size: 32, width: 0.25, batch: 2 };
  return { size: 32, width: 0.125, batch: 2 };
}

function arg(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const NUM_CLASSES = 10;

function makeSteps(model: GatedModel, x: tf.Tensor4D, labels: tf.Tensor) {
  const optimizer = tf.train.sgd(1e-3);
  const vars = Object.values(model.namedWeights());
  const forward = () =>
    tf.tidy(() => {
      model.apply(x, { training: false }).logits.dataSync();
    });
  const train = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const { logits, gates } = model.apply(x, { training: true });
        const logp = tf.logSoftmax(logits);
        const ce = tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels as tf.Tensor1D, NUM_CLASSES), logp), -1)));
        const l0 = gates.length === 0 ? tf.scalar(0) : tf.mean(tf.stack(gates.map((g) => tf.mean(g.probs))));
        return tf.add(ce, l0) as tf.Scalar;
      }, vars);
      optimizer.applyGradients(grads);
      value.dataSync();
    });
  return { forward, train, dispose: () => optimizer.dispose() };
}

function timeOnce(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

async function benchModel(backend: Backend, name: ModelName, reps: number) {
  const s = setting(backend, name);
  const info = modelInfo(name);
  const x = tf.randomNormal([s.batch, s.size, s.size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const labels =
    info.task === 'segmentation'
      ? tf.randomUniform([s.batch, s.size, s.size], 0, NUM_CLASSES, 'int32', 2)
      : tf.randomUniform([s.batch], 0, NUM_CLASSES, 'int32', 2);
  const opts = { widthMultiplier: s.width, numClasses: NUM_CLASSES, seed: 0 };
  const dense = createModel(name, { ...opts, gating: 'none' });
  const gated = createModel(name, opts);
  const steps = { dense: makeSteps(dense, x, labels), gated: makeSteps(gated, x, labels) };
  const times = {
    dense: { forward: [] as number[], train: [] as number[] },
    gated: { forward: [] as number[], train: [] as number[] },
  };
  for (const k of ['dense', 'gated'] as const) {
    steps[k].forward(); // warm-up: kernel compilation, weight upload, allocator
    steps[k].train();
  }
  for (let r = 0; r < reps; r++) {
    for (const k of ['dense', 'gated'] as const) {
      times[k].forward.push(timeOnce(steps[k].forward));
      times[k].train.push(timeOnce(steps[k].train));
    }
  }
  const ips = (ms: number) => (s.batch * 1000) / ms;
  const summary = (k: 'dense' | 'gated') => ({
    forwardMs: median(times[k].forward),
    trainStepMs: median(times[k].train),
    forwardImagesPerSec: ips(median(times[k].forward)),
    trainImagesPerSec: ips(median(times[k].train)),
  });
  const d = summary('dense');
  const g = summary('gated');
  // Ratios per interleaved pair, then their median: robust to load drift between pairs on a shared machine.
  const pairRatios = (phase: 'forward' | 'train') =>
    times.dense[phase].map((dt, r) => dt / times.gated[phase][r]!);
  const macs = {
    dense: countMacs(dense, [s.size, s.size, 3]),
    gated: countMacs(gated, [s.size, s.size, 3]),
  };
  const row = {
    backend,
    model: name,
    inputShape: [s.size, s.size, 3],
    batch: s.batch,
    widthMultiplier: s.width,
    reps,
    dense: d,
    gated: g,
    /** gated / dense throughput: median over interleaved (dense, gated) pairs; < 1 means gating costs time. */
    ratio: {
      forward: median(pairRatios('forward')),
      train: median(pairRatios('train')),
      forwardPairs: pairRatios('forward'),
      trainPairs: pairRatios('train'),
    },
    macsPerImage: { dense: macs.dense.total, gatedAllOpen: macs.gated.total, gateModules: macs.gated.gates },
  };
  steps.dense.dispose();
  steps.gated.dispose();
  dense.dispose();
  gated.dispose();
  tf.dispose([x, labels]);
  return row;
}

/**
 * Training-mode BatchNorm forward + backward: the fused op (closed-form gradient) against autodiff through
 * moments + arithmetic, on a ResNet-20-sized activation [8, 32, 32, 16]; interleaved pairs, median ratio.
 */
function benchBatchNorm(backend: Backend, reps: number) {
  const shape = [8, 32, 32, 16];
  const x = tf.randomNormal(shape, 0, 1, 'float32', 1);
  const gamma = tf.ones([16]) as tf.Tensor1D;
  const beta = tf.zeros([16]) as tf.Tensor1D;
  const dy = tf.randomNormal(shape, 0, 1, 'float32', 2);
  const fused = () =>
    tf.tidy(() => {
      const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        return tf.sum(
          tf.mul(
            fusedBatchNorm(
              a,
              g as tf.Tensor1D,
              b as tf.Tensor1D,
              mean as tf.Tensor1D,
              variance as tf.Tensor1D,
              1e-5,
            ),
            dy,
          ),
        );
      };
      for (const t of tf.grads(f)([x, gamma, beta])) t.dataSync();
    });
  const plain = () =>
    tf.tidy(() => {
      const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(plainBatchNorm(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5), dy));
      for (const t of tf.grads(f)([x, gamma, beta])) t.dataSync();
    });
  fused();
  plain();
  const pairs: number[] = [];
  const fusedMs: number[] = [];
  const plainMs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const p = timeOnce(plain);
    const f = timeOnce(fused);
    plainMs.push(p);
    fusedMs.push(f);
    pairs.push(p / f);
  }
  tf.dispose([x, gamma, beta, dy]);
  return {
    backend,
    shape,
    fusedMs: median(fusedMs),
    plainMs: median(plainMs),
    /** plain / fused time, median over interleaved pairs; > 1 means the fused op is faster. */
    speedup: median(pairs),
    pairs,
  };
}

async function main() {
  const backends = (arg('--backends') ?? 'wasm,cpu').split(',') as Backend[];
  const models = (arg('--models')?.split(',') ?? listModels()).filter((m) => {
    if (!isModelName(m))
      throw new Error(`bench/models: unknown model '${m}' (known: ${listModels().join(', ')})`);
    return true;
  }) as ModelName[];
  const reps = Number(arg('--reps') ?? 5);
  const loadBefore = loadavg();
  const results = [];
  const batchNorm = [];
  const backendReports: Record<string, string> = {};
  for (const backend of backends) {
    const report = await initBackend(backend, { wasmThreads: 1 });
    backendReports[backend] = report.reason;
    const bn = benchBatchNorm(backend, backend === 'cpu' ? 5 : 15);
    console.log(
      `${backend.padEnd(5)} fused BatchNorm fwd+bwd: x${bn.speedup.toFixed(2)} vs moments + autodiff`,
    );
    batchNorm.push(bn);
    for (const name of models) {
      const row = await benchModel(backend, name, backend === 'cpu' ? Math.min(reps, 3) : reps);
      console.log(
        `${backend.padEnd(5)} ${name.padEnd(16)} train ${row.gated.trainImagesPerSec.toFixed(1)} img/s gated vs ${row.dense.trainImagesPerSec.toFixed(1)} dense (x${row.ratio.train.toFixed(3)}), forward x${row.ratio.forward.toFixed(3)}`,
      );
      results.push(row);
    }
  }
  const path = writeResult('models', {
    benchmark: 'models',
    description:
      'images/s of inference forward and of a training step (forward, backward, SGD update), gated vs dense, same process',
    machine: machineInfo(),
    /** 1-minute load average before and after: above the core count, absolute speeds are not meaningful. */
    loadAverage: { before: loadBefore[0], after: loadavg()[0] },
    backends: backendReports,
    batchNorm,
    results,
  });
  console.log(`wrote ${path}`);
}

await main();
