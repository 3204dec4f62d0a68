import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { sortColumns } from '../../src/ops/sort_columns.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { expectNoLeakAsync, nested, values } from '../helpers/read.js';

/** Deterministic pseudo-random values in [0, 1) (mulberry32). */
function rand(seed: number, n: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  });
}

function columns(values: number[], n: number, c: number): number[][] {
  return Array.from({ length: c }, (_, j) => Array.from({ length: n }, (_, i) => values[i * c + j]!));
}

for (const backend of TEST_BACKENDS) {
  describe(`sortColumns on ${backend}`, () => {
    before(() => useBackend(backend));

    it('sorts every column ascending, like Array.prototype.sort', async () => {
      for (const [n, c] of [
        [2, 1],
        [7, 3],
        [300, 5],
      ] as const) {
        const values = Array.from(new Float32Array(rand(n * 31 + c, n * c)));
        const got = await expectNoLeakAsync(() =>
          nested(tf.tidy(() => sortColumns(tf.tensor2d(values, [n, c])))),
        );
        const want = columns(values, n, c).map((col) => [...col].sort((p, q) => p - q));
        for (let j = 0; j < c; j++) {
          assert.deepEqual(
            got.map((row) => row[j]),
            want[j],
            `column ${j} of [${n}, ${c}]`,
          );
        }
      }
    });

    it('handles ties, negative values and an already sorted column', async () => {
      const got = await nested(
        tf.tidy(() =>
          sortColumns(
            tf.tensor2d([
              [0.5, -1, 1],
              [0.5, 2, 2],
              [0.25, -1, 3],
              [0.5, 0, 4],
            ]),
          ),
        ),
      );
      assert.deepEqual(got, [
        [0.25, -1, 1],
        [0.5, -1, 2],
        [0.5, 0, 3],
        [0.5, 2, 4],
      ]);
    });

    it('gradient routes each sorted position back to its source element', async () => {
      // d/dx sum_j w[j] * sorted[j] = w[rank of x]: exact, checked against the JS argsort.
      const n = 6;
      const x = [0.3, 0.9, 0.1, 0.5, 0.7, 0.2];
      const w = [1, 2, 3, 4, 5, 6];
      const g = await expectNoLeakAsync(() =>
        values(
          tf.tidy(() => {
            const f = (v: tf.Tensor) => tf.sum(tf.mul(sortColumns(v as tf.Tensor2D), tf.tensor2d(w, [n, 1])));
            return tf.grad(f)(tf.tensor2d(x, [n, 1]));
          }),
        ),
      );
      const order = x.map((_, i) => i).sort((p, q) => x[p]! - x[q]!);
      const want = new Array<number>(n);
      order.forEach((src, rank) => {
        want[src] = w[rank]!;
      });
      assert.deepEqual(Array.from(g), want);
    });

    it('gradient matches central finite differences of a nonlinear function of the sorted values', async () => {
      const n = 12;
      const c = 3;
      const x0 = rand(5, n * c);
      const weights = tf.tensor2d(rand(6, n * c), [n, c]);
      const f = (v: tf.Tensor) => tf.sum(tf.mul(tf.square(sortColumns(v as tf.Tensor2D)), weights));
      const grad = await values(tf.tidy(() => tf.grad(f)(tf.tensor2d(x0, [n, c]))));
      const h = 1e-3; // far below the smallest gap between values, so the order does not change
      for (let k = 0; k < n * c; k += 5) {
        const plus = [...x0];
        const minus = [...x0];
        plus[k]! += h;
        minus[k]! -= h;
        const [fPlus, fMinus] = await values(
          tf.tidy(() => tf.stack([f(tf.tensor2d(plus, [n, c])), f(tf.tensor2d(minus, [n, c]))])),
        );
        const fd = (fPlus! - fMinus!) / (2 * h);
        assert.ok(
          Math.abs(fd - grad[k]!) < 2e-3 * Math.max(1, Math.abs(fd)),
          `element ${k}: fd ${fd} vs ${grad[k]}`,
        );
      }
      weights.dispose();
    });

    it('rejects a tensor that is not rank 2, naming the function and the shape', () => {
      assert.throws(
        () => sortColumns(tf.zeros([4]) as unknown as tf.Tensor2D),
        /sortColumns: argument 'x' must be a rank-2 tensor \[N, C\]; got rank 1 with shape \[4\]/,
      );
    });
  });
}
