import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { Conv2d } from '../../src/layers/conv2d.js';
import type { LayerCost } from '../../src/layers/layer_cost.js';
import { ParamStore } from '../../src/layers/param_store.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { expectNoLeakAsync, tidyAsync } from '../helpers/read.js';

async function dot(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  return await tidyAsync(async () => (await tf.sum(tf.mul(a, b)).data())[0]!);
}

for (const backend of TEST_BACKENDS) {
  describe(`Conv2d on ${backend}`, () => {
    before(() => useBackend(backend));

    it('strided conv pads symmetrically like PyTorch (output size and values)', async () => {
      const store = new ParamStore(1);
      const conv = new Conv2d(store.scope('c'), 2, 3, { kernel: 3, stride: 2 });
      await tidyAsync(async () => {
        const x = tf.randomNormal([1, 6, 6, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
        const y = conv.apply(x);
        assert.deepEqual(y.shape, [1, 3, 3, 3]); // floor((6 + 2 - 3) / 2) + 1
        const ref = tf.conv2d(
          tf.pad(x, [
            [0, 0],
            [1, 1],
            [1, 1],
            [0, 0],
          ]),
          conv.weight as tf.Tensor4D,
          2,
          'valid',
        );
        assert.ok((await tf.max(tf.abs(tf.sub(y, ref))).data())[0]! < 1e-5);
      });
      store.dispose();
    });

    for (const [h, w, d] of [
      [8, 8, 2],
      [7, 9, 2],
      [6, 5, 4],
    ] as const) {
      it(`dilated conv (space-to-batch) equals tfjs's dilated conv2d, [${h}, ${w}] d=${d}, and its gradients are adjoint`, async () => {
        const store = new ParamStore(2);
        const conv = new Conv2d(store.scope('c'), 3, 4, { kernel: 3, dilation: d });
        await expectNoLeakAsync(
          async () =>
            await tidyAsync(async () => {
              const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
              const y = conv.apply(x);
              const ref = tf.conv2d(x, conv.weight as tf.Tensor4D, 1, 'same', 'NHWC', d);
              assert.deepEqual(y.shape, [2, h, w, 4]);
              assert.ok((await tf.max(tf.abs(tf.sub(y, ref))).data())[0]! < 1e-4);
              // The op is linear in x (and in w): the gradient of <dy, conv(x)> is the adjoint A^T dy, so
              // <A^T dy, v> must equal <dy, A v> for any v.
              const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 4) as tf.Tensor4D;
              const v = tf.randomNormal(x.shape, 0, 1, 'float32', 5) as tf.Tensor4D;
              const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(conv.apply(xx as tf.Tensor4D), dy)))(x);
              const lhs = await dot(gx, v);
              const rhs = await dot(dy, conv.apply(v));
              assert.ok(
                Math.abs(lhs - rhs) < 1e-3 * Math.max(1, Math.abs(rhs)),
                `x adjoint ${lhs} vs ${rhs}`,
              );
              const vw = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 6) as tf.Tensor4D; // the weight's shape
              // gradient wrt w of our op, through variableGrads
              const { grads, value } = tf.variableGrads(
                () => tf.sum(tf.mul(conv.apply(x), dy)) as tf.Scalar,
                [conv.weight],
              );
              value.dispose();
              const ours = grads[conv.weight.name]!;
              const lhsW = await dot(ours, vw);
              const rhsW = await dot(dy, tf.conv2d(x, vw, 1, 'same', 'NHWC', d));
              assert.ok(
                Math.abs(lhsW - rhsW) < 1e-3 * Math.max(1, Math.abs(rhsW)),
                `w adjoint ${lhsW} vs ${rhsW}`,
              );
            }),
        );
        store.dispose();
      });
    }

    it('describe() infers output shape and MACs without tensors', () => {
      const store = new ParamStore(0, false);
      const conv = new Conv2d(store.scope('layer1.0.conv1'), 64, 128, { kernel: 3, stride: 2 });
      const costs: LayerCost[] = [];
      assert.deepEqual(conv.describe([56, 56, 64], costs, { outGate: 'g' }), [28, 28, 128]);
      assert.equal(costs[0]!.macs, 28 * 28 * 9 * 64 * 128);
      assert.equal(costs[0]!.outGate, 'g');
      assert.throws(() => conv.describe([56, 56, 32], []), /expected 64 input channels/);
    });
  });
}
