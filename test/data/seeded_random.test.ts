import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mixSeed, SeededRandom } from '../../src/data/seeded_random.js';

describe('SeededRandom', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const xa = Array.from({ length: 20 }, () => a.next());
    assert.deepEqual(
      xa,
      Array.from({ length: 20 }, () => b.next()),
    );
    assert.notDeepEqual(
      xa,
      Array.from({ length: 20 }, () => c.next()),
    );
  });

  it('int(10) is uniform (chi-square, 9 dof, p > 0.001) and next() lies in [0, 1)', () => {
    const r = new SeededRandom(1);
    const counts = new Array(10).fill(0);
    const n = 100000;
    for (let i = 0; i < n; i++) {
      const x = r.next();
      assert.ok(x >= 0 && x < 1);
      counts[Math.floor(x * 10)]++;
    }
    const chi2 = counts.reduce((s, o) => s + (o - n / 10) ** 2 / (n / 10), 0);
    assert.ok(chi2 < 27.88, `chi2 = ${chi2}`); // 0.999 quantile of chi2(9)
  });

  it('permutation is a permutation', () => {
    const p = new SeededRandom(9).permutation(1000);
    assert.deepEqual(
      [...p].sort((x, y) => x - y),
      Array.from({ length: 1000 }, (_, i) => i),
    );
  });

  it('mixSeed separates nearby tuples and large seeds', () => {
    const seen = new Set<number>();
    for (let a = 0; a < 20; a++) for (let b = 0; b < 20; b++) seen.add(mixSeed(a, b));
    assert.equal(seen.size, 400);
    assert.notEqual(mixSeed(2 ** 32), mixSeed(0));
    assert.notEqual(mixSeed(1, 2), mixSeed(2, 1));
  });

  it('rejects a non-finite seed', () => {
    assert.throws(() => new SeededRandom(Number.NaN), /seed/);
  });
});
