import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  isOurWasmKernel,
  registerWasmKernels,
  restoreStockWasmKernels,
} from '../../../src/backend/wasm/register_wasm_kernels.js';
import { useBackend } from '../../helpers/backends.js';
import { expectCpuWasmMatch, expectNoWasmLeak, randomHost, runOn } from './wasm_test_utils.js';

describe('wasm Square as a same-shape multiply', () => {
  before(async () => {
    await useBackend('cpu');
    await useBackend('wasm');
  });

  for (const shape of [[1, 9, 9, 16], [8, 9, 9, 16], [8, 4, 4, 64], [37], []]) {
    it(`matches cpu exactly: [${shape}]`, async () => {
      await expectCpuWasmMatch([randomHost(shape, 11)], (x) => tf.square(x!), `square ${shape}`, 0);
    });
  }

  it('gradients (batch-norm variance) match cpu', async () => {
    await expectCpuWasmMatch(
      [randomHost([8, 9, 9, 16], 3), randomHost([8, 9, 9, 16], 4)],
      (x, w) => tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.square(xx), w!)))(x!),
      'square grad',
    );
  });

  it('is bit-identical to the stock kernel on special values', async () => {
    await useBackend('wasm');
    assert.equal(isOurWasmKernel('Square'), true);
    const specials = {
      values: new Float32Array([0, -0, 2, -2, Infinity, -Infinity, Number.NaN, 1e-45, 3e38]),
      shape: [9],
    };
    const [ours] = await runOn('wasm', [specials], (x) => tf.square(x!));
    restoreStockWasmKernels();
    let stock: Float64Array[];
    try {
      stock = await runOn('wasm', [specials], (x) => tf.square(x!));
    } finally {
      registerWasmKernels();
    }
    assert.deepEqual(ours, stock[0]); // NaN, overflow to Infinity and underflow to 0 included
  });

  it('leaves int32 to the stock kernels', async () => {
    await useBackend('wasm');
    const v = tf.tidy(() => Array.from(tf.square(tf.tensor1d([-3, 4], 'int32')).dataSync()));
    assert.deepEqual(v, [9, 16]);
  });

  it('leaks no tensors and no wasm heap over repeated steps', async () => {
    await useBackend('wasm');
    const x = tf.tensor(randomHost([16, 16, 16, 32], 1).values, [16, 16, 16, 32]);
    await expectNoWasmLeak(
      () => {
        tf.square(x);
      },
      'Square',
      20,
    );
    x.dispose();
  });
});
