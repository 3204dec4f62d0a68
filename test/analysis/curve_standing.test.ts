import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { standingAgainstCurve } from '../../src/analysis/accuracy_macs_tradeoff.js';

describe('standingAgainstCurve', () => {
  const dense = [
    { name: 'w0.5', accuracy: 0.9, macs: 8e6 },
    { name: 'w0.3', accuracy: 0.86, macs: 3e6 },
    { name: 'w0.4', accuracy: 0.88, macs: 5e6 },
  ];
  it('interpolates the curve linearly in MACs between the neighbouring baselines', () => {
    const s = standingAgainstCurve({ name: 'gated', accuracy: 0.895, macs: 6.5e6 }, dense);
    assert.equal(s.position, 'inside');
    assert.ok(Math.abs(s.curveAccuracy! - 0.89) < 1e-12);
    assert.ok(Math.abs(s.margin! - 0.005) < 1e-12);
    const atPoint = standingAgainstCurve({ name: 'g', accuracy: 0.87, macs: 3e6 }, dense);
    assert.ok(Math.abs(atPoint.margin! - 0.01) < 1e-12);
  });
  it('says below / above outside the curve and refuses fewer than two baselines', () => {
    assert.deepEqual(standingAgainstCurve({ name: 'g', accuracy: 0.8, macs: 1e6 }, dense), {
      position: 'below',
    });
    assert.deepEqual(standingAgainstCurve({ name: 'g', accuracy: 0.8, macs: 9e6 }, dense), {
      position: 'above',
    });
    assert.throws(
      () => standingAgainstCurve({ name: 'g', accuracy: 0.8, macs: 1e6 }, dense.slice(0, 1)),
      /standingAgainstCurve: argument 'baselines' must hold >= 2 points; got 1/,
    );
  });
});
