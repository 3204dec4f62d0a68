// End to end: a small convnet (conv-BN-ReLU x2, global average pool, dense) trains on the wasm backend with
// our kernels (conv gradients, reductions, tile, matmul) and SGD, on one fixed random batch.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { isOurWasmKernel } from '../../../src/backend/wasm/register_wasm_kernels.js';
import { useBackend } from '../../helpers/backends.js';
import { randomHost, wasmBackend } from './wasm_test_utils.js';

function variable(shape: number[], seed: number, scale: number): tf.Variable {
  const h = randomHost(shape, seed);
  return tf.variable(
    tf.tensor(
      h.values.map((v) => v * scale),
      shape,
    ),
  );
}

describe('a conv-BN-ReLU network trains on wasm', () => {
  before(async () => {
    await useBackend('wasm');
  });

  it('SGD on a fixed random batch lowers the loss over 20 steps, leaking nothing', () => {
    assert.ok(isOurWasmKernel('Conv2DBackpropFilter'));
    const [n, size, classes] = [8, 12, 4];
    const w1 = variable([3, 3, 3, 8], 1, Math.sqrt(2 / 27));
    const w2 = variable([3, 3, 8, 16], 2, Math.sqrt(2 / 72));
    const g1 = tf.variable(tf.ones([8]));
    const b1 = tf.variable(tf.zeros([8]));
    const g2 = tf.variable(tf.ones([16]));
    const b2 = tf.variable(tf.zeros([16]));
    const wd = variable([16, classes], 3, Math.sqrt(1 / 16));
    const bd = tf.variable(tf.zeros([classes]));
    const x = tf.tensor4d(randomHost([n, size, size, 3], 4).values, [n, size, size, 3]);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), classes);

    const bnRelu = (h: tf.Tensor4D, g: tf.Variable, b: tf.Variable) => {
      const { mean, variance } = tf.moments(h, [0, 1, 2]); // [C], [C]
      return tf.relu(
        tf.batchNorm(h, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5),
      ) as tf.Tensor4D;
    };
    const loss = () => {
      const h1 = bnRelu(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'), g1, b1); // [N, 12, 12, 8]
      const h2 = bnRelu(tf.conv2d(h1, w2 as tf.Tensor4D, 2, 'same'), g2, b2); // [N, 6, 6, 16]
      const pooled = tf.mean(h2, [1, 2]); // [N, 16]
      const logits = tf.add(tf.matMul(pooled, wd), bd); // [N, classes]
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    };
    const optimizer = tf.train.sgd(0.2);
    const losses: number[] = [];
    const step = () => {
      const value = optimizer.minimize(loss, true)!;
      losses.push(value.dataSync()[0]!);
      value.dispose();
    };
    step();
    const tensors = tf.memory().numTensors;
    const dataIds = wasmBackend().numDataIds();
    for (let i = 1; i < 20; i++) step();
    assert.equal(tf.memory().numTensors, tensors, 'engine tensors grew during training');
    assert.equal(wasmBackend().numDataIds(), dataIds, 'wasm tensor table grew during training');
    const first = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
    const last = losses.slice(-3).reduce((a, b) => a + b) / 3;
    assert.ok(losses.every(Number.isFinite), `non-finite loss: ${losses}`);
    const trace = losses.map((l) => l.toFixed(3)).join(' ');
    const falls = losses.slice(1).filter((l, i) => l < losses[i]!).length;
    assert.ok(falls >= 17, `loss fell on only ${falls} of 19 steps: ${trace}`);
    assert.ok(last < 0.75 * first, `loss did not fall enough: ${trace}`);
    optimizer.dispose();
    tf.dispose([w1, w2, g1, b1, g2, b2, wd, bd, x, labels]);
  });
});
