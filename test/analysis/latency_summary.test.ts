// latencySummary on hand-made points: medians, ratios and Spearman's rho worked out by hand; bad input refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencySummary } from '../../src/analysis/latency_summary.js';

test('medians, speedup, MAC reduction, efficiency and rho by hand', () => {
  // ms sorted 30, 50, 70, 90 -> median 60; masked 100, 110, 120, 130 -> 115; MACs median (2 + 3) / 2 = 2.5.
  const s = latencySummary(
    [
      { macs: 1, ms: 30, maskedMs: 110 },
      { macs: 2, ms: 70, maskedMs: 100 },
      { macs: 3, ms: 50, maskedMs: 130 },
      { macs: 4, ms: 90, maskedMs: 120 },
    ],
    10,
  );
  assert.equal(s.samples, 4);
  assert.equal(s.medianMs, 60);
  assert.equal(s.medianMaskedMs, 115);
  assert.ok(Math.abs(s.speedup - 115 / 60) < 1e-12);
  assert.equal(s.macReduction, 4);
  assert.ok(Math.abs(s.efficiency - 115 / 240) < 1e-12);
  // Ranks of ms: 1, 3, 2, 4 against 1, 2, 3, 4: d^2 = 0 + 1 + 1 + 0 = 2, rho = 1 - 6 * 2 / (4 * 15) = 0.8.
  assert.ok(Math.abs(s.rho - 0.8) < 1e-12);
});

test('one sample: rho is NaN, the ratios still hold', () => {
  const s = latencySummary([{ macs: 5, ms: 2, maskedMs: 4 }], 10);
  assert.ok(Number.isNaN(s.rho));
  assert.equal(s.speedup, 2);
  assert.equal(s.efficiency, 1);
});

test('no points or a non-positive dense MAC count are refused', () => {
  assert.throws(() => latencySummary([], 10), /latencySummary: argument 'points' is empty/);
  assert.throws(
    () => latencySummary([{ macs: 1, ms: 1, maskedMs: 1 }], 0),
    /latencySummary: argument 'denseMacs' must be > 0; got 0/,
  );
});
