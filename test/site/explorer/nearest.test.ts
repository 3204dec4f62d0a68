// nearestCheapAndExpensive against a brute-force reading of its definition on random data, and quantile.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { nearestCheapAndExpensive, quantile } from '../../../site/explorer/nearest.js';

describe('quantile', () => {
  it('is the nearest-rank quantile', () => {
    assert.equal(quantile([5, 1, 4, 2, 3], 0.2), 1);
    assert.equal(quantile([5, 1, 4, 2, 3], 0.8), 4);
    assert.equal(quantile([5, 1, 4, 2, 3], 1), 5);
    assert.throws(() => quantile([], 0.5), /empty/);
  });
});

describe('nearestCheapAndExpensive', () => {
  it('returns the nearest images of the predicted class in the cheap and expensive tails', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 60 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (count, size, seed) => {
          let s = seed;
          const rand = () => {
            s = (s * 1103515245 + 12345) % 2 ** 31;
            return s / 2 ** 31;
          };
          const images = Uint8Array.from({ length: count * size }, () => Math.floor(rand() * 256));
          const predictions = Array.from({ length: count }, () => Math.floor(rand() * 3));
          const macs = Array.from({ length: count }, () => Math.floor(rand() * 20));
          const pixels = Uint8Array.from({ length: size }, () => Math.floor(rand() * 256));
          const exclude = Math.floor(rand() * count);
          const r = nearestCheapAndExpensive(
            { pixels, predicted: 1 },
            { images, size, predictions, macs },
            { k: 2, fraction: 0.25, exclude },
          );
          const sorted = [...macs].sort((a, b) => a - b);
          const lo = sorted[Math.max(0, Math.ceil(0.25 * count) - 1)]!;
          const hi = sorted[Math.max(0, Math.ceil(0.75 * count) - 1)]!;
          assert.equal(r.cheapBelow, lo);
          assert.equal(r.expensiveAbove, hi);
          const dist = (i: number) => {
            let d = 0;
            for (let p = 0; p < size; p++) d += (images[i * size + p]! - pixels[p]!) ** 2;
            return d;
          };
          const brute = (inTail: (m: number) => boolean) =>
            Array.from({ length: count }, (_, i) => i)
              .filter((i) => i !== exclude && predictions[i] === 1 && inTail(macs[i]!))
              .sort((a, b) => dist(a) - dist(b) || a - b)
              .slice(0, 2);
          assert.deepEqual(
            r.cheap,
            brute((m) => m <= lo),
          );
          assert.deepEqual(
            r.expensive,
            brute((m) => m > lo && m >= hi),
          );
        },
      ),
      { seed: 20, numRuns: 200 },
    );
  });

  it('refuses a query of another size and a fraction outside (0, 0.5]', () => {
    const test = { images: new Uint8Array(8), size: 4, predictions: [0, 0], macs: [1, 2] };
    assert.throws(
      () => nearestCheapAndExpensive({ pixels: new Uint8Array(3), predicted: 0 }, test),
      /3 pixels/,
    );
    assert.throws(
      () => nearestCheapAndExpensive({ pixels: new Uint8Array(4), predicted: 0 }, test, { fraction: 0.7 }),
      /fraction/,
    );
  });
});
