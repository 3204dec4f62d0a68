import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { betaPrior } from '../../src/ops/beta_prior.js';
import { normalPrior } from '../../src/ops/normal_prior.js';
import { PDF_CLIP_MAX, PDF_CLIP_MIN, priorCdf } from '../../src/ops/prior_cdf.js';
import { relaxedBernoulliPrior } from '../../src/ops/relaxed_bernoulli_prior.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { expectNoLeakAsync, values } from '../helpers/read.js';

const priors = [
  betaPrior(0.6, 0.4),
  betaPrior(2, 5),
  normalPrior(0.5, 0.25),
  relaxedBernoulliPrior(0.6, 2 / 3),
];

for (const backend of TEST_BACKENDS) {
  describe(`priorCdf on ${backend}`, () => {
    before(() => useBackend(backend));

    for (const prior of priors) {
      it(`${prior.name}: gradient equals central differences of the forward where the pdf is inside the clip`, async () => {
        const xs = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95];
        const grad = await expectNoLeakAsync(() =>
          values(tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(priorCdf(x, prior)))(tf.tensor1d(xs)))),
        );
        const h = 1e-3;
        for (const [i, x] of xs.entries()) {
          // Differences of the float32 device forward: rounding ~1e-7 / h = 1e-4 absolute, plus O(h^2) curvature.
          const f = await values(tf.tidy(() => prior.cdf(tf.tensor1d([x + h, x - h]))));
          const fd = (f[0]! - f[1]!) / (2 * h);
          const want = Math.min(PDF_CLIP_MAX, Math.max(PDF_CLIP_MIN, fd));
          assert.ok(Math.abs(grad[i]! - want) < 5e-4 + 2e-3 * want, `x = ${x}: grad ${grad[i]} vs fd ${fd}`);
        }
      });
    }

    it('clips the pdf to [1e-3, 100] in the backward pass (Beta(0.6, 0.4) diverges at 0 and 1)', async () => {
      const prior = betaPrior(0.6, 0.4);
      const xs = [0, 1e-9, 1, 0.5];
      const grad = await values(
        tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(priorCdf(x, prior)))(tf.tensor1d(xs))),
      );
      assert.equal(grad[0], PDF_CLIP_MAX);
      assert.equal(grad[1], PDF_CLIP_MAX);
      assert.equal(grad[2], PDF_CLIP_MAX);
      assert.ok(Math.abs(grad[3]! - prior.pdfHost(0.5)) < 1e-5);
      // Beta(2, 5) has pdf 0 at 1: clipped from below to 1e-3.
      const low = await values(
        tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(priorCdf(x, betaPrior(2, 5))))(tf.tensor1d([1]))),
      );
      assert.ok(Math.abs(low[0]! - PDF_CLIP_MIN) < 1e-9);
    });

    it('scales by the upstream gradient and honours custom clip bounds', async () => {
      const prior = betaPrior(0.6, 0.4);
      const grad = await values(
        tf.tidy(() =>
          tf.grad((x: tf.Tensor) =>
            tf.sum(tf.mul(priorCdf(x, prior, { pdfClipMax: 2 }), tf.tensor1d([3, -2]))),
          )(tf.tensor1d([0.001, 0.5])),
        ),
      );
      assert.ok(Math.abs(grad[0]! - 6) < 1e-6, `clipped at 2, times 3: ${grad[0]}`);
      assert.ok(Math.abs(grad[1]! + 2 * prior.pdfHost(0.5)) < 1e-5);
    });

    it('forward is the prior CDF', async () => {
      const prior = betaPrior(0.6, 0.4);
      const x = tf.tensor1d([0.1, 0.9]);
      const a = await values(priorCdf(x, prior));
      const b = await values(prior.cdf(x));
      x.dispose();
      assert.deepEqual(Array.from(a!), Array.from(b!));
    });
  });
}

describe('priorCdf input checks', () => {
  it('rejects non-float input and inconsistent clip bounds', () => {
    const x = tf.tensor1d([1], 'int32');
    assert.throws(
      () => priorCdf(x, betaPrior()),
      /priorCdf: argument 'x' must have dtype float32; got int32/,
    );
    x.dispose();
    const y = tf.tensor1d([0.5]);
    assert.throws(
      () => priorCdf(y, betaPrior(), { pdfClipMin: 2, pdfClipMax: 1 }),
      /priorCdf: options pdfClipMin/,
    );
    y.dispose();
  });
});
