import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/backends.js';
import { inputGrad, outSize, type Pad } from '../../helpers/conv_grad_cases.js';
import { expectCpuWasmMatch, expectNoWasmLeak, maxRelErr, randomHost } from './wasm_test_utils.js';

describe('wasm Conv2DBackpropInput', () => {
  before(async () => {
    await useBackend('cpu');
    await useBackend('wasm');
  });

  for (const batch of [1, 8]) {
    for (const k of [1, 3, 7]) {
      for (const stride of [1, 2]) {
        for (const pad of ['same', 'valid', 2] as Pad[]) {
          it(`matches cpu: batch ${batch}, ${k}x${k}, stride ${stride}, pad ${pad}`, async () => {
            // odd height and even width: uneven strides leave unused rows/columns on one axis only
            const size = k === 7 ? 11 : 9;
            const [ci, co] = [3, 5];
            const x = randomHost([batch, size, size + 1, ci], 1 + k + stride);
            const w = randomHost([k, k, ci, co], 7 + k);
            const oh = outSize(size, k, stride, pad);
            const ow = outSize(size + 1, k, stride, pad);
            const r = randomHost([batch, oh, ow, co], 13 + stride);
            await expectCpuWasmMatch([x, w, r], inputGrad(stride, pad), `dx k${k} s${stride} ${pad}`);
          });
        }
      }
    }
  }

  it('matches cpu with unequal strides [2, 1]', async () => {
    await expectCpuWasmMatch(
      [randomHost([8, 9, 10, 3], 1), randomHost([3, 3, 3, 5], 2), randomHost([8, 5, 10, 5], 3)],
      (x, w, r) =>
        tf.grad((xx: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, w as tf.Tensor4D, [2, 1], 'same'), r)),
        )(x),
      'strides [2, 1]',
    );
  });

  it('a kernel smaller than the stride (2x2, stride 3): rows and columns no tap reaches are 0 on a reused heap', async () => {
    const dy = randomHost([2, 3, 3, 4], 5);
    const w = randomHost([2, 2, 3, 4], 6);
    const attrs = { strides: 3, pad: 'valid', dataFormat: 'NHWC', inputShape: [2, 9, 9, 3] };
    const run = async (backend: 'cpu' | 'wasm') => {
      await useBackend(backend);
      // A freed buffer of dx's size full of 7s, which dx's allocation may reuse.
      for (let i = 0; i < 3; i++) tf.fill([2, 9, 9, 3], 7).dispose();
      const dx = tf
        .engine()
        .runKernel(
          tf.Conv2DBackpropInput,
          { dy: tf.tensor(dy.values, dy.shape), filter: tf.tensor(w.values, w.shape) },
          attrs,
        ) as tf.Tensor;
      const values = await dx.data();
      dx.dispose();
      return values;
    };
    const [cpu, wasm] = [await run('cpu'), await run('wasm')];
    assert.ok(maxRelErr(cpu, wasm) <= 1e-5, `wasm differs from cpu by ${maxRelErr(cpu, wasm)}`);
    // dx row 3i + 2 and column 3j + 2 meet no tap of a 2x2 kernel: exactly 0.
    assert.ok(wasm.every((v, k) => (Math.floor(k / 27) % 9) % 3 !== 2 || v === 0));
  });

  it('rejects NCHW with a clear error', async () => {
    await useBackend('wasm');
    assert.throws(
      () =>
        tf.tidy(() =>
          tf
            .engine()
            .runKernel(
              tf.Conv2DBackpropInput,
              { dy: tf.zeros([1, 2, 5, 5]), filter: tf.zeros([3, 3, 3, 2]) },
              { strides: 1, pad: 'same', dataFormat: 'NCHW', inputShape: [1, 3, 5, 5] },
            ),
        ),
      /Conv2DBackpropInput.*'dataFormat' must be 'NHWC'.*NCHW/,
    );
  });

  it('leaks no tensors and no wasm heap over repeated steps (zero-insert, sub-pixel, 1x1 paths)', async () => {
    await useBackend('wasm');
    const x = tf.tensor(randomHost([8, 16, 16, 16], 1).values, [8, 16, 16, 16]);
    const w3 = tf.tensor(randomHost([3, 3, 16, 16], 2).values, [3, 3, 16, 16]);
    const w1 = tf.tensor(randomHost([1, 1, 16, 32], 3).values, [1, 1, 16, 32]);
    const r3 = tf.onesLike(tf.conv2d(x as tf.Tensor4D, w3 as tf.Tensor4D, 2, 'same'));
    const r1 = tf.onesLike(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 2, 'same'));
    const r32 = tf.onesLike(tf.conv2d(x as tf.Tensor4D, w3 as tf.Tensor4D, [2, 1], 'same'));
    await expectNoWasmLeak(
      () => {
        inputGrad(2, 'same')(x, w3, r3);
        inputGrad(2, 'same')(x, w1, r1);
        tf.grad((xx: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, w3 as tf.Tensor4D, [2, 1], 'same'), r32)),
        )(x);
      },
      'Conv2DBackpropInput',
      20,
    );
    tf.dispose([x, w3, w1, r3, r1, r32]);
  });
});
