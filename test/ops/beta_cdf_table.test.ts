import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import betaCdf from '@stdlib/stats-base-dists-beta-cdf';
import { betaCdfTable, logBetaFunction, TABLE_TOLERANCE } from '../../src/ops/beta_cdf_table.js';

// The table is certified when built; these tests re-check the certificate independently on a finer set of
// points, in float64, against @stdlib, for shapes from U-shaped to bell-shaped to very skewed.
const shapes = [
  [0.6, 0.4],
  [0.5, 0.5],
  [1, 1],
  [2, 5],
  [5, 0.2],
  [0.1, 3],
  [30, 20],
] as const;

function tableCdf(x: number, t: ReturnType<typeof betaCdfTable>): number {
  const upper = x > t.split;
  const tt = upper ? (1 - x) / (1 - t.split) : x / t.split;
  const u = tt * t.knots;
  const k = Math.min(t.knots - 1, Math.max(0, Math.floor(u)));
  const base = upper ? t.knots + 1 : 0;
  const g = t.values[base + k]! + (u - k) * t.slopes[base + k]!;
  const tail = Math.exp((upper ? t.b : t.a) * Math.log(tt) + g);
  return upper ? 1 - tail : tail;
}

describe('betaCdfTable', () => {
  for (const [a, b] of shapes) {
    it(`Beta(${a}, ${b}): interpolated CDF within 2e-7 of stdlib on 20001 points, log-spaced tails too`, () => {
      const t = betaCdfTable(a, b);
      assert.ok(t.maxError <= TABLE_TOLERANCE);
      const xs: number[] = [];
      for (let i = 1; i < 20000; i++) xs.push(i / 20000);
      for (let e = -14; e <= -1; e += 0.25) xs.push(10 ** e, 1 - 10 ** e);
      let worst = 0;
      for (const x of xs) worst = Math.max(worst, Math.abs(tableCdf(x, t) - betaCdf(x, a, b)));
      assert.ok(worst < 2e-7, `worst error ${worst} with ${t.knots} knots`);
    });
  }

  it('is cached per (a, b)', () => {
    assert.equal(betaCdfTable(0.6, 0.4), betaCdfTable(0.6, 0.4));
  });

  it('log B(a, b) from the density agrees with closed forms', () => {
    assert.ok(Math.abs(logBetaFunction(1, 1) - 0) < 1e-12);
    assert.ok(Math.abs(logBetaFunction(2, 3) - Math.log(1 / 12)) < 1e-12); // B(2,3) = 1!2!/4! = 1/12
    assert.ok(Math.abs(logBetaFunction(0.5, 0.5) - Math.log(Math.PI)) < 1e-12);
  });
});
