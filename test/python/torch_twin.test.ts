// The PyTorch twin (python/batch_shaping_torch) against this library, both ways, on the wasm backend:
// - every registered model, gated and (for one model per family) dense, at random weights with randomised BN
//   statistics and gate biases: the TypeScript checkpoint loads in PyTorch and gives the same logits and gate
//   logits on the same input (max |a - b| / max |b| <= 1e-4) and the same inference gate decisions;
// - models built in PyTorch, saved there, load here (loadTrainedModel) and give the same outputs;
// - the batch-shaping loss (Beta, Normal and relaxed-Bernoulli priors, per gate and pooled, 'sum' and 'mean',
//   custom pdf clips) and the L0 loss ('sum'/'mean', MAC-weighted) and their gradients agree on the same gate
//   probabilities, including values near 0 and 1 where the pdf clip acts.
// Sizes are small (32x32 CIFAR nets, 64x64 ImageNet nets and PSPNet, batch 2) to keep CI time low.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { batchShapingLoss } from '../../src/losses/batch_shaping_loss.js';
import { l0GateLoss } from '../../src/losses/l0_gate_loss.js';
import { lossWeightsAt } from '../../src/losses/loss_schedule.js';
import { saveCheckpoint } from '../../src/models/checkpoint.js';
import type { GatedModel, ModelName } from '../../src/models/model_types.js';
import { createModel, createModelSkeleton, listModels, modelInfo } from '../../src/models/registry.js';
import { betaPrior } from '../../src/ops/beta_prior.js';
import { normalPrior } from '../../src/ops/normal_prior.js';
import type { Prior } from '../../src/ops/prior.js';
import { relaxedBernoulliPrior } from '../../src/ops/relaxed_bernoulli_prior.js';
import { loadTrainedModel } from '../../src/train/load_trained_model.js';
import { learningRateAt } from '../../src/train/lr_schedule.js';
import { paramRoles } from '../../src/train/param_groups.js';
import { getPreset, listPresets } from '../../src/train/presets.js';
import { gatedLossGradients } from '../../src/train/train_step.js';
import { useBackend } from '../helpers/backends.js';
import { requireTorch, runPython } from './python_env.js';

const TOLERANCE = 1e-4;
/** Loss terms and BN statistics of a training step; its gradients are held to float32 accuracy (crosscheck.py). */
const STEP_TOLERANCE = 1e-4;
// wasm (XNNPACK) runs the TypeScript forward passes several times faster than the pure-JS cpu backend.
const BACKEND = 'wasm';
const SIZE = { cifar: 32, imagenet: 64, pspnet: 64 } as const;

interface ModelCase {
  name: string;
  model: ModelName;
  gating: 'channel' | 'none';
}

const MODEL_CASES: ModelCase[] = [
  ...listModels().map((m) => ({ name: m, model: m, gating: 'channel' as const })),
  ...(['resnet20', 'resnet50', 'pspnet_resnet18'] as const).map((m) => ({
    name: `${m}-dense`,
    model: m,
    gating: 'none' as const,
  })),
];

/** A PyTorch-built model per block kind and family, for the other direction. */
const PY_CASES = [
  { name: 'resnet32', size: 32, options: { gateBiasInit: 0.5 } },
  { name: 'resnet50', size: 64, options: { numClasses: 7, gatePosition: 'conv2' } },
  { name: 'pspnet_resnet18', size: 64, options: { numClasses: 5, widthMultiplier: 0.5 } },
  { name: 'resnet18', size: 64, options: { gating: 'none' } },
];

type PriorSpec =
  | { kind: 'beta'; a: number; b: number }
  | { kind: 'normal'; mu: number; sigma: number }
  | {
      kind: 'relaxedBernoulli';
      p: number;
      temperature: number;
    };

function priorOf(spec: PriorSpec | undefined): Prior | undefined {
  if (spec === undefined) return undefined;
  if (spec.kind === 'beta') return betaPrior(spec.a, spec.b);
  if (spec.kind === 'normal') return normalPrior(spec.mu, spec.sigma);
  return relaxedBernoulliPrior(spec.p, spec.temperature);
}

interface LossCase {
  name: string;
  kind: 'bas' | 'l0';
  options: {
    prior?: PriorSpec;
    pooled?: boolean;
    reduction?: 'sum' | 'mean';
    pdfClipMin?: number;
    pdfClipMax?: number;
    macWeights?: number[][];
  };
}

const LOSS_CASES: LossCase[] = [
  { name: 'bas-default', kind: 'bas', options: {} },
  { name: 'bas-mean', kind: 'bas', options: { reduction: 'mean' } },
  { name: 'bas-pooled', kind: 'bas', options: { pooled: true } },
  {
    name: 'bas-beta-2-3-clip',
    kind: 'bas',
    options: { prior: { kind: 'beta', a: 2, b: 3 }, pdfClipMin: 0.05, pdfClipMax: 1.5 },
  },
  {
    name: 'bas-normal',
    kind: 'bas',
    options: { prior: { kind: 'normal', mu: 0.4, sigma: 0.3 }, reduction: 'mean' },
  },
  {
    name: 'bas-relaxed-bernoulli',
    kind: 'bas',
    options: {
      prior: { kind: 'relaxedBernoulli', p: 0.6, temperature: 2 / 3 },
      pooled: true,
      reduction: 'mean',
    },
  },
  { name: 'l0-sum', kind: 'l0', options: {} },
  { name: 'l0-mean', kind: 'l0', options: { reduction: 'mean' } },
  {
    name: 'l0-mac-sum',
    kind: 'l0',
    options: {
      macWeights: [
        [1, 2, 3, 4, 5, 6],
        [9, 0, 1, 1, 2, 7, 3, 3, 1, 1],
      ],
    },
  },
  {
    name: 'l0-mac-mean',
    kind: 'l0',
    options: {
      reduction: 'mean',
      macWeights: [
        [1, 1, 1, 1, 1, 1],
        [2, 2, 2, 2, 2, 2, 2, 2, 2, 2],
      ],
    },
  },
];

let dir = '';
const manifest: {
  tolerance: number;
  models: object[];
  losses: object[];
  pyModels: object[];
  schedules: object[];
  trainSteps: object[];
} = {
  tolerance: TOLERANCE,
  models: [],
  losses: [],
  pyModels: [],
  schedules: [],
  trainSteps: [],
};

/**
 * Training-mode step: gated ResNet-20 (the classification block path, gates, BN in training, the trainer's losses).
 * Gated ResNet-50 and PSPNet-ResNet-18 steps are left out: their loss terms agree, but a step's gradient there is
 * decided by float32 rounding at ReLU kinks, not by the implementation. Traced for gated PSPNet-ResNet-18 at 64x64
 * (dropout 0; PSPNet's dropout draws are not replayed): one pre-activation of layer4.1.bn1, out of 65,536, is a
 * few 1e-7 above 0 in float64 and in PyTorch float32 but rounds to <= 0 here, so ReLU drops its gradient; the
 * training-mode BatchNorm backward spreads that over the whole channel, which moves layer4.1.conv1.weight's
 * gradient by about 1% of its largest entry and everything below it by about 5e-4. Every other gradient of
 * layer4.1 (where the kink sits) matches float64 to float32 accuracy, on the cpu and wasm backends alike. Which
 * side such a value lands on depends on summation order, so no fixed tolerance holds for these deep nets.
 */
const STEP_CASES = [{ name: 'step-resnet20', model: 'resnet20' as const, options: {}, size: 32 }];
const STEP_WEIGHTS = { gamma: 0.75, lambda: 0.01 };

/**
 * One forward and backward of the trainer's own gatedLossGradients in training mode, recording the gate noise the
 * model's NoiseSource draws, so PyTorch can replay it: loss terms, gradients, masks, updated running statistics.
 */
async function writeTrainStepCase(c: (typeof STEP_CASES)[number], index: number): Promise<void> {
  const model = createModel(c.model, { ...c.options, seed: 40 + index });
  try {
    randomiseStatistics(model, 40 + index);
    const checkpoint = `${c.name}.safetensors`;
    await saveCheckpoint(join(dir, checkpoint), {
      tensors: model.stateDict(),
      config: model.config,
    });
    const noise: tf.Tensor[] = [];
    const draw = model.noise.logistic.bind(model.noise);
    model.noise.logistic = (shape: number[]) => {
      const t = draw(shape);
      noise.push(tf.keep(tf.clone(t)));
      return t;
    };
    // The fused gate (wasm) draws the uniform values and applies the logistic transform itself: record the noise
    // it makes from them (the same transform; the fused kernel's rounding of it differs by at most one ulp).
    const drawUniform = model.noise.uniform.bind(model.noise);
    model.noise.uniform = (shape: number[]) => {
      const u = drawUniform(shape);
      noise.push(tf.keep(tf.tidy(() => tf.sub(tf.log(u), tf.log1p(tf.neg(u))))));
      return u;
    };
    const images = tf.randomNormal([4, c.size, c.size, 3], 0, 1, 'float32', 300 + index) as tf.Tensor4D;
    const segmentation = modelInfo(c.model).task === 'segmentation';
    const classes = model.config.numClasses;
    const labels = segmentation
      ? undefined
      : (tf.randomUniform([4], 0, classes, 'int32', 301 + index) as tf.Tensor1D);
    const masks = segmentation
      ? (tf.tidy(() => {
          const m = tf.randomUniform([4, c.size, c.size], 0, classes + 1, 'int32', 302 + index);
          return tf.where(tf.equal(m, classes), tf.fill([4, c.size, c.size], 255, 'int32'), m);
        }) as tf.Tensor3D)
      : undefined;
    // The training gates' hard masks, copied from the step's own forward.
    const gateMasks: Record<string, tf.Tensor> = {};
    const apply = model.apply.bind(model);
    model.apply = (x, o) => {
      const out = apply(x, o);
      // tf.mul: on the cpu backend a bool->float32 cast keeps its 1-byte buffer, which safetensors refuses as F32.
      for (const g of out.gates) gateMasks[`mask/${g.name}`] = tf.keep(tf.mul(g.mask, 1));
      return out;
    };
    const step = gatedLossGradients(
      model,
      { images, ...(labels ? { labels } : {}), ...(masks ? { masks } : {}) },
      { weights: STEP_WEIGHTS },
    );
    const ref: Record<string, tf.Tensor> = {
      input: images,
      total: step.total,
      ce: step.ce,
      bas: step.bas,
      l0: step.l0,
      ...gateMasks,
    };
    if (labels) ref.labels = labels;
    if (masks) ref.masks = masks;
    noise.forEach((t, i) => {
      ref[`noise/${i}`] = t;
    });
    for (const [name, g] of Object.entries(step.grads)) ref[`grad/${name}`] = g;
    for (const [name, b] of Object.entries(model.namedBuffers())) ref[`after/${name}`] = b;
    const reference = `${c.name}.ref.safetensors`;
    await saveCheckpoint(join(dir, reference), { tensors: ref, config: { case: c.name } });
    tf.dispose([
      images,
      ...(labels ? [labels] : []),
      ...(masks ? [masks] : []),
      ...noise,
      ...Object.values(gateMasks),
      ...Object.values(step.grads),
      step.total,
      step.ce,
      step.bas,
      step.l0,
      step.correct,
      step.counted,
      step.gateOn,
    ]);
    manifest.trainSteps.push({
      name: c.name,
      checkpoint,
      reference,
      noiseDraws: noise.length,
      ...STEP_WEIGHTS,
      tolerance: STEP_TOLERANCE,
    });
  } finally {
    model.dispose();
  }
}

/** Every preset's lr and loss weights over its run, and the optimiser role of every parameter of its model. */
function writeScheduleCases(): void {
  for (const name of listPresets()) {
    const config = getPreset(name);
    const positions = Array.from({ length: 41 }, (_, i) => (config.epochs * i) / 40);
    const { name: modelName, ...options } = config.model;
    const model = createModelSkeleton(modelName, options);
    // A skeleton records names and shapes without tensors; the trainable ones are what the optimiser sees.
    const store = (
      model as unknown as { store: { shapes: Map<string, { shape: number[]; trainable: boolean }> } }
    ).store;
    const shapes = Object.fromEntries(
      [...store.shapes].filter(([, v]) => v.trainable).map(([k, v]) => [k, v.shape]),
    );
    manifest.schedules.push({
      name: `schedule-${name}`,
      config,
      positions,
      lr: positions.map((p) => learningRateAt(config, p)),
      weights: positions.map((p) => lossWeightsAt(config.loss, p / config.epochs)),
      roles: paramRoles(shapes),
      shapes,
    });
  }
}

/** BN statistics and affine parameters, and gate biases, away from their init (seeded), so they are exercised. */
function randomiseStatistics(model: GatedModel, seed: number): void {
  const all = model.stateDict();
  let k = seed * 1000;
  for (const [name, v] of Object.entries(all)) {
    if (v.rank !== 1) continue;
    const s = k++;
    const n = v.shape;
    tf.tidy(() => {
      if (name.endsWith('running_mean')) v.assign(tf.randomNormal(n, 0, 0.1, 'float32', s));
      else if (name.endsWith('running_var')) v.assign(tf.randomUniform(n, 0.5, 1.5, 'float32', s));
      else if (name.endsWith('gate.fc2.bias')) v.assign(tf.randomNormal(n, 0.5, 1.5, 'float32', s));
      else if (name.endsWith('.weight')) v.assign(tf.randomUniform(n, 0.5, 1.5, 'float32', s));
      else v.assign(tf.randomNormal(n, 0, 0.1, 'float32', s));
    });
  }
}

async function writeModelCase(c: ModelCase, index: number): Promise<void> {
  const info = modelInfo(c.model);
  const size = SIZE[info.family];
  const model = createModel(c.model, { gating: c.gating, seed: 11 + index });
  try {
    randomiseStatistics(model, 11 + index);
    const x = tf.randomNormal([2, size, size, 3], 0, 1, 'float32', 100 + index) as tf.Tensor4D;
    const out = model.apply(x, { training: false });
    const ref: Record<string, tf.Tensor> = { input: x, logits: out.logits };
    for (const g of out.gates) ref[`gate/${g.name}/probs`] = g.probs;
    const checkpoint = `${c.name}.safetensors`;
    const reference = `${c.name}.ref.safetensors`;
    await saveCheckpoint(join(dir, checkpoint), {
      tensors: model.stateDict(),
      config: model.config,
    });
    await saveCheckpoint(join(dir, reference), { tensors: ref, config: { case: c.name } });
    tf.dispose([x, out.logits, ...out.gates.flatMap((g) => [g.probs, g.mask])]);
    manifest.models.push({ name: c.name, checkpoint, reference });
  } finally {
    model.dispose();
  }
}

/** Two layers of gate probabilities (N = 16; 6 and 10 gates), with values close to 0 and 1. */
function gateProbs(seed: number): tf.Tensor2D[] {
  return tf.tidy(() => {
    const a = tf.sigmoid(tf.randomNormal([16, 6], 0, 3, 'float32', seed)) as tf.Tensor2D;
    const b = tf.sigmoid(tf.randomNormal([16, 10], 1, 4, 'float32', seed + 1)) as tf.Tensor2D;
    return [a, b];
  });
}

async function writeLossCase(c: LossCase, index: number): Promise<void> {
  const layers = gateProbs(7 + index);
  const loss = (...xs: tf.Tensor[]) => {
    const o = c.options;
    if (c.kind === 'l0') {
      return l0GateLoss(xs, {
        ...(o.reduction === undefined ? {} : { reduction: o.reduction }),
        ...(o.macWeights === undefined ? {} : { macWeights: o.macWeights }),
      });
    }
    const prior = priorOf(o.prior);
    return batchShapingLoss(xs, {
      ...(prior === undefined ? {} : { prior }),
      ...(o.pooled === undefined ? {} : { pooled: o.pooled }),
      ...(o.reduction === undefined ? {} : { reduction: o.reduction }),
      ...(o.pdfClipMin === undefined ? {} : { pdfClipMin: o.pdfClipMin }),
      ...(o.pdfClipMax === undefined ? {} : { pdfClipMax: o.pdfClipMax }),
    });
  };
  const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => loss(...xs))(layers);
  const ref: Record<string, tf.Tensor> = { loss: value };
  layers.forEach((t, i) => {
    ref[`probs/${i}`] = t;
    ref[`grad/${i}`] = grads[i]!;
  });
  const reference = `${c.name}.loss.safetensors`;
  await saveCheckpoint(join(dir, reference), { tensors: ref, config: { case: c.name } });
  tf.dispose([value, ...grads, ...layers]);
  manifest.losses.push({ name: c.name, kind: c.kind, options: c.options, layers: layers.length, reference });
}

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

let pythonOutput = '';
describe('PyTorch twin (python/batch_shaping_torch) against the TypeScript library', () => {
  before(async () => {
    requireTorch();
    await useBackend(BACKEND);
    dir = await mkdtemp(join(tmpdir(), 'bs-torch-twin-'));
    for (const [i, c] of MODEL_CASES.entries()) await writeModelCase(c, i);
    for (const [i, c] of LOSS_CASES.entries()) await writeLossCase(c, i);
    writeScheduleCases();
    for (const [i, c] of STEP_CASES.entries()) await writeTrainStepCase(c, i);
    manifest.pyModels = PY_CASES.map((c, i) => ({
      ...c,
      seed: 5 + i,
      checkpoint: `py-${c.name}.safetensors`,
      reference: `py-${c.name}.ref.safetensors`,
    }));
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
    const res = runPython([join('python', 'tests', 'crosscheck.py'), dir], {}, 2);
    pythonOutput = `${res.stdout}\n${res.stderr}`;
    if (process.env.BATCH_SHAPING_TWIN_VERBOSE === '1') console.log(pythonOutput);
    if (res.status !== 0 && !res.stdout.includes('"failed"')) {
      throw new Error(`crosscheck.py crashed (exit ${res.status}):\n${pythonOutput}`);
    }
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  const resultOf = (name: string) => {
    const line = pythonOutput.split('\n').find((l) => l.includes(`"case": "${name}"`));
    assert.ok(line !== undefined, `crosscheck.py printed no result for ${name}:\n${pythonOutput}`);
    return { ok: line.startsWith('ok '), line };
  };

  for (const c of MODEL_CASES) {
    it(`${c.name}: TypeScript checkpoint -> PyTorch, same logits and gate logits (<= ${TOLERANCE} relative)`, () => {
      const r = resultOf(c.name);
      assert.ok(r.ok, r.line);
    });
  }
  for (const c of LOSS_CASES) {
    it(`${c.name}: same loss value and gradient in PyTorch`, () => {
      const r = resultOf(c.name);
      assert.ok(r.ok, r.line);
    });
  }
  for (const c of STEP_CASES) {
    it(`${c.name}: one training step (same gate noise): same losses, gradients, masks and BN statistics`, () => {
      const r = resultOf(c.name);
      assert.ok(r.ok, r.line);
    });
  }
  for (const name of listPresets()) {
    it(`preset ${name}: same lr and gamma/lambda schedules and parameter roles in PyTorch`, () => {
      const r = resultOf(`schedule-${name}`);
      assert.ok(r.ok, r.line);
    });
  }
  for (const c of PY_CASES) {
    it(`py ${c.name}: PyTorch checkpoint -> loadTrainedModel, same logits and gate logits`, async () => {
      await useBackend(BACKEND);
      const { tensors: ref } = await import('../../src/models/checkpoint.js').then((m) =>
        m.loadCheckpoint(join(dir, `py-${c.name}.ref.safetensors`)),
      );
      const { model, note } = await loadTrainedModel(join(dir, `py-${c.name}.safetensors`));
      try {
        assert.equal(note, undefined, 'the PyTorch checkpoint carries the digest, verified here');
        const out = model.apply(ref.input as tf.Tensor4D, { training: false });
        const logits = await out.logits.data();
        const err = maxRelErr(logits, await ref.logits!.data());
        assert.ok(err <= TOLERANCE, `${c.name}: logits differ by ${err} relative`);
        assert.deepEqual(
          out.gates.map((g) => g.name),
          Object.keys(ref)
            .filter((k) => k.startsWith('gate/'))
            .map((k) => k.split('/')[1]),
        );
        for (const g of out.gates) {
          const probs = await g.probs.data();
          const pyLogits = await ref[`gate/${g.name}/logits`]!.data();
          const tsLogits = Array.from(probs, (p) => Math.log(p) - Math.log1p(-p));
          let worst = 0;
          let scale = 1;
          for (let i = 0; i < tsLogits.length; i++) {
            const p = probs[i]!;
            const py = pyLogits[i]!;
            scale = Math.max(scale, Math.abs(py));
            // A float32 sigmoid saturates to exactly 0 or 1 past |logit| ~ 17: then only the side can be compared.
            if (!Number.isFinite(tsLogits[i]!)) {
              assert.ok(
                Math.sign(tsLogits[i]!) === Math.sign(py) && Math.abs(py) > 15,
                `${g.name}[${i}]: p = ${p}, python logit ${py}`,
              );
              continue;
            }
            const slack = 6e-8 / Math.max(p * (1 - p), 1e-12);
            worst = Math.max(worst, Math.abs(tsLogits[i]! - py) - slack);
          }
          assert.ok(worst / scale <= TOLERANCE, `${g.name}: gate logits differ by ${worst / scale} relative`);
          const mask = await g.mask.data();
          pyLogits.forEach((l, i) => {
            assert.equal(mask[i], l > 0 ? 1 : 0, `${g.name}[${i}]: gate decision`);
          });
        }
        tf.dispose([out.logits, ...out.gates.flatMap((g) => [g.probs, g.mask])]);
      } finally {
        model.dispose();
        tf.dispose(Object.values(ref));
      }
    });
  }
});
