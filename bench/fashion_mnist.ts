// Fashion-MNIST: a gated ResNet-20 against a dense ResNet-20 of similar cost, trained with the same
// recipe and budget on the same data (the paper's central comparison, Bejnordi et al. 2020, Fig. 3/Table 1,
// on a dataset a CPU can train in minutes). Steps: (1) train the gated network (fashion-mnist-quick recipe
// at the chosen width), evaluate with deterministic gates: accuracy and mean MACs as a fraction of its dense
// network; (2) choose the dense network's width so its MACs match the gated network's measured mean MACs
// (searched with countMacs on model skeletons; MACs grow ~ width^2); (3) train and evaluate it identically.
// Both runs keep their run directories under .tmp/bench-fashion-mnist/. A short configuration (few
// epochs, capped steps per epoch) is stated in the JSON: the numbers compare the two networks under one
// small budget, they are not converged accuracies.
// Output: bench/results/fashion-mnist.json.
// Run: node --import tsx bench/fashion_mnist.ts [--width 1] [--epochs 3] [--steps 80] [--eval 2000] [--batch 64]
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { countMacs } from '../src/models/macs.js';
import { createModelSkeleton } from '../src/models/registry.js';
import { getPreset } from '../src/train/presets.js';
import type { TrainConfig } from '../src/train/train_config.js';
import { train } from '../src/train/trainer.js';
import { machineInfo, writeResult } from './lib/results.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const width = arg('width', 1);
const epochs = arg('epochs', 3);
const steps = arg('steps', 80);
const evalSamples = arg('eval', 2000);
const batch = arg('batch', 64);
const root = join('.tmp', 'bench-fashion-mnist');

function config(gating: 'channel' | 'none', w: number): TrainConfig {
  const c = getPreset('fashion-mnist-quick');
  c.model = { ...c.model, gating, widthMultiplier: w };
  c.epochs = epochs;
  c.data.maxStepsPerEpoch = steps;
  c.data.maxEvalSamples = evalSamples;
  c.data.batchSize = batch;
  c.name = `fashion-mnist-${gating === 'none' ? 'dense' : 'gated'}-w${w}`;
  return c;
}

/** The dense width whose MACs at [28, 28, 3] are closest to `targetMacs` (bisection; MACs rise with width). */
function denseWidthFor(targetMacs: number): number {
  const macs = (w: number) =>
    countMacs(createModelSkeleton('resnet20', { gating: 'none', widthMultiplier: w }), [28, 28, 3]).main;
  let lo = 0.05;
  let hi = 4;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (macs(mid) < targetMacs) lo = mid;
    else hi = mid;
  }
  // Channel counts are rounded from width * base; report the width as used.
  return Number(((lo + hi) / 2).toFixed(4));
}

async function run(cfg: TrainConfig) {
  const dir = join(root, cfg.name);
  await rm(dir, { recursive: true, force: true });
  const started = performance.now();
  const out = await train(cfg, { runDir: dir, quiet: true, handleSignals: false });
  if (out.status !== 'completed' || out.report?.eval === undefined)
    throw new Error(`${cfg.name}: ${out.message}`);
  const ev = out.report.eval;
  return {
    runDir: dir,
    model: out.report.model,
    parameters: out.report.parameters,
    denseMacsOfThisNetwork: out.report.denseMacs,
    meanMacs: ev.macs.meanMacs,
    macFractionOfOwnDense: ev.macs.meanFraction,
    macQuantiles: ev.macs.quantiles,
    top1: ev.top1,
    top5: ev.top5,
    evalSamples: ev.samples,
    trainSeconds: out.report.trainSeconds,
    wallSeconds: (performance.now() - started) / 1000,
  };
}

const backend = await initBackend('wasm');
const load = loadavg()[0];
const gated = await run(config('channel', width));
const denseWidth = denseWidthFor(gated.meanMacs);
const dense = await run(config('none', denseWidth));
const result = {
  benchmark: 'Fashion-MNIST: gated ResNet-20 vs a dense ResNet-20 of similar MACs, same recipe and budget',
  machine: machineInfo(),
  loadAverageAtStart: load,
  backend: { name: backend.name, reason: backend.reason },
  configuration: {
    note: 'short CPU budget, not converged: epochs x capped steps per epoch; evaluation on the first test images',
    recipe:
      'the fashion-mnist-quick preset with the values above; gatedConfig/denseConfig are the full configs',
    gatedWidth: width,
    epochs,
    stepsPerEpoch: steps,
    batchSize: batch,
    evalSamples,
    inputShape: [28, 28, 3],
  },
  gated,
  dense: { ...dense, widthChosenToMatchGatedMeanMacs: denseWidth },
  gatedConfig: config('channel', width),
  denseConfig: config('none', denseWidth),
  summary: {
    gatedTop1: gated.top1,
    denseTop1: dense.top1,
    gatedMeanMacs: gated.meanMacs,
    denseMacs: dense.meanMacs,
    macRatioGatedOverDense: gated.meanMacs / dense.meanMacs,
    gatedMacFractionOfItsDenseNetwork: gated.macFractionOfOwnDense,
  },
};
console.log(JSON.stringify(result.summary, null, 2));
console.log(`wrote ${writeResult('fashion-mnist', result)}`);
