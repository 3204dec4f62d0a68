import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/backends.js';
import { expectNoWasmLeak, randomHost, wasmBackend } from './wasm_test_utils.js';

describe('wasm Identity (shared buffer)', () => {
  before(async () => {
    await useBackend('wasm');
  });

  it('returns the same values and outlives its input', () => {
    const x = tf.tensor(randomHost([4, 5], 1).values, [4, 5]);
    const want = Array.from(x.dataSync());
    const y = tf.clone(x);
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), want);
    y.dispose();
  });

  it('frees the buffer only when the last holder is disposed', () => {
    const backend = wasmBackend();
    const before = backend.numDataIds();
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.clone(x);
    assert.equal(backend.numDataIds(), before + 1, 'a clone shares its input buffer');
    x.dispose();
    assert.equal(backend.numDataIds(), before + 1);
    y.dispose();
    assert.equal(backend.numDataIds(), before);
  });

  it('passes gradients through unchanged (tf.grad of identity)', () => {
    const g = tf.tidy(() =>
      Array.from(
        tf
          .grad((x: tf.Tensor) => tf.sum(tf.mul(tf.clone(x), 3)))(tf.ones([3]))
          .dataSync(),
      ),
    );
    assert.deepEqual(g, [3, 3, 3]);
  });

  it('leaks no tensors and no wasm heap over repeated steps', async () => {
    const x = tf.tensor(randomHost([64, 64], 1).values, [64, 64]);
    await expectNoWasmLeak(
      () => {
        tf.clone(tf.clone(x));
      },
      'Identity',
      20,
    );
    x.dispose();
  });
});
