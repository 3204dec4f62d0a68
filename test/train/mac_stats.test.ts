import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MacAccumulator } from '../../src/train/mac_stats.js';

describe('MacAccumulator', () => {
  it('summarises per-sample MACs as fractions of the dense network', () => {
    const acc = new MacAccumulator(1000, 10);
    acc.add([510, 610, 1010]);
    acc.add([310]);
    const s = acc.summary();
    assert.equal(s.samples, 4);
    assert.ok(Math.abs(s.meanFraction - (0.51 + 0.61 + 1.01 + 0.31) / 4) < 1e-12);
    assert.ok(Math.abs(s.meanMacs - 610) < 1e-9);
    assert.equal(s.min, 0.31);
    assert.equal(s.max, 1.01);
    assert.equal(s.quantiles.p50, 0.61); // round(0.5 * 3) = 2nd index of [0.31, 0.51, 0.61, 1.01]
    assert.equal(
      s.histogram.counts.reduce((a, b) => a + b, 0),
      4,
    );
    assert.equal(s.histogram.counts[6], 1); // 0.31 in [0.30, 0.35)
    assert.equal(s.histogram.counts[20], 1); // 1.01 in [1.00, 1.05)
  });
});
