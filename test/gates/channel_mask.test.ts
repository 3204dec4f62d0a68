import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { applyChannelMask } from '../../src/gates/channel_mask.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { maxRelErr, randomHost } from '../helpers/kernel_compare.js';
import { expectNoLeakAsync, values } from '../helpers/read.js';

/** The broadcast multiply through autodiff: what applyChannelMask replaces. */
function reference(x: tf.Tensor4D, mask: tf.Tensor2D): tf.Tensor4D {
  const [n, , , c] = x.shape;
  return tf.mul(x, tf.reshape(mask, [n, 1, 1, c]));
}

/** Value and gradients of sum(w * f(x, mask)) for a fixed random w. */
async function valueAndGrads(
  f: (x: tf.Tensor4D, m: tf.Tensor2D) => tf.Tensor4D,
  shape: [number, number, number, number],
  maskValues: Float32Array,
): Promise<Float32Array[]> {
  const [n, , , c] = shape;
  const out = tf.tidy(() => {
    const x = tf.tensor(randomHost(shape, 5).values, shape) as tf.Tensor4D;
    const w = tf.tensor(randomHost(shape, 6).values, shape);
    const m = tf.tensor2d(maskValues, [n, c]);
    const y = f(x, m);
    const grads = tf.grads((xx: tf.Tensor, mm: tf.Tensor) =>
      tf.sum(tf.mul(f(xx as tf.Tensor4D, mm as tf.Tensor2D), w)),
    )([x, m]);
    return [y, ...grads];
  });
  const read = await Promise.all(out.map(async (t) => (await values(t)) as Float32Array));
  tf.dispose(out);
  return read;
}

for (const backend of TEST_BACKENDS) {
  describe(`applyChannelMask on ${backend}`, () => {
    before(() => useBackend(backend));

    // Channel counts with and without a SIMD tail (C % 4), batch 1 and 8, maps 1x1 to 16x16.
    const shapes: [number, number, number, number][] = [
      [1, 5, 5, 16],
      [8, 4, 4, 7],
      [8, 16, 16, 32],
      [3, 1, 1, 64],
      [2, 3, 2, 1],
    ];
    for (const shape of shapes) {
      it(`forward and gradients match the broadcast multiply: [${shape}]`, async () => {
        const [n, , , c] = shape;
        // A hard 0/1 mask, as the gates give, and a soft one (the op is a plain product).
        const hard = Float32Array.from(randomHost([n, c], 9).values, (v) => (v > 0 ? 1 : 0));
        const soft = randomHost([n, c], 10).values as Float32Array;
        for (const mask of [hard, soft]) {
          const ours = await valueAndGrads(applyChannelMask, shape, mask);
          const ref = await valueAndGrads(reference, shape, mask);
          ['y', 'dx', 'dmask'].forEach((what, i) => {
            const err = maxRelErr(ref[i]!, ours[i]!);
            assert.ok(err <= 1e-5, `${what} [${shape}]: relative error ${err}`);
          });
        }
      });
    }

    it('rejects a mask of the wrong shape, naming the argument', () => {
      tf.tidy(() => {
        const x = tf.zeros([2, 3, 3, 4]) as tf.Tensor4D;
        assert.throws(
          () => applyChannelMask(x, tf.zeros([2, 5]) as tf.Tensor2D),
          /argument 'mask' must be \[2, 4\]/,
        );
        assert.throws(() => applyChannelMask(x, tf.zeros([3, 4]) as tf.Tensor2D), /argument 'mask'/);
        assert.throws(
          () => applyChannelMask(tf.zeros([2, 4]) as unknown as tf.Tensor4D, tf.zeros([2, 4]) as tf.Tensor2D),
          /argument 'x' must be \[N, H, W, C\]/,
        );
      });
    });

    it('leaks no tensors', async () => {
      await expectNoLeakAsync(async () => {
        await valueAndGrads(applyChannelMask, [4, 6, 6, 8], new Float32Array(32).fill(1));
      }, 'applyChannelMask');
    });
  });
}
