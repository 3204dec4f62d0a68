import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LOSS_SCHEDULE, lossSchedule, lossWeightsAt } from '../../src/losses/loss_schedule.js';

const close = (a: number, b: number) => Math.abs(a - b) < 1e-12;

describe('lossSchedule / lossWeightsAt', () => {
  it('defaults: gamma 0.75 annealed linearly to 0 by 20% of training, lambda off', () => {
    const s = lossSchedule();
    assert.deepEqual(s, { ...DEFAULT_LOSS_SCHEDULE });
    assert.deepEqual(lossWeightsAt(s, 0), { gamma: 0.75, lambda: 0 });
    assert.ok(close(lossWeightsAt(s, 0.1).gamma, 0.375));
    assert.equal(lossWeightsAt(s, 0.2).gamma, 0);
    assert.equal(lossWeightsAt(s, 1).gamma, 0);
  });

  it('gamma rises linearly from 0 over an optional warm-up, then anneals', () => {
    const s = lossSchedule({ gamma: 1, gammaWarmup: 0.1, gammaAnnealStart: 0.2, gammaAnnealEnd: 0.4 });
    assert.equal(lossWeightsAt(s, 0).gamma, 0);
    assert.ok(close(lossWeightsAt(s, 0.05).gamma, 0.5));
    assert.equal(lossWeightsAt(s, 0.1).gamma, 1);
    assert.equal(lossWeightsAt(s, 0.2).gamma, 1);
    assert.ok(close(lossWeightsAt(s, 0.3).gamma, 0.5));
    assert.equal(lossWeightsAt(s, 0.4).gamma, 0);
  });

  it('linear and cosine annealing inside a window; constant before it, 0 after it', () => {
    const lin = lossSchedule({ gammaAnnealStart: 0.2, gammaAnnealEnd: 0.6 });
    assert.equal(lossWeightsAt(lin, 0.1).gamma, 0.75);
    assert.ok(close(lossWeightsAt(lin, 0.3).gamma, 0.75 * 0.75));
    assert.equal(lossWeightsAt(lin, 0.7).gamma, 0);
    const cos = lossSchedule({ gamma: 1, gammaAnneal: 'cosine', gammaAnnealEnd: 1 });
    assert.ok(close(lossWeightsAt(cos, 0.5).gamma, 0.5));
    assert.ok(close(lossWeightsAt(cos, 0.25).gamma, 0.5 * (1 + Math.cos(Math.PI / 4))));
    assert.equal(lossWeightsAt(lossSchedule({ gammaAnneal: 'constant' }), 0.9).gamma, 0.75);
  });

  it('lambda ramps linearly between two fractions (default 20% to 60%), or steps when they are equal', () => {
    const s = lossSchedule({ lambda: 0.1 });
    assert.equal(lossWeightsAt(s, 0.19).lambda, 0);
    assert.equal(lossWeightsAt(s, 0.2).lambda, 0);
    assert.ok(close(lossWeightsAt(s, 0.4).lambda, 0.05));
    assert.ok(close(lossWeightsAt(s, 0.5).lambda, 0.075));
    assert.equal(lossWeightsAt(s, 0.6).lambda, 0.1);
    assert.equal(lossWeightsAt(s, 1).lambda, 0.1);
    const step = lossSchedule({ lambda: 0.1, lambdaRampStart: 0.3, lambdaRampEnd: 0.3 });
    assert.equal(lossWeightsAt(step, 0.29).lambda, 0);
    assert.equal(lossWeightsAt(step, 0.3).lambda, 0.1);
  });

  it('rejects bad fields and progress, naming them', () => {
    assert.throws(
      () => lossSchedule({ gamma: -1 }),
      /lossSchedule: field 'gamma' must be a finite number >= 0; got -1/,
    );
    assert.throws(
      () => lossSchedule({ lambdaRampEnd: 1.5 }),
      /lossSchedule: field 'lambdaRampEnd' must be a fraction of training in \[0, 1\]; got 1.5/,
    );
    assert.throws(
      () => lossSchedule({ lambdaRampStart: 0.7, lambdaRampEnd: 0.6 }),
      /lossSchedule: field 'lambdaRampEnd' must be >= lambdaRampStart \(0.7\); got 0.6/,
    );
    assert.throws(
      () => lossSchedule({ lambdaWarmup: 0.2 } as never),
      /lossSchedule: unknown field 'lambdaWarmup' \(known: gamma, gammaWarmup/,
    );
    assert.throws(
      () => lossSchedule({ gammaAnneal: 'step' as never }),
      /field 'gammaAnneal' must be one of linear, cosine, constant; got "step"/,
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
