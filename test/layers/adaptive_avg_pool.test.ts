import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { adaptiveAvgPoolBins } from '../../src/layers/adaptive_avg_pool.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { expectNoLeakAsync, nested } from '../helpers/read.js';

/** PyTorch's adaptive_avg_pool2d by its definition (bin i spans [floor(i*h/b), ceil((i+1)*h/b))). */
function reference(x: number[][][], b: number): number[][] {
  const h = x.length;
  const w = x[0]!.length;
  const out: number[][] = [];
  for (let i = 0; i < b; i++) {
    const row: number[] = [];
    for (let j = 0; j < b; j++) {
      let s = 0;
      let k = 0;
      for (let y = Math.floor((i * h) / b); y < Math.ceil(((i + 1) * h) / b); y++) {
        for (let xx = Math.floor((j * w) / b); xx < Math.ceil(((j + 1) * w) / b); xx++) {
          s += x[y]![xx]![0]!;
          k++;
        }
      }
      row.push(s / k);
    }
    out.push(row);
  }
  return out;
}

for (const backend of TEST_BACKENDS) {
  describe(`adaptiveAvgPoolBins on ${backend}`, () => {
    before(() => useBackend(backend));

    it('matches PyTorch bin edges for bins that do and do not divide the map (5x7 and 8x8)', async () => {
      for (const [h, w] of [
        [5, 7],
        [8, 8],
      ] as const) {
        const data = Array.from({ length: h }, (_, y) =>
          Array.from({ length: w }, (_, x) => [Math.sin(3 * y + x)]),
        );
        const bins = [1, 2, 3, 6];
        const got = await expectNoLeakAsync(async () => {
          const outs = tf.tidy(() => {
            const flat = data.flat(2);
            const x = tf.tensor4d([...flat, ...flat.map((v) => 2 * v)], [2, h, w, 1]);
            return adaptiveAvgPoolBins(x as tf.Tensor4D, bins);
          });
          return Promise.all(outs.map((t) => nested<number[][][][]>(t)));
        });
        bins.forEach((b, k) => {
          const want = reference(data, b);
          assert.deepEqual(got[k]!.length, 2);
          for (let i = 0; i < b; i++) {
            for (let j = 0; j < b; j++) {
              assert.ok(Math.abs(got[k]![0]![i]![j]![0]! - want[i]![j]!) < 1e-5, `bin ${b} cell ${i},${j}`);
              assert.ok(Math.abs(got[k]![1]![i]![j]![0]! - 2 * want[i]![j]!) < 1e-5, 'second sample');
            }
          }
        });
      }
    });
  });
}
