import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { relaxedBernoulliPrior } from '../../src/ops/relaxed_bernoulli_prior.js';
import { golden } from '../fixtures/bas/golden.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { expectNoLeakAsync, values } from '../helpers/read.js';

const mc = golden.relaxed_bernoulli_mc;
const g = golden.priors['rb_0.6_0.667']!;

for (const backend of TEST_BACKENDS) {
  describe(`relaxedBernoulliPrior on ${backend}`, () => {
    before(() => useBackend(backend));

    it('closed-form CDF matches the ECDF of 2e6 samples of sigmoid((logit p + L) / tau) (NumPy)', async () => {
      const prior = relaxedBernoulliPrior(mc.p, mc.temperature);
      const got = await expectNoLeakAsync(() => values(tf.tidy(() => prior.cdf(tf.tensor1d(mc.x)))));
      // ECDF standard error <= 0.5 / sqrt(2e6) = 3.5e-4; 5 sigma.
      mc.ecdf.forEach((w, i) => {
        assert.ok(Math.abs(got[i]! - w) < 1.8e-3, `x = ${mc.x[i]}: ${got[i]} vs ${w}`);
      });
    });

    it('device CDF within 1e-6 of the float64 closed form over (0, 1), tails included', async () => {
      const prior = relaxedBernoulliPrior(g.params.p, g.params.temperature);
      const got = await values(tf.tidy(() => prior.cdf(tf.tensor1d(g.x))));
      g.cdf.forEach((w, i) => {
        assert.ok(Math.abs(got[i]! - w) <= 1e-6, `x = ${g.x[i]}: ${got[i]} vs ${w}`);
      });
    });

    it('device pdf within 1e-4 relative of the float64 density', async () => {
      const prior = relaxedBernoulliPrior(g.params.p, g.params.temperature);
      const got = await values(tf.tidy(() => prior.pdf(tf.tensor1d(g.x))));
      g.pdf.forEach((w, i) => {
        assert.ok(Math.abs(got[i]! - w) <= 1e-4 * w + 1e-9, `x = ${g.x[i]}: ${got[i]} vs ${w}`);
      });
    });

    it('edges: F(0) = 0, F(1) = 1, NaN stays NaN; pdf finite at the edges', async () => {
      const prior = relaxedBernoulliPrior(0.6, 2 / 3);
      const cdf = await values(tf.tidy(() => prior.cdf(tf.tensor1d([0, 1, Number.NaN]))));
      assert.equal(cdf[0], 0);
      assert.equal(cdf[1], 1);
      assert.ok(Number.isNaN(cdf[2]!));
      const pdf = await values(tf.tidy(() => prior.pdf(tf.tensor1d([0, 1]))));
      assert.ok(Array.from(pdf).every((v) => Number.isFinite(v) && v > 0));
    });
  });
}

describe('relaxedBernoulliPrior (host side)', () => {
  it('F(1/2) = 1 - p: the hard gate is on with probability p', () => {
    for (const p of [0.1, 0.5, 0.6, 0.9]) {
      assert.ok(Math.abs(relaxedBernoulliPrior(p, 0.3).cdfHost(0.5) - (1 - p)) < 1e-12);
    }
  });

  it('mean by quadrature agrees with the Monte Carlo mean (and is 1/2 by symmetry at p = 1/2)', () => {
    const prior = relaxedBernoulliPrior(mc.p, mc.temperature);
    assert.ok(Math.abs(prior.mean - mc.mean) < 1e-3, `${prior.mean} vs ${mc.mean}`);
    assert.ok(Math.abs(relaxedBernoulliPrior(0.5, 2 / 3).mean - 0.5) < 1e-9);
  });

  it('pdf is the derivative of the CDF (central differences)', () => {
    const prior = relaxedBernoulliPrior(0.3, 1.5);
    for (const x of [0.01, 0.2, 0.5, 0.8, 0.99]) {
      const h = 1e-6;
      const fd = (prior.cdfHost(x + h) - prior.cdfHost(x - h)) / (2 * h);
      assert.ok(Math.abs(fd - prior.pdfHost(x)) < 1e-6 * Math.max(1, fd), `x = ${x}`);
    }
  });

  it('rejects p outside (0, 1) and temperature <= 0', () => {
    assert.throws(
      () => relaxedBernoulliPrior(1, 0.5),
      /relaxedBernoulliPrior: argument 'p' must be a number in \(0, 1\); got 1/,
    );
    assert.throws(
      () => relaxedBernoulliPrior(0.5, -1),
      /relaxedBernoulliPrior: argument 'temperature' must be a finite number > 0; got -1/,
    );
  });
});
