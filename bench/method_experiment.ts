// The method's experiment on Fashion-MNIST, rerunnable and resumable: what the batch-shaping and L0 losses
// each do to the gates (ablation), and what gating buys against dense networks (trade-off). Bejnordi et al.
// (ICLR 2020): L0 alone prunes statically, batch-shaping makes gates conditional (section 5.1, figure 4), and
// gated networks beat dense ones of equal MACs (figures 2-3). Every run is the `fashion-mnist-quick` preset
// (the npm-start job: same recipe, same budget, same seed) with one thing changed:
//   ablation  gamma x lambda in {paper, 0} x {paper, 0}: BaS + L0, L0 only, BaS only, neither;
//   tradeoff  the gated ResNet at several lambda, dense ResNets (gating 'none') at several widths, and the
//             BaS + L0 model swept over its inference threshold (gate on when p > t) after training.
// Per run, on the full 10,000 test images with deterministic gates: top-1, mean MACs (and as a fraction of the
// dense network of the same width), the fraction of gates always on (on for >= 99% of the images), always off
// (<= 1%) and conditional, and the gap between the gate-probability CDF and the Beta(0.6, 0.4) prior (pooled
// over gates and images, and per gate averaged). Run directories live under --root (default
// .tmp/method-experiment); a finished run is not retrained, an interrupted one resumes from its checkpoint.
// After every run the results so far go to bench/results/method-ablation.json and method-tradeoff.json
// (status 'partial' until all runs are done). One process at a time: each run uses every core.
// Run: node --import tsx bench/method_experiment.ts [--part ablation|tradeoff|all] [--root DIR] [--threads N] [--only id,id]
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { summarizeRecords } from '../src/analysis/accuracy_macs_tradeoff.js';
import { layerGateUsage } from '../src/analysis/gate_frequency.js';
import { type GateRecords, layerOffsets } from '../src/analysis/gate_records.js';
import { cdfVsPrior, linearGrid, recordedGateProbs } from '../src/analysis/probability_cdf.js';
import { initBackend } from '../src/backend/init_backend.js';
import { stopOnSignals } from '../src/cli/stop_signals.js';
import { BatchLoader } from '../src/data/batch_loader.js';
import { readMeta } from '../src/data/meta_file.js';
import { atomicWriteFile } from '../src/io/atomic_write.js';
import { countMacs } from '../src/models/macs.js';
import { createModelSkeleton } from '../src/models/registry.js';
import { betaPrior } from '../src/ops/beta_prior.js';
import { evaluate } from '../src/train/evaluate.js';
import { recordGates } from '../src/train/gate_recorder.js';
import { modelInputShape } from '../src/train/input_adapter.js';
import { loadTrainedModel } from '../src/train/load_trained_model.js';
import { getPreset } from '../src/train/presets.js';
import { runPaths } from '../src/train/run_paths.js';
import type { TrainConfig } from '../src/train/train_config.js';
import { train } from '../src/train/trainer.js';
import { machineInfo, writeResult } from './lib/results.js';

const argValue = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const part = argValue('part', 'all');
const root = argValue('root', join('.tmp', 'method-experiment'));
// --only id,id: run just these (e.g. to fill in one point); the results files then hold what is done so far.
const only = process.argv.includes('--only') ? argValue('only', '').split(',') : undefined;
if (!['ablation', 'tradeoff', 'all'].includes(part)) {
  throw new Error(`method_experiment: --part must be ablation, tradeoff or all; got ${part}`);
}

const PRESET = 'fashion-mnist-quick';
const base = getPreset(PRESET);
const paperGamma = base.loss.gamma;
// The experiment's lambdas are its own, not the preset's: the preset's lambda is chosen from this trade-off
// (the `npm start` run equals the experiment's run at that lambda), and must not change the runs behind it.
// The ablation runs L0 at ABLATION_LAMBDA; lambda 0 is the batch-shaping-only run; 3x traces the curve further.
const ABLATION_LAMBDA = 0.002;
const paperLambda = ABLATION_LAMBDA;
const LAMBDAS = [0, ABLATION_LAMBDA, 3 * ABLATION_LAMBDA];
const DENSE_WIDTHS = [0.5, 0.4, 0.3];
const THRESHOLDS = [0.3, 0.4, 0.5, 0.6, 0.7];
const ALWAYS_ON = 0.99;
const ALWAYS_OFF = 0.01;

interface RunSpec {
  id: string;
  label: string;
  gating: 'channel' | 'none';
  width: number;
  gamma: number;
  lambda: number;
}

const gatedRun = (id: string, label: string, gamma: number, lambda: number): RunSpec => ({
  id,
  label,
  gating: 'channel',
  width: base.model.widthMultiplier ?? 1,
  gamma,
  lambda,
});

const ABLATION: RunSpec[] = [
  gatedRun('gated-bas-l0', 'batch-shaping + L0', paperGamma, paperLambda),
  gatedRun('gated-l0', 'L0 only', 0, paperLambda),
  gatedRun('gated-bas', 'batch-shaping only', paperGamma, 0),
  gatedRun('gated-none', 'neither', 0, 0),
];
const TRADEOFF: RunSpec[] = [
  ...LAMBDAS.map(
    (l) =>
      ABLATION.find((r) => r.gamma === paperGamma && r.lambda === l) ??
      gatedRun(`gated-bas-l0-lambda${l}`, `gated, lambda ${l}`, paperGamma, l),
  ),
  ...DENSE_WIDTHS.map((w) => ({
    id: `dense-w${w}`,
    label: `dense, width ${w}`,
    gating: 'none' as const,
    width: w,
    gamma: 0,
    lambda: 0,
  })),
];

function configFor(spec: RunSpec): TrainConfig {
  const c = getPreset(PRESET);
  c.name = `${PRESET}-${spec.id}`;
  c.model = { ...c.model, gating: spec.gating, widthMultiplier: spec.width };
  c.loss = { ...c.loss, gamma: spec.gamma, lambda: spec.lambda };
  c.backend = 'wasm';
  return c;
}

interface GateStats {
  gates: number;
  alwaysOn: number;
  alwaysOff: number;
  conditional: number;
  /** Max gap between the pooled gate-probability CDF and the prior's, on a 101-point grid. */
  cdfGapPooled: number;
  /** The same gap per gate (over the test images), averaged over gates. */
  cdfGapPerGateMean: number;
}

function gateStats(records: GateRecords): GateStats {
  const usage = layerGateUsage(records, { alwaysOn: ALWAYS_ON, alwaysOff: ALWAYS_OFF });
  const sum = (k: 'alwaysOn' | 'alwaysOff' | 'conditional' | 'channels') =>
    usage.reduce((s, u) => s + u[k], 0);
  const gates = sum('channels');
  const prior = betaPrior(0.6, 0.4);
  const grid = linearGrid(101);
  const priorCdf = grid.map((x) => prior.cdfHost(x));
  const pooled = cdfVsPrior(recordedGateProbs(records), grid, priorCdf).maxGap;
  // Per gate: the column of probabilities over the images.
  const probs = records.probs!;
  const G = layerOffsets(records.meta).at(-1)!;
  let perGate = 0;
  const column = new Float32Array(records.count);
  for (let g = 0; g < G; g++) {
    for (let i = 0; i < records.count; i++) column[i] = probs[i * G + g]!;
    perGate += cdfVsPrior(column, grid, priorCdf).maxGap;
  }
  return {
    gates,
    alwaysOn: sum('alwaysOn') / gates,
    alwaysOff: sum('alwaysOff') / gates,
    conditional: sum('conditional') / gates,
    cdfGapPooled: pooled,
    cdfGapPerGateMean: perGate / G,
  };
}

interface RunResult extends RunSpec {
  top1: number;
  meanMacs: number;
  /** mean MACs / MACs of the dense network of this width. */
  macsFractionOfOwnDense: number;
  /** mean MACs / MACs of the dense network of the preset's width (the common scale of every point). */
  macsFractionOfReference: number;
  testImages: number;
  gates?: GateStats;
  trainSeconds: number;
  runDir: string;
  thresholdSweep?: { threshold: number; top1: number; meanMacs: number; macsFractionOfReference: number }[];
}

async function testLoader(cfg: TrainConfig) {
  const meta = await readMeta(cfg.data.dir);
  return new BatchLoader(cfg.data.dir, meta, {
    split: cfg.data.evalSplit,
    batchSize: cfg.data.evalBatchSize,
    shuffle: false,
    transform: cfg.data.evalTransform,
  });
}

const referenceMacs = { name: base.model.name, width: base.model.widthMultiplier ?? 1 };

async function runOne(spec: RunSpec, sweep: boolean): Promise<RunResult> {
  const dir = join(root, spec.id);
  const resultFile = join(dir, 'experiment-result.json');
  const cfg = configFor(spec);
  const paths = runPaths(dir);
  if (existsSync(paths.config)) {
    // A run directory from another recipe (the preset changed since) must not be reused or resumed.
    const saved = JSON.parse(await readFile(paths.config, 'utf8')) as TrainConfig;
    const comparable = (c: TrainConfig) =>
      JSON.stringify({ ...c, model: { ...c.model, numClasses: undefined } });
    if (comparable(saved) !== comparable(cfg)) {
      throw new Error(
        `method_experiment: ${dir} was trained with another config than today's ${PRESET} preset; delete it to rerun`,
      );
    }
  }
  if (existsSync(resultFile)) {
    const done = JSON.parse(await readFile(resultFile, 'utf8')) as RunResult;
    if (!sweep || done.thresholdSweep !== undefined) return done;
  }
  const resume = existsSync(paths.config);
  console.log(`${spec.id}: ${resume ? 'resuming' : 'training'} (${spec.label})`);
  const stop = stopOnSignals();
  const out = await train(resume ? undefined : cfg, {
    runDir: dir,
    resume,
    quiet: true,
    signal: stop.signal,
  }).finally(() => stop.remove());
  if (out.status !== 'completed') throw new Error(`${spec.id}: ${out.message}`);
  const { model } = await loadTrainedModel(paths.lastCheckpoint);
  const loader = await testLoader(cfg); // unshuffled: every pass below sees the test split in file order
  try {
    const records = await recordGates(
      model,
      { batches: loader.epoch(0), total: loader.numSamples },
      { probs: true },
    );
    const summary = summarizeRecords(records, spec.id);
    const inputShape = modelInputShape(loader.outputShape, model.config.inputChannels);
    const own = countMacs(model, inputShape);
    const ref = countMacs(
      createModelSkeleton(referenceMacs.name, { gating: 'none', widthMultiplier: referenceMacs.width }),
      inputShape,
    );
    const report = JSON.parse(await readFile(paths.reportJson, 'utf8')) as { trainSeconds?: number };
    const result: RunResult = {
      ...spec,
      top1: summary.accuracy,
      meanMacs: summary.macs,
      macsFractionOfOwnDense: summary.macs / (own.main + own.gates),
      macsFractionOfReference: summary.macs / ref.main,
      testImages: records.count,
      trainSeconds: report.trainSeconds ?? Number.NaN,
      runDir: dir,
    };
    if (spec.gating === 'channel') result.gates = gateStats(records);
    if (sweep) {
      result.thresholdSweep = [];
      for (const threshold of THRESHOLDS) {
        const ev = await evaluate(model, loader.epoch(0), { gateThreshold: threshold });
        result.thresholdSweep.push({
          threshold,
          top1: ev.top1!,
          meanMacs: ev.macs.meanMacs,
          macsFractionOfReference: ev.macs.meanMacs / ref.main,
        });
      }
    }
    await atomicWriteFile(resultFile, `${JSON.stringify(result, null, 2)}\n`);
    console.log(
      `${spec.id}: top-1 ${(100 * result.top1).toFixed(2)}%, MACs ${(100 * result.macsFractionOfReference).toFixed(1)}% of the reference` +
        (result.gates
          ? `, gates on/off/conditional ${result.gates.alwaysOn.toFixed(2)}/${result.gates.alwaysOff.toFixed(2)}/${result.gates.conditional.toFixed(2)}, CDF gap ${result.gates.cdfGapPooled.toFixed(3)}`
          : ''),
    );
    return result;
  } finally {
    await loader.close();
    model.dispose();
  }
}

// --threads N: wasm threads of this process. Two one-thread processes (e.g. --part ablation and --part tradeoff)
// use 2 cores better than one with two threads: much of a small network's step is per-op work on one thread.
const threads = process.argv.includes('--threads') ? Number(argValue('threads', '0')) : undefined;
const backend = await initBackend('wasm', threads === undefined ? {} : { wasmThreads: threads });
const common = () => ({
  machine: machineInfo(),
  backend: { name: backend.name, reason: backend.reason },
  preset: PRESET,
  recipe: getPreset(PRESET),
  budget: `${base.epochs} epoch(s) x ${base.data.maxStepsPerEpoch ?? 'all'} steps x ${base.data.batchSize} images (the npm-start job's)`,
  evaluation: `full test split, deterministic gates (p > 0.5 unless swept); always on/off: on for >= ${ALWAYS_ON} / <= ${ALWAYS_OFF} of the test images; CDF gap against Beta(0.6, 0.4)`,
  referenceNetwork: `dense ${referenceMacs.name} at width ${referenceMacs.width}`,
  rerun: `node --import tsx bench/method_experiment.ts --part ${part}`,
});

const ablation: RunResult[] = [];
const tradeoff: RunResult[] = [];
const write = (status: 'partial' | 'complete') => {
  if (part !== 'tradeoff') {
    writeResult('method-ablation', {
      experiment: 'ablation at equal budget: batch-shaping + L0, L0 only, batch-shaping only, neither',
      status,
      ...common(),
      runs: ablation,
    });
  }
  if (part !== 'ablation') {
    writeResult('method-tradeoff', {
      experiment: 'accuracy vs MACs: gated ResNet-20 at several lambda, dense ResNet-20 at several widths',
      status,
      ...common(),
      gated: tradeoff.filter((r) => r.gating === 'channel'),
      dense: tradeoff.filter((r) => r.gating === 'none'),
    });
  }
};

const wanted = (spec: RunSpec) => only === undefined || only.includes(spec.id);
if (part !== 'tradeoff') {
  for (const spec of ABLATION.filter(wanted)) {
    ablation.push(await runOne(spec, spec === ABLATION[0] && part === 'all'));
    write('partial');
  }
}
if (part !== 'ablation') {
  for (const spec of TRADEOFF.filter(wanted)) {
    const done = ablation.find((r) => r.id === spec.id);
    tradeoff.push(done ?? (await runOne(spec, spec === ABLATION[0])));
    write('partial');
  }
}
write(only === undefined ? 'complete' : 'partial');
