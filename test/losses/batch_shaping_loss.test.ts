import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { batchShapingLoss } from '../../src/losses/batch_shaping_loss.js';
import { betaPrior } from '../../src/ops/beta_prior.js';
import { normalPrior } from '../../src/ops/normal_prior.js';
import type { Prior } from '../../src/ops/prior.js';
import { relaxedBernoulliPrior } from '../../src/ops/relaxed_bernoulli_prior.js';
import { type GoldenCase, golden } from '../fixtures/bas/golden.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

function priorFor(name: string): Prior | undefined {
  if (name === 'beta_0.6_0.4') return undefined; // exercise the default prior
  const p = golden.priors[name]!;
  if (p.kind === 'beta') return betaPrior(p.params.a, p.params.b);
  if (p.kind === 'normal') return normalPrior(p.params.mu, p.params.sigma);
  return relaxedBernoulliPrior(p.params.p, p.params.temperature);
}

/** Reads a tensor without a synchronous readback (WebGPU has none) and disposes it. */
async function read(t: tf.Tensor): Promise<Float32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

async function lossAndGrads(
  c: GoldenCase,
  reduction: 'sum' | 'mean',
): Promise<{ loss: number; grads: Float32Array[] }> {
  const prior = priorFor(c.prior);
  const { value, grads } = tf.tidy(() => {
    const xs = c.inputs.map((v, i) => tf.tensor2d(v, c.shapes[i]!));
    const f = (...t: tf.Tensor[]) =>
      batchShapingLoss(t as tf.Tensor2D[], {
        ...(prior && { prior }),
        pooled: c.pooled,
        validate: false,
        reduction,
      });
    return tf.valueAndGrads(f)(xs);
  });
  return { loss: (await read(value))[0]!, grads: await Promise.all(grads.map(read)) };
}

/** Number of gates (columns) the golden case's loss averages over: 1 when pooled. */
function gatesOf(c: GoldenCase): number {
  return c.pooled ? 1 : c.shapes.reduce((s, shape) => s + shape[1]!, 0);
}

/** Kolmogorov-Smirnov distance between a sample and a CDF. */
function ksDistance(sample: ArrayLike<number>, cdf: (x: number) => number): number {
  const s = Array.from(sample).sort((p, q) => p - q);
  const n = s.length;
  let d = 0;
  s.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  });
  return d;
}

for (const backend of TEST_BACKENDS) {
  describe(`batchShapingLoss on ${backend}`, () => {
    before(() => useBackend(backend));

    for (const c of golden.cases) {
      for (const reduction of ['mean', 'sum'] as const) {
        // The goldens are the mean over gates (SciPy script); the sum is that times the number of gates.
        const factor = reduction === 'mean' ? 1 : gatesOf(c);
        it(`${c.name} (${c.prior}${c.pooled ? ', pooled' : ''}, ${reduction}): loss and gradient match NumPy/SciPy`, async () => {
          const before = tf.memory().numTensors;
          const { loss, grads } = await lossAndGrads(c, reduction);
          assert.equal(tf.memory().numTensors, before, 'loss + gradient leak no tensors');
          const want = c.loss * factor;
          assert.ok(Math.abs(loss - want) <= 1e-6 * factor + 1e-5 * want, `loss ${loss} vs ${want}`);
          // Gradients: float32 F - ecdf carries ~1e-7 absolute, times a pdf up to 100 and 2 / (N C).
          const scale = Math.max(...c.grads.flat().map(Math.abs)) * factor;
          c.grads.forEach((wantGrad, l) => {
            wantGrad.forEach((w0, k) => {
              const w = w0 * factor;
              const got = grads[l]![k]!;
              assert.ok(
                Math.abs(got - w) <= 1e-4 * scale + 1e-3 * Math.abs(w),
                `layer ${l} [${k}]: ${got} vs ${w}`,
              );
            });
          });
        });
      }
    }

    it('gradient matches central finite differences of the loss itself', async () => {
      // Interior values well apart, so no tie or pdf clip is crossed; FD sees the true pdf there.
      const n = 16;
      const c = 3;
      const x0 = Array.from({ length: n * c }, (_, k) => 0.05 + (0.9 * ((k * 37) % (n * c))) / (n * c));
      const f = (v: tf.Tensor) => batchShapingLoss(v as tf.Tensor2D, { validate: false });
      const grad = await read(tf.tidy(() => tf.grad(f)(tf.tensor2d(x0, [n, c]))));
      const h = 2e-3;
      for (let k = 0; k < n * c; k += 3) {
        const plus = [...x0];
        const minus = [...x0];
        plus[k]! += h;
        minus[k]! -= h;
        const diff = tf.tidy(() => tf.sub(f(tf.tensor2d(plus, [n, c])), f(tf.tensor2d(minus, [n, c]))));
        const fd = (await read(diff))[0]! / (2 * h);
        assert.ok(
          Math.abs(fd - grad[k]!) < 2e-5 + 0.02 * Math.abs(fd),
          `element ${k}: fd ${fd} vs grad ${grad[k]}`,
        );
      }
    });

    it('several layers = one call on the columns concatenated; sum = mean x number of gates', async () => {
      const values = tf.tidy(() => {
        const l1 = tf.sigmoid(tf.randomNormal([32, 4], 0, 2, 'float32', 1)) as tf.Tensor2D;
        const l2 = tf.sigmoid(tf.randomNormal([32, 12], 0, 2, 'float32', 2)) as tf.Tensor2D;
        const both = tf.concat([l1, l2], 1) as tf.Tensor2D;
        return tf.stack([
          batchShapingLoss([l1, l2], { validate: false }),
          batchShapingLoss(both, { validate: false }),
          batchShapingLoss([l1, l2], { reduction: 'mean', validate: false }),
          batchShapingLoss(both, { reduction: 'mean', validate: false }),
        ]);
      });
      const [sumLayers, sumConcat, meanLayers, meanConcat] = await read(values);
      assert.ok(Math.abs(sumLayers! - sumConcat!) < 1e-6, `${sumLayers} vs ${sumConcat}`);
      assert.ok(Math.abs(meanLayers! - meanConcat!) < 1e-7, `${meanLayers} vs ${meanConcat}`);
      assert.ok(
        Math.abs(sumLayers! - 16 * meanLayers!) < 1e-6,
        `sum ${sumLayers} vs 16 x mean ${meanLayers}`,
      );
      assert.ok(meanLayers! > 1e-3, 'a random batch is far from the prior');
    });

    it('is near 0 when each column holds the prior quantiles i / (N + 1), and per-gate differs from pooled', async () => {
      const prior = betaPrior(0.6, 0.4);
      const n = 64;
      // Column 0: exact Beta quantiles (by bisection on the host CDF); column 1: constant 0.9.
      const q = Array.from({ length: n }, (_, i) => {
        let lo = 0;
        let hi = 1;
        for (let it = 0; it < 60; it++) {
          const mid = (lo + hi) / 2;
          if (prior.cdfHost(mid) < (i + 1) / (n + 1)) lo = mid;
          else hi = mid;
        }
        return (lo + hi) / 2;
      });
      const values = tf.tidy(() => {
        const qt = tf.tensor2d(q, [n, 1]);
        const two = tf.concat([qt, tf.fill([n, 1], 0.9)], 1) as tf.Tensor2D;
        const opts = { prior, reduction: 'mean' as const, validate: false };
        return tf.stack([
          batchShapingLoss(qt as tf.Tensor2D, opts),
          batchShapingLoss(two, opts),
          batchShapingLoss(two, { ...opts, pooled: true }),
        ]);
      });
      const [perfect, mixed, pooled] = await read(values);
      assert.ok(perfect! < 1e-9, `quantiles give ${perfect}`);
      assert.ok(mixed! > 0.01 && Math.abs(mixed! - pooled!) > 1e-3, `per-gate ${mixed} vs pooled ${pooled}`);
    });

    it('trains 512 free logits per column (2 columns) to the Beta(0.6, 0.4) shape: KS distance < 0.05', async () => {
      const prior = betaPrior(0.6, 0.4);
      const n = 512;
      const c = 2;
      const logits = tf.variable(tf.randomNormal([n, c], 0, 1, 'float32', 42));
      const opt = tf.train.adam(0.1);
      const step = () =>
        opt.minimize(() => batchShapingLoss(tf.sigmoid(logits) as tf.Tensor2D, { prior, validate: false }));
      step(); // creates Adam's slot variables
      const before = tf.memory().numTensors;
      for (let i = 1; i < 200; i++) step(); // KS reaches ~0.031 here (0.05 after ~100 steps)
      assert.equal(tf.memory().numTensors, before, 'training steps leak no tensors');
      const probsT = tf.tidy(() => tf.transpose(tf.sigmoid(logits)));
      const probs = (await probsT.array()) as number[][];
      probsT.dispose();
      for (const col of probs) {
        const d = ksDistance(col, (x) => prior.cdfHost(x));
        assert.ok(d < 0.05, `KS distance ${d}`);
      }
      logits.dispose();
      opt.dispose();
    });
  });
}

describe('batchShapingLoss input checks', () => {
  before(() => useBackend('cpu'));
  const call =
    (x: unknown, opts = {}) =>
    () => {
      batchShapingLoss(x as tf.Tensor2D, opts).dispose();
    };

  it('names the function, the argument, the expectation and what it got', () => {
    const t3 = tf.zeros([2, 3, 4]);
    assert.throws(
      call(t3),
      /batchShapingLoss: argument 'gateProbs' must be a rank-2 tensor \[N, C\] \(batch, gates\); got rank 3 with shape \[2,3,4\]/,
    );
    const one = tf.zeros([1, 5]);
    assert.throws(
      call(one),
      /batchShapingLoss: argument 'gateProbs' must have a batch of N >= 2 .*got shape \[1,5\]/,
    );
    const outside = tf.tensor2d([
      [0.2, 1.5],
      [-0.1, 0.3],
    ]);
    assert.throws(
      call(outside),
      /batchShapingLoss: argument 'gateProbs' must contain probabilities in \[0, 1\]; got values in \[-0\.1\d*, 1\.5\]/,
    );
    const nan = tf.tensor2d([
      [0.2, Number.NaN],
      [0.1, Number.NaN],
    ]);
    assert.throws(
      call(nan),
      /batchShapingLoss: argument 'gateProbs' must contain probabilities in \[0, 1\]; got 2 NaN/,
    );
    const ints = tf.zeros([4, 2], 'int32');
    assert.throws(call(ints), /batchShapingLoss: argument 'gateProbs' must have dtype float32; got int32/);
    assert.throws(
      call([1, 2]),
      /batchShapingLoss: argument 'gateProbs\[0\]' must be a tf\.Tensor \[N, C\]; got number 1/,
    );
    assert.throws(
      call([]),
      /batchShapingLoss: argument 'gateProbs' must be a tensor \[N, C\] or a non-empty array/,
    );
    const a = tf.zeros([4, 2]);
    const b = tf.zeros([5, 3]);
    assert.throws(call([a, b]), /gateProbs\[0\] with N = 4 and gateProbs\[1\] with N = 5/);
    const c = tf.tensor2d([[0.5], [2], [0.1], [0.7]]);
    assert.throws(
      call([a, c]),
      /argument 'gateProbs\[1\]' must contain probabilities in \[0, 1\]; got values in \[0\.1\d*, 2\]/,
    );
    tf.dispose([t3, one, outside, nan, ints, a, b, c]);
  });

  it("rejects a reduction other than 'sum' or 'mean'", () => {
    const p = tf.fill([4, 2], 0.5);
    assert.throws(
      call(p, { reduction: 'max' }),
      /batchShapingLoss: option 'reduction' must be 'sum' or 'mean'; got "max"/,
    );
    p.dispose();
  });

  it('validate: false skips the value check (no device read) but still checks shapes', () => {
    const outside = tf.tensor2d([
      [0.2, 1.5],
      [-0.1, 0.3],
    ]);
    assert.doesNotThrow(call(outside, { validate: false }));
    const t1 = tf.zeros([4]);
    assert.throws(call(t1, { validate: false }), /rank-2 tensor/);
    tf.dispose([outside, t1]);
  });
});
