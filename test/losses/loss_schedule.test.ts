import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LOSS_SCHEDULE, lossSchedule, lossWeightsAt } from '../../src/losses/loss_schedule.js';

const close = (a: number, b: number) => Math.abs(a - b) < 1e-12;

describe('lossSchedule / lossWeightsAt', () => {
  it('defaults: gamma 0.75 annealed linearly to 0 over training, lambda off', () => {
    const s = lossSchedule();
    assert.deepEqual(s, { ...DEFAULT_LOSS_SCHEDULE });
    assert.deepEqual(lossWeightsAt(s, 0), { gamma: 0.75, lambda: 0 });
    assert.ok(close(lossWeightsAt(s, 0.5).gamma, 0.375));
    assert.equal(lossWeightsAt(s, 1).gamma, 0);
  });

  it('linear and cosine annealing inside a window; constant before it, 0 after it', () => {
    const lin = lossSchedule({ gammaAnnealStart: 0.2, gammaAnnealEnd: 0.6 });
    assert.equal(lossWeightsAt(lin, 0.1).gamma, 0.75);
    assert.ok(close(lossWeightsAt(lin, 0.3).gamma, 0.75 * 0.75));
    assert.equal(lossWeightsAt(lin, 0.7).gamma, 0);
    const cos = lossSchedule({ gamma: 1, gammaAnneal: 'cosine' });
    assert.ok(close(lossWeightsAt(cos, 0.5).gamma, 0.5));
    assert.ok(close(lossWeightsAt(cos, 0.25).gamma, 0.5 * (1 + Math.cos(Math.PI / 4))));
    assert.equal(lossWeightsAt(lossSchedule({ gammaAnneal: 'constant' }), 0.9).gamma, 0.75);
  });

  it('lambda switches on at the warm-up fraction', () => {
    const s = lossSchedule({ lambda: 0.1, lambdaWarmup: 0.3 });
    assert.equal(lossWeightsAt(s, 0.29).lambda, 0);
    assert.equal(lossWeightsAt(s, 0.3).lambda, 0.1);
    assert.equal(lossWeightsAt(s, 1).lambda, 0.1);
  });

  it('rejects bad fields and progress, naming them', () => {
    assert.throws(
      () => lossSchedule({ gamma: -1 }),
      /lossSchedule: field 'gamma' must be a finite number >= 0; got -1/,
    );
    assert.throws(
      () => lossSchedule({ lambdaWarmup: 1.5 }),
      /lossSchedule: field 'lambdaWarmup' must be a fraction of training in \[0, 1\]; got 1.5/,
    );
    assert.throws(
      () => lossSchedule({ gammaAnneal: 'step' as never }),
      /field 'gammaAnneal' must be one of linear, cosine, constant; got step/,
    );
    assert.throws(
      () => lossSchedule({ gammaAnnealStart: 0.5, gammaAnnealEnd: 0.4 }),
      /'gammaAnnealEnd' must be >= gammaAnnealStart/,
    );
    assert.throws(
      () => lossWeightsAt(lossSchedule(), 1.2),
      /lossWeightsAt: argument 'progress' must be a number in \[0, 1\]; got 1.2/,
    );
  });
});
