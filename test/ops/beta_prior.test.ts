import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { betaPrior } from '../../src/ops/beta_prior.js';
import { golden } from '../fixtures/bas/golden.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { expectNoLeakAsync, values } from '../helpers/read.js';

const betaCases = Object.entries(golden.priors).filter(([, p]) => p.kind === 'beta');

/** Largest |device - SciPy| over the golden points (float32 inputs, SciPy evaluated at those exact values). */
async function worstCdfError(
  a: number,
  b: number,
  xs: number[],
  want: number[],
): Promise<{ err: number; at: number }> {
  const prior = betaPrior(a, b);
  const got = await expectNoLeakAsync(() => values(tf.tidy(() => prior.cdf(tf.tensor1d(xs)))), 'beta cdf');
  let err = 0;
  let at = Number.NaN;
  want.forEach((w, i) => {
    const e = Math.abs(got[i]! - w);
    if (!(e <= err)) {
      err = e;
      at = xs[i]!;
    }
  });
  return { err, at };
}

for (const backend of TEST_BACKENDS) {
  describe(`betaPrior on ${backend}`, () => {
    before(() => useBackend(backend));

    for (const [name, p] of betaCases) {
      it(`${name}: device CDF within 1e-6 of scipy.stats.beta.cdf, tails included`, async () => {
        const { err, at } = await worstCdfError(p.params.a!, p.params.b!, p.x, p.cdf);
        assert.ok(err <= 1e-6, `max |F - scipy| = ${err} at x = ${at}`);
      });

      it(`${name}: device pdf within 1e-5 relative of scipy.stats.beta.pdf`, async () => {
        const prior = betaPrior(p.params.a!, p.params.b!);
        const got = await values(tf.tidy(() => prior.pdf(tf.tensor1d(p.x))));
        p.pdf.forEach((w, i) => {
          assert.ok(Math.abs(got[i]! - w) <= 1e-5 * w + 1e-9, `x = ${p.x[i]}: ${got[i]} vs ${w}`);
        });
      });
    }

    it('Beta(0.6, 0.4) at the named points 1e-12, 1e-6, 1 - 1e-6 (float32-rounded) agrees with SciPy', async () => {
      const p = golden.priors['beta_0.6_0.4']!;
      const named = [1e-12, 1e-6, 1 - 1e-6].map((v) => Math.fround(v));
      for (const v of named) {
        const i = p.x.indexOf(v);
        assert.ok(i >= 0, `golden holds x = ${v}`);
        const { err } = await worstCdfError(0.6, 0.4, [v], [p.cdf[i]!]);
        assert.ok(err <= 1e-6, `x = ${v}: error ${err}`);
      }
    });

    it('edges and out-of-range inputs: F(0) = 0, F(1) = 1, clamped outside, NaN stays NaN', async () => {
      const prior = betaPrior(0.6, 0.4);
      const got = await values(tf.tidy(() => prior.cdf(tf.tensor1d([0, 1, -0.5, 1.5, Number.NaN]))));
      assert.deepEqual(Array.from(got.slice(0, 4)), [0, 1, 0, 1]);
      assert.ok(Number.isNaN(got[4]!));
    });

    it('pdf is Infinity at an edge where the density diverges, 0 outside [0, 1], finite for a = 1', async () => {
      const got = await values(tf.tidy(() => betaPrior(0.6, 0.4).pdf(tf.tensor1d([0, 1, -0.1, 1.1]))));
      assert.deepEqual(Array.from(got), [Infinity, Infinity, 0, 0]);
      const flat = await values(tf.tidy(() => betaPrior(1, 1).pdf(tf.tensor1d([0, 0.3, 1]))));
      assert.deepEqual(Array.from(flat), [1, 1, 1]);
    });

    it('keeps a tensor shape and works on [N, C] inputs', () => {
      const y = tf.tidy(() => betaPrior().cdf(tf.fill([3, 4], 0.5)));
      assert.deepEqual(y.shape, [3, 4]);
      y.dispose();
    });
  });
}

describe('betaPrior (host side)', () => {
  it('has the table fields, the mean a / (a + b) and the stdlib reference', () => {
    const p = betaPrior(0.6, 0.4);
    assert.equal(p.name, 'Beta(0.6, 0.4)');
    assert.deepEqual(p.params, { a: 0.6, b: 0.4 });
    assert.ok(Math.abs(p.mean - 0.6) < 1e-15);
    const g = golden.priors['beta_0.6_0.4']!;
    g.x.forEach((x, i) => {
      assert.ok(Math.abs(p.cdfHost(x) - g.cdf[i]!) < 1e-12, `host cdf at ${x}`);
    });
  });

  it('defaults to Beta(0.6, 0.4)', () => {
    assert.equal(betaPrior().name, 'Beta(0.6, 0.4)');
  });

  it('rejects non-positive or non-finite parameters, naming the argument', () => {
    assert.throws(() => betaPrior(0, 1), /betaPrior: argument 'a' must be a finite number > 0; got 0/);
    assert.throws(() => betaPrior(1, -2), /betaPrior: argument 'b' must be a finite number > 0; got -2/);
    assert.throws(() => betaPrior(Number.NaN, 1), /betaPrior: argument 'a' .* got NaN/);
  });
});
