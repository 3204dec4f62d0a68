import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/backends.js';
import { expectCpuWasmMatch, expectNoWasmLeak, type HostTensor, randomHost } from './wasm_test_utils.js';

function ids(values: number[]): HostTensor {
  return { values: Int32Array.from(values), shape: [values.length], dtype: 'int32' };
}

describe('wasm UnsortedSegmentSum', () => {
  before(async () => {
    await useBackend('cpu');
    await useBackend('wasm');
  });

  it('matches cpu on a 1-D x', async () => {
    await expectCpuWasmMatch(
      [randomHost([7], 1), ids([0, 2, 2, 4, 0, 1, 2])],
      (x, s) => tf.unsortedSegmentSum(x, s as tf.Tensor1D, 5),
      'segment sum 1-D',
    );
  });

  it('matches cpu on rows of a 3-D x, with repeated and unused segments', async () => {
    await expectCpuWasmMatch(
      [randomHost([6, 4, 3], 2), ids([3, 3, 0, 5, 3, 0])],
      (x, s) => tf.unsortedSegmentSum(x, s as tf.Tensor1D, 7),
      'segment sum 3-D',
    );
  });

  it('drops ids outside [0, numSegments) and sums int32 exactly', async () => {
    await useBackend('wasm');
    const got = tf.tidy(() =>
      Array.from(
        tf
          .unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4], 'int32'), tf.tensor1d([1, -1, 1, 9], 'int32'), 3)
          .dataSync(),
      ),
    );
    assert.deepEqual(got, [0, 4, 0]);
  });

  for (const [axis, batchDims, shape, idx] of [
    [0, 0, [8, 5], [7, 0, 3, 3, 1]],
    [1, 0, [4, 6, 3], [5, 5, 2, 0]],
    [1, 1, [3, 6], [2, 2, 0, 5, 1, 1, 4, 3, 3]],
  ] as [number, number, number[], number[]][]) {
    it(`gives tf.gather a gradient matching cpu (axis ${axis}, batchDims ${batchDims})`, async () => {
      const indices: HostTensor =
        batchDims === 0
          ? ids(idx)
          : { values: Int32Array.from(idx), shape: [shape[0]!, idx.length / shape[0]!], dtype: 'int32' };
      const gatheredShape = tf.tidy(
        () =>
          tf.gather(tf.zeros(shape), tf.tensor(indices.values, indices.shape, 'int32'), axis, batchDims)
            .shape,
      );
      const weights = randomHost(gatheredShape, 9);
      await expectCpuWasmMatch(
        [randomHost(shape, 3), indices, weights],
        (x, i, w) => tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.gather(p, i!, axis, batchDims), w!)))(x!),
        `gather grad axis ${axis}`,
      );
    });
  }

  it('leaks no tensors and no wasm heap over repeated steps', async () => {
    await useBackend('wasm');
    const x = tf.tensor(randomHost([256, 64], 1).values, [256, 64]);
    const s = tf.tensor1d(
      Array.from({ length: 256 }, (_, i) => (i * 7) % 100),
      'int32',
    );
    await expectNoWasmLeak(
      () => {
        tf.unsortedSegmentSum(x, s, 100);
      },
      'UnsortedSegmentSum',
      20,
    );
    tf.dispose([x, s]);
  });
});
