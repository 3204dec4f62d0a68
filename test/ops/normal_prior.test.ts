import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { normalPrior } from '../../src/ops/normal_prior.js';
import { golden } from '../fixtures/bas/golden.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { expectNoLeakAsync, values } from '../helpers/read.js';

const g = golden.priors['normal_0.5_0.25']!;

for (const backend of TEST_BACKENDS) {
  describe(`normalPrior on ${backend}`, () => {
    before(() => useBackend(backend));

    it('device CDF within 1e-6 absolute of scipy.stats.norm.cdf', async () => {
      const prior = normalPrior(g.params.mu, g.params.sigma);
      const got = await expectNoLeakAsync(() => values(tf.tidy(() => prior.cdf(tf.tensor1d(g.x)))));
      g.cdf.forEach((w, i) => {
        assert.ok(Math.abs(got[i]! - w) <= 1e-6, `x = ${g.x[i]}: ${got[i]} vs ${w}`);
      });
    });

    it('device pdf within 1e-5 relative of scipy.stats.norm.pdf', async () => {
      const prior = normalPrior(g.params.mu, g.params.sigma);
      const got = await values(tf.tidy(() => prior.pdf(tf.tensor1d(g.x))));
      g.pdf.forEach((w, i) => {
        assert.ok(Math.abs(got[i]! - w) <= 1e-5 * w + 1e-9, `x = ${g.x[i]}`);
      });
    });
  });
}

describe('normalPrior (host side)', () => {
  it('has mean mu and the stdlib reference agreeing with SciPy', () => {
    const p = normalPrior(0.5, 0.25);
    assert.equal(p.mean, 0.5);
    assert.equal(p.name, 'Normal(0.5, 0.25)');
    g.x.forEach((x, i) => {
      assert.ok(Math.abs(p.cdfHost(x) - g.cdf[i]!) < 1e-12);
    });
  });

  it('rejects sigma <= 0 and a non-finite mu', () => {
    assert.throws(
      () => normalPrior(0.5, 0),
      /normalPrior: argument 'sigma' must be a finite number > 0; got 0/,
    );
    assert.throws(
      () => normalPrior(Infinity, 1),
      /normalPrior: argument 'mu' must be a finite number; got Infinity/,
    );
  });
});
