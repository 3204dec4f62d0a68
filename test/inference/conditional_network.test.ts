// Conditional inference equals the masked dense execution (model.apply, inference mode) for every registered
// gated model, on every CPU-side test backend: same gate decisions, logits within 1e-5 relative error
// (max |a - b| / max |b|). BN statistics are randomised so the folding is exercised, and gate usage is set by
// setGateUsage so each sample has its own pattern (with always-on, always-off and conditional channels).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { hasSyncReadback } from '../../src/backend/sync_readback.js';
import {
  compileConditional,
  compileConditionalAsync,
  MIN_GROUP_GAIN,
} from '../../src/inference/conditional_network.js';
import { setGateUsage } from '../../src/inference/gate_usage.js';
import { measureLatency } from '../../src/inference/latency.js';
import type { GatedModel, ModelName, ModelOptions } from '../../src/models/model_types.js';
import { createModel, listModels, modelInfo } from '../../src/models/registry.js';
import { expectNoWasmLeak } from '../backend/wasm/wasm_test_utils.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

/** Seeded uniform values in [lo, hi) (a different stream per seed). */
function uniform(shape: number[], lo: number, hi: number, seed: number): tf.Tensor {
  return tf.randomUniform(shape, lo, hi, 'float32', seed);
}

/** Random BN affine parameters and running statistics, so BN folding is not the identity. */
function randomizeBatchNorm(model: GatedModel, seed: number): void {
  const weights = model.namedWeights();
  let s = seed;
  for (const [name, v] of Object.entries(model.namedBuffers())) {
    if (!name.endsWith('.running_mean')) continue;
    const prefix = name.slice(0, -'.running_mean'.length);
    const c = v.shape[0]!;
    tf.tidy(() => {
      v.assign(uniform([c], -0.3, 0.3, s++));
      model.namedBuffers()[`${prefix}.running_var`]!.assign(uniform([c], 0.5, 2, s++));
      weights[`${prefix}.weight`]!.assign(uniform([c], 0.5, 2.5, s++));
      weights[`${prefix}.bias`]!.assign(uniform([c], -0.2, 0.2, s++));
    });
  }
}

function maxRelError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / tf.max(tf.abs(b)).dataSync()[0]!);
}

/** Small but complete versions of each family: every block kind, shortcut and dilation still occurs. */
function smallSetting(name: ModelName): { size: number; options: ModelOptions } {
  const { family } = modelInfo(name);
  if (family === 'cifar') return { size: 8, options: { widthMultiplier: 0.25 } };
  if (family === 'imagenet') return { size: 32, options: { widthMultiplier: 0.125 } };
  return { size: 32, options: { widthMultiplier: 0.125, numClasses: 5 } };
}

interface Case {
  name: ModelName;
  label: string;
  options: ModelOptions;
}

const CASES: Case[] = [
  ...listModels().map((name) => ({ name, label: name, options: {} })),
  { name: 'resnet20', label: 'resnet20 (shortcut B)', options: { shortcut: 'B' } },
  { name: 'resnet50', label: 'resnet50 (gate after conv2)', options: { gatePosition: 'conv2' } },
];

async function checkModel(c: Case, seed: number): Promise<void> {
  const { size, options } = smallSetting(c.name);
  const model = createModel(c.name, { ...options, ...c.options, seed });
  const x = tf.randomNormal([3, size, size, 3], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
  try {
    randomizeBatchNorm(model, seed + 2);
    const onFraction = setGateUsage(model, x, { seed });
    assert.ok(onFraction > 0.2 && onFraction < 0.8, `${c.label}: on-fraction ${onFraction}`);
    const ref = model.apply(x, { training: false });
    const refMasks = ref.gates.map((g) => g.mask.arraySync() as number[][]);
    const before = tf.memory().numTensors;
    // The per-sample mode reuses the shared code on batches of one: its gathering path is enough there.
    // Both lowerings of the gathered convs run in every model (conv, and weights x im2col patches).
    // minOnRate: calibrated on x with static channel groups; 0.5 puts channels that are closed for some
    // samples into the static group (computed, then masked), 1 only those open for every sample, 'auto' the
    // cost model's break-even per block.
    const configs: {
      batchMode: 'shared' | 'per-sample';
      skip: 'always' | 'never' | 'auto';
      lowering: 'conv' | 'matmul' | 'auto';
      minOnRate?: number | 'auto';
    }[] = [
      { batchMode: 'shared', skip: 'always', lowering: 'conv' },
      { batchMode: 'shared', skip: 'always', lowering: 'matmul' },
      { batchMode: 'shared', skip: 'never', lowering: 'auto' },
      { batchMode: 'shared', skip: 'auto', lowering: 'auto' },
      { batchMode: 'per-sample', skip: 'always', lowering: 'matmul' },
      { batchMode: 'shared', skip: 'always', lowering: 'conv', minOnRate: 0.5 },
      { batchMode: 'per-sample', skip: 'always', lowering: 'matmul', minOnRate: 1 },
      { batchMode: 'per-sample', skip: 'always', lowering: 'conv', minOnRate: 0.5 },
      { batchMode: 'shared', skip: 'auto', lowering: 'auto', minOnRate: 'auto' },
    ];
    for (const { batchMode, skip, lowering, minOnRate } of configs) {
      const net = compileConditional(model, { skip, batchMode, lowering });
      if (minOnRate !== undefined) {
        const rates = await net.calibrate(x, { minOnRate });
        assert.equal(rates.length, net.blocks.length);
        for (const [i, b] of net.blocks.entries()) {
          const threshold: number = minOnRate === 'auto' ? b.breakEvenOnRate(net.policy) : minOnRate;
          assert.ok(threshold > 0 && threshold <= 1, `${c.label}: break-even on-rate ${threshold}`);
          const frequent: number[] = rates[i]!.flatMap((r: number, j: number) => (r >= threshold ? [j] : []));
          const gain = b.staticGroupGain(Float64Array.from(rates[i]!), Int32Array.from(frequent), net.policy);
          const expected: number[] = minOnRate === 'auto' && gain < MIN_GROUP_GAIN ? [] : frequent;
          assert.deepEqual(
            Array.from(b.staticChannels),
            expected,
            `${c.label}: static channels of ${b.name}`,
          );
        }
      }
      const out = net.apply(x);
      assert.deepEqual(
        out.gates.map((g) => g.name),
        ref.gates.map((g) => g.name),
      );
      for (const [i, g] of out.gates.entries()) {
        assert.deepEqual(g.mask, refMasks[i], `${c.label} gate ${g.name}`);
      }
      assert.deepEqual(out.logits.shape, ref.logits.shape);
      const err = maxRelError(out.logits, ref.logits);
      assert.ok(err <= 1e-5, `${c.label} ${batchMode}/${skip}/${lowering}: relative error ${err}`);
      const tag = `${c.label} ${batchMode}/${skip}/${lowering}/${minOnRate ?? 'no groups'}`;
      if (minOnRate !== undefined && skip === 'always') {
        // Some block must have run its static group, and some the static group plus gathered channels.
        const grouped = out.runs.flat().filter((r) => r.skipped && r.staticChannels > 0);
        assert.ok(grouped.length > 0, `${tag}: no static group ran`);
        assert.ok(
          grouped.some((r) => r.computed > r.staticChannels),
          `${tag}: no dynamic channels were gathered`,
        );
      } else if (skip === 'always') {
        // Some block must really have gathered (not every union is full or empty), as asked.
        const gathered = out.runs.flat().filter((r) => r.skipped && r.computed > 0);
        assert.ok(gathered.length > 0, `${c.label}: nothing skipped`);
        assert.ok(gathered.every((r) => r.lowering?.every((l) => l === lowering)));
      }
      out.logits.dispose();
      net.dispose();
    }
    assert.equal(tf.memory().numTensors, before, `${c.label}: tensors leaked`);
    tf.dispose([ref.logits, ...ref.gates.flatMap((g) => [g.probs, g.mask])]);
  } finally {
    x.dispose();
    model.dispose();
  }
}

// Conditional inference reads gate decisions on the host synchronously: the backends that can (cpu, wasm).
for (const backend of TEST_BACKENDS.filter((b) => hasSyncReadback(b))) {
  describe(`conditional inference equals masked dense [${backend}]`, () => {
    before(() => useBackend(backend));
    CASES.forEach((c, i) => {
      test(c.label, () => checkModel(c, 10 * i + 1));
    });
  });
}

// The direct path (directConv: gathered channel sets padded with zero channels to a multiple of 16, run as the
// unfused conv2d: on one wasm thread our direct SIMD conv, nothing packed). The small settings above have
// fewer than 16 channels, so it needs wider models: ResNet-20 at width 1 (16-64 channels, 1-3 open channels
// padded to 16 and 17-31 to 32) and ResNet-18 at width 0.25 (16-128 channels, 1x1 to 8x8 maps).
const DIRECT_CASES: { name: ModelName; size: number; options: ModelOptions }[] = [
  { name: 'resnet20', size: 8, options: {} },
  { name: 'resnet18', size: 32, options: { widthMultiplier: 0.25 } },
];

async function checkDirect(
  name: ModelName,
  size: number,
  options: ModelOptions,
  seed: number,
): Promise<void> {
  const model = createModel(name, { ...options, seed });
  const x = tf.randomNormal([3, size, size, 3], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
  try {
    randomizeBatchNorm(model, seed + 2);
    setGateUsage(model, x, { seed });
    const ref = model.apply(x, { training: false });
    const refMasks = ref.gates.map((g) => g.mask.arraySync() as number[][]);
    const before = tf.memory().numTensors;
    const configs = [
      { batchMode: 'shared', skip: 'always', lowering: 'conv' },
      { batchMode: 'per-sample', skip: 'always', lowering: 'auto' },
      { batchMode: 'shared', skip: 'always', lowering: 'auto', minOnRate: 0.5 },
      { batchMode: 'per-sample', skip: 'always', lowering: 'conv', minOnRate: 0.5, cacheSize: 2 },
      { batchMode: 'shared', skip: 'auto', lowering: 'auto', minOnRate: 'auto' },
    ] as const;
    for (const config of configs) {
      const { batchMode, skip, lowering } = config;
      const minOnRate = 'minOnRate' in config ? config.minOnRate : undefined;
      const cacheSize = 'cacheSize' in config ? config.cacheSize : 0;
      const tag = `${name} ${batchMode}/${skip}/${lowering}/${minOnRate ?? 'no groups'}`;
      const net = compileConditional(model, { skip, batchMode, lowering, cacheSize, directConv: true });
      assert.equal(net.policy.direct, true);
      if (minOnRate !== undefined) await net.calibrate(x, { minOnRate });
      for (let rep = 0; rep < (cacheSize > 0 ? 2 : 1); rep++) {
        const out = net.apply(x);
        for (const [i, g] of out.gates.entries()) assert.deepEqual(g.mask, refMasks[i], `${tag} ${g.name}`);
        const err = maxRelError(out.logits, ref.logits);
        assert.ok(err <= 1e-5, `${tag}: relative error ${err}`);
        if (skip === 'always') {
          const ran = out.runs.flat().filter((r) => r.skipped && r.direct === true);
          assert.ok(ran.length > 0, `${tag}: no block gathered onto the direct conv`);
          // Padded to 16: a block whose open channels are no multiple of 16 computed zero channels too.
          assert.ok(
            ran.some((r) => (r.computed - r.staticChannels) % 16 !== 0),
            `${tag}: nothing padded`,
          );
        }
        out.logits.dispose();
      }
      net.dispose();
    }
    assert.equal(tf.memory().numTensors, before, `${name}: tensors leaked`);
    tf.dispose([ref.logits, ...ref.gates.flatMap((g) => [g.probs, g.mask])]);
  } finally {
    x.dispose();
    model.dispose();
  }
}

for (const backend of TEST_BACKENDS.filter((b) => hasSyncReadback(b))) {
  describe(`direct conv (padded gathered channels) equals masked dense [${backend}]`, () => {
    before(() => useBackend(backend));
    DIRECT_CASES.forEach(({ name, size, options }, i) => {
      test(name, () => checkDirect(name, size, options, 100 + 10 * i));
    });
  });
}

describe('direct conv on wasm', () => {
  before(() => useBackend('wasm'));

  test('is the default there, refused when not a boolean, and leaks nothing on the wasm heap', async () => {
    const model = createModel('resnet20', { seed: 3 });
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    try {
      setGateUsage(model, x, { seed: 3 });
      assert.throws(
        () => compileConditional(model, { directConv: 1 as unknown as boolean }),
        /option 'directConv' must be a boolean; got 1/,
      );
      const net = compileConditional(model, { skip: 'always' });
      assert.equal(net.policy.direct, true, 'default on wasm');
      const x1 = tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
      await expectNoWasmLeak(() => {
        const out = net.apply(x1);
        assert.ok(out.runs[0]!.some((r) => r.direct === true));
        out.logits.dispose();
      }, 'conditional apply on the direct conv');
      x1.dispose();
      net.dispose();
      const packed = compileConditional(model, { skip: 'always', directConv: false });
      assert.equal(packed.policy.direct, false);
      const out = packed.apply(x);
      assert.ok(out.runs.flat().every((r) => r.direct !== true));
      out.logits.dispose();
      packed.dispose();
    } finally {
      x.dispose();
      model.dispose();
    }
  });
});

/** Gate biases spread over [-2, 2] (seeded), so that some channels are open and some closed, per sample. */
function spreadGateBiases(model: GatedModel, seed: number): void {
  let s = seed;
  for (const [name, v] of Object.entries(model.namedWeights())) {
    if (name.endsWith('.gate.fc2.bias')) tf.tidy(() => v.assign(uniform(v.shape, -2, 2, s++)));
  }
}

// The asynchronous path (weights and gate decisions read with `await t.data()`) on every backend, webgpu too.
for (const backend of TEST_BACKENDS) {
  describe(`compileConditionalAsync + applyAsync equal masked dense [${backend}]`, () => {
    before(() => useBackend(backend));
    const cases: Case[] = [
      { name: 'resnet20', label: 'resnet20', options: {} },
      { name: 'resnet50', label: 'resnet50 (gate after conv2)', options: { gatePosition: 'conv2' } },
    ];
    cases.forEach((c, k) => {
      test(c.label, async () => {
        const { size, options } = smallSetting(c.name);
        const model = createModel(c.name, { ...options, ...c.options, seed: 30 + k });
        const x = tf.randomNormal([3, size, size, 3], 0, 1, 'float32', 40 + k) as tf.Tensor4D;
        try {
          randomizeBatchNorm(model, 50 + k);
          spreadGateBiases(model, 60 + k);
          const ref = model.apply(x, { training: false });
          const refMasks = await Promise.all(ref.gates.map((g) => g.mask.array() as Promise<number[][]>));
          const refLogits = await ref.logits.data();
          tf.dispose([ref.logits, ...ref.gates.flatMap((g) => [g.probs, g.mask])]);
          const before = tf.memory().numTensors;
          for (const batchMode of ['shared', 'per-sample'] as const) {
            const net = await compileConditionalAsync(model, { skip: 'always', batchMode });
            const out = await net.applyAsync(x);
            for (const [i, g] of out.gates.entries())
              assert.deepEqual(g.mask, refMasks[i], `${c.label} ${g.name}`);
            const got = await out.logits.data();
            let err = 0;
            let scale = 0;
            for (let i = 0; i < got.length; i++) {
              err = Math.max(err, Math.abs(got[i]! - refLogits[i]!));
              scale = Math.max(scale, Math.abs(refLogits[i]!));
            }
            assert.ok(err <= 1e-5 * scale, `${c.label} ${batchMode}: relative error ${err / scale}`);
            const gathered = out.runs.flat().filter((r) => r.skipped && r.computed > 0);
            assert.ok(gathered.length > 0, `${c.label}: nothing skipped`);
            out.logits.dispose();
            net.dispose();
          }
          assert.equal(tf.memory().numTensors, before, `${c.label}: tensors leaked`);
        } finally {
          x.dispose();
          model.dispose();
        }
      });
    });
  });
}

for (const backend of TEST_BACKENDS.filter((b) => !hasSyncReadback(b))) {
  describe(`conditional inference on ${backend} (no synchronous readback)`, () => {
    before(() => useBackend(backend));
    test('compileConditional, setGateUsage and measureLatency refuse with the reason', () => {
      const model = createModel('resnet20', { widthMultiplier: 0.25, seed: 1 });
      const x = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
      const why = new RegExp(
        `needs a backend with synchronous readback .*the active backend is '${backend}'`,
      );
      assert.throws(() => compileConditional(model), new RegExp(`compileConditional: .*${why.source}`));
      assert.throws(() => setGateUsage(model, x), new RegExp(`setGateUsage: .*${why.source}`));
      assert.throws(() => measureLatency(model, x), new RegExp(`measureLatency: .*${why.source}`));
      x.dispose();
      model.dispose();
    });
  });
}

describe('compileConditional / ConditionalNetwork.apply: bad input', () => {
  before(() => useBackend('wasm'));
  let gated: GatedModel;
  before(() => {
    gated = createModel('resnet20', { widthMultiplier: 0.25 });
  });
  after(() => gated.dispose());

  test('a dense model is refused, naming the gating', () => {
    const dense = createModel('resnet20', { widthMultiplier: 0.25, gating: 'none' });
    try {
      assert.throws(
        () => compileConditional(dense),
        /compileConditional: argument 'model'.*got gating 'none'/,
      );
    } finally {
      dense.dispose();
    }
  });

  test('something that is not a registry model is refused', () => {
    assert.throws(
      () => compileConditional({} as GatedModel),
      /compileConditional: argument 'model' must be a registry ResNet or PSPNet/,
    );
  });

  test('bad options are refused', () => {
    assert.throws(() => compileConditional(gated, { skip: 'sometimes' as 'auto' }), /option 'skip'/);
    assert.throws(
      () => compileConditional(gated, { batchMode: 'grouped' as 'shared' }),
      /option 'batchMode'/,
    );
    assert.throws(() => compileConditional(gated, { repackCost: -1 }), /option 'repackCost'/);
    assert.throws(
      () => compileConditional(gated, { lowering: 'gemm' as 'conv' }),
      /option 'lowering' must be 'auto', 'conv' or 'matmul'; got "gemm"/,
    );
  });

  test('wrong rank, channels or dtype of x, and use after dispose, give clear errors and leak nothing', () => {
    const net = compileConditional(gated);
    const bad = [tf.zeros([8, 8, 3]), tf.zeros([1, 8, 8, 4]), tf.zeros([1, 8, 8, 3], 'int32')];
    const before = tf.memory().numTensors;
    for (const x of bad) {
      assert.throws(
        () => net.apply(x as tf.Tensor4D),
        /ConditionalNetwork\.apply: argument 'x' must be a float32 tensor \[N, H, W, 3\]; got/,
      );
    }
    assert.equal(tf.memory().numTensors, before);
    net.dispose();
    assert.throws(() => net.apply(tf.zeros([1, 8, 8, 3]) as tf.Tensor4D), /has been disposed/);
    tf.dispose(bad);
  });
});

describe('ConditionalNetwork: gathered-weight cache', () => {
  before(() => useBackend('wasm'));

  test('a repeated pattern hits the cache, gives the same logits, and dispose frees the cache', () => {
    const model = createModel('resnet20', { widthMultiplier: 0.25, seed: 5 });
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    try {
      setGateUsage(model, x, { seed: 5 });
      const before = tf.memory().numTensors;
      const net = compileConditional(model, { skip: 'always', cacheSize: 2 });
      const first = net.apply(x);
      const second = net.apply(x);
      const skipped = (o: typeof first) => o.runs.flat().filter((r) => r.skipped && r.computed > 0);
      assert.ok(skipped(first).length > 0);
      assert.ok(skipped(first).every((r) => !r.cacheHit));
      assert.ok(skipped(second).every((r) => r.cacheHit));
      assert.deepEqual(second.logits.dataSync(), first.logits.dataSync());
      tf.dispose([first.logits, second.logits]);
      net.dispose();
      assert.equal(tf.memory().numTensors, before);
      assert.throws(() => compileConditional(model, { cacheSize: 1.5 }), /option 'cacheSize'/);
    } finally {
      x.dispose();
      model.dispose();
    }
  });
});

describe('ConditionalNetwork.calibrate: static channel groups', () => {
  before(() => useBackend('wasm'));

  test('bad minOnRate or x is refused; clearStaticChannels and dispose free the packed groups', async () => {
    const model = createModel('resnet20', { widthMultiplier: 0.25, seed: 8 });
    const x = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const bad = tf.zeros([1, 8, 8]) as unknown as tf.Tensor4D;
    try {
      setGateUsage(model, x, { seed: 8 });
      const before = tf.memory().numTensors;
      const net = compileConditional(model, { skip: 'always' });
      assert.throws(() => net.blocks[0]!.breakEvenOnRate(net.policy), /breakEvenOnRate needs a run first/);
      assert.throws(
        () => net.blocks[0]!.staticGroupGain(new Float64Array(4), new Int32Array(0), net.policy),
        /staticGroupGain needs a run first/,
      );
      await assert.rejects(
        net.calibrate(x, { minOnRate: 0 }),
        /calibrate: option 'minOnRate' must be 'auto' or a number in \(0, 1\]/,
      );
      await assert.rejects(net.calibrate(x, { minOnRate: Number.NaN }), /option 'minOnRate'/);
      await assert.rejects(net.calibrate(bad), /calibrate: argument 'x' must be a float32 tensor/);
      const ref = net.apply(x);
      const withGroups = tf.memory().numTensors;
      await net.calibrate(x, { minOnRate: 0.75 });
      // Gain: a channel always on saves its packing; one never on costs its MACs; none saves nothing.
      const b0 = net.blocks[0]!;
      const ones = new Float64Array(b0.gatedChannels).fill(1);
      assert.ok(b0.staticGroupGain(ones, Int32Array.from([0]), net.policy) > 0);
      assert.ok(b0.staticGroupGain(new Float64Array(b0.gatedChannels), Int32Array.from([0]), net.policy) < 0);
      assert.equal(b0.staticGroupGain(ones, new Int32Array(0), net.policy), 0);
      assert.ok(tf.memory().numTensors > withGroups, 'calibrate packs static groups');
      assert.ok(net.blocks.some((b) => b.staticChannels.length > 0));
      const out = net.apply(x);
      assert.ok(maxRelError(out.logits, ref.logits) <= 1e-5);
      out.logits.dispose();
      net.clearStaticChannels();
      assert.equal(tf.memory().numTensors, withGroups, 'clearStaticChannels frees the groups');
      assert.ok(net.blocks.every((b) => b.staticChannels.length === 0));
      await net.calibrate(x);
      ref.logits.dispose();
      net.dispose();
      assert.equal(tf.memory().numTensors, before, 'dispose frees everything');
    } finally {
      tf.dispose([x, bad]);
      model.dispose();
    }
  });
});
