import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/backends.js';
import { expectCpuWasmMatch, expectNoWasmLeak, randomHost } from './wasm_test_utils.js';

describe('wasm BatchMatMul', () => {
  before(async () => {
    await useBackend('cpu');
    await useBackend('wasm');
  });

  const cases: [string, number[], number[], boolean, boolean][] = [
    ['2-D', [12, 20], [20, 9], false, false],
    ['2-D transposeA', [20, 12], [20, 9], true, false],
    ['2-D transposeB', [12, 20], [9, 20], false, true],
    ['2-D both transposed', [20, 12], [9, 20], true, true],
    ['batch 8, shared right operand', [8, 12, 20], [20, 9], false, false],
    ['batch 8 x [1, K, N], transposeA', [8, 20, 12], [1, 20, 9], true, false],
    ['rank 4 x shared right operand, transposeB', [2, 3, 12, 20], [9, 20], false, true],
    ['batch 8 pairs (pair by pair)', [8, 32, 40], [8, 40, 24], false, false],
    ['batch 8 pairs, both transposed', [8, 40, 32], [8, 24, 40], true, true],
    ['batch 8, shared left operand', [1, 32, 40], [8, 40, 24], false, false],
    ['batch 8 tiny pairs (stock kernel)', [8, 3, 4], [8, 4, 2], false, false],
  ];
  for (const [what, aShape, bShape, ta, tb] of cases) {
    it(`matches cpu: ${what}`, async () => {
      await expectCpuWasmMatch(
        [randomHost(aShape, 1), randomHost(bShape, 2)],
        (a, b) => tf.matMul(a!, b!, ta, tb),
        what,
      );
    });
  }

  it('dense-layer gradients (transposed products) match cpu', async () => {
    await expectCpuWasmMatch(
      [randomHost([16, 64], 3), randomHost([64, 10], 4), randomHost([16, 10], 5)],
      (x, w, r) => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.matMul(a, b), r!)))([x!, w!]),
      'dense grads',
    );
  });

  it('leaks no tensors and no wasm heap over repeated steps', async () => {
    await useBackend('wasm');
    const a = tf.tensor(randomHost([8, 64, 48], 1).values, [8, 64, 48]);
    const b = tf.tensor(randomHost([8, 32, 48], 2).values, [8, 32, 48]);
    await expectNoWasmLeak(
      () => {
        tf.matMul(a, b, false, true);
        tf.matMul(a, tf.reshape(tf.slice(b, [0, 0, 0], [1, 32, 48]), [32, 48]), false, true);
      },
      'BatchMatMul',
      20,
    );
    tf.dispose([a, b]);
  });
});
