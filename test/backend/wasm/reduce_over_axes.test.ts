import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { poolableReduction } from '../../../src/backend/wasm/reduce_over_axes.js';
import { useBackend } from '../../helpers/backends.js';
import { expectCpuWasmMatch, expectNoWasmLeak, randomHost } from './wasm_test_utils.js';

describe('wasm Sum/Mean over leading and middle axes', () => {
  before(async () => {
    await useBackend('cpu');
    await useBackend('wasm');
  });

  const cases: [number[], number | number[] | undefined, boolean][] = [
    [[8, 9, 9, 16], [0, 1, 2], false], // batch-norm statistics
    [[8, 9, 9, 16], [1, 2], false], // global average pool
    [[8, 9, 9, 16], [1, 2], true],
    [[8, 9, 9, 16], [2, 1], false], // unsorted axes
    [[8, 9, 9, 16], [-3, -2], false], // negative axes
    [[8, 9, 9, 16], 0, false],
    [[8, 9, 9, 16], [3], false], // innermost: stock kernel
    [[8, 9, 9, 16], [0, 2], false], // not contiguous: stock kernel
    [[8, 9, 9, 16], undefined, false], // all axes: stock kernel
    [[6, 1, 5], [1], false], // a unit axis: stock kernel
  ];
  for (const [shape, axis, keepDims] of cases) {
    for (const [name, op] of [
      ['sum', tf.sum],
      ['mean', tf.mean],
    ] as const) {
      it(`${name} matches cpu: [${shape}] over ${JSON.stringify(axis)}${keepDims ? ', keepDims' : ''}`, async () => {
        await expectCpuWasmMatch(
          [randomHost(shape, 4)],
          (x) => op(x!, axis, keepDims),
          `${name} ${shape} ${axis}`,
        );
      });
    }
  }

  it('recognises which reductions become an average pool', () => {
    assert.deepEqual(poolableReduction([8, 9, 9, 16], [0, 1, 2]), { outer: 1, reduced: 648, inner: 16 });
    assert.deepEqual(poolableReduction([8, 9, 9, 16], [1, 2]), { outer: 8, reduced: 81, inner: 16 });
    assert.equal(poolableReduction([8, 9, 9, 16], [3]), undefined);
    assert.equal(poolableReduction([8, 9, 9, 16], [0, 2]), undefined);
  });

  it('gradients of reductions (tile-based) match cpu', async () => {
    await expectCpuWasmMatch(
      [randomHost([8, 9, 9, 16], 1), randomHost([8, 16], 2)],
      (x, w) => tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.mean(xx, [1, 2]), w!)))(x!),
      'mean grad',
    );
  });

  it('leaks no tensors and no wasm heap over repeated steps', async () => {
    await useBackend('wasm');
    const x = tf.tensor(randomHost([16, 16, 16, 32], 1).values, [16, 16, 16, 32]);
    await expectNoWasmLeak(
      () => {
        tf.sum(x, [0, 1, 2]);
        tf.mean(x, [1, 2]);
      },
      'Sum/Mean',
      20,
    );
    x.dispose();
  });
});
