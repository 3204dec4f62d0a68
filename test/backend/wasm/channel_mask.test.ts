import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { channelMaskGradJs, channelMaskJs } from '../../../src/backend/wasm/channel_mask.js';
import {
  channelMaskKernels,
  channelMaskKernelsUnavailable,
} from '../../../src/backend/wasm/simd/channel_mask.js';
import { disposeInfo } from '../../../src/backend/wasm/wasm_kernel_utils.js';
import {
  applyChannelMask,
  CHANNEL_MASK_GRAD_KERNEL,
  CHANNEL_MASK_KERNEL,
} from '../../../src/gates/channel_mask.js';
import { useBackend } from '../../helpers/backends.js';
import {
  expectCpuWasmMatch,
  expectNoWasmLeak,
  maxRelErr,
  randomHost,
  wasmBackend,
} from './wasm_test_utils.js';

describe('wasm channel mask kernels (simd/channel_mask.wat)', () => {
  before(async () => {
    await useBackend('cpu');
    await useBackend('wasm');
  });

  it('are registered for wasm only and our SIMD module loads', async () => {
    await useBackend('wasm');
    assert.notEqual(tf.getKernel(CHANNEL_MASK_KERNEL, 'wasm'), undefined);
    assert.notEqual(tf.getKernel(CHANNEL_MASK_GRAD_KERNEL, 'wasm'), undefined);
    assert.equal(tf.getKernel(CHANNEL_MASK_KERNEL, 'cpu'), undefined); // cpu takes the tf-op path
    assert.notEqual(channelMaskKernels(wasmBackend()), undefined, channelMaskKernelsUnavailable());
  });

  // The gated blocks' maps ([32, 32, 32, 16] ... [N, 8, 8, 64]), batch 1 and 8, C with a scalar tail.
  const shapes = [
    [1, 32, 32, 16],
    [8, 16, 16, 32],
    [8, 8, 8, 64],
    [8, 7, 7, 10],
    [1, 1, 1, 3],
  ];
  for (const shape of shapes) {
    const [n, , , c] = shape as [number, number, number, number];
    it(`forward and both gradients match cpu: [${shape}]`, async () => {
      const mask = {
        values: Float32Array.from(randomHost([n, c], 3).values, (v) => (v > -0.3 ? 1 : 0)),
        shape: [n, c],
      };
      await expectCpuWasmMatch(
        [randomHost(shape, 1), mask, randomHost(shape, 2)],
        (x, m, w) => {
          const f = (xx: tf.Tensor, mm: tf.Tensor) =>
            tf.sum(tf.mul(applyChannelMask(xx as tf.Tensor4D, mm as tf.Tensor2D), w!));
          return [applyChannelMask(x as tf.Tensor4D, m as tf.Tensor2D), ...tf.grads(f)([x!, m!])];
        },
        `channel mask [${shape}]`,
      );
    });
  }

  it('runs the kernels directly: the gradient kernel returns [dx, dmask]', async () => {
    await expectCpuWasmMatch(
      [randomHost([2, 3, 3, 5], 7), randomHost([2, 5], 8), randomHost([2, 3, 3, 5], 9)],
      (x, m, dy) => {
        if (tf.getBackend() === 'cpu') {
          return [tf.mul(dy!, tf.reshape(m!, [2, 1, 1, 5])), tf.sum(tf.mul(dy!, x!), [1, 2])];
        }
        return tf.engine().runKernel(CHANNEL_MASK_GRAD_KERNEL, { dy: dy!, x: x!, mask: m! }) as tf.Tensor[];
      },
      'channel mask grad kernel',
    );
  });

  it('the JavaScript fallback (no SIMD module) computes the same as the SIMD kernels', async () => {
    await useBackend('wasm');
    const backend = wasmBackend();
    const shape = [3, 5, 4, 7];
    const [x, dy] = [1, 2].map((seed) => tf.tensor(randomHost(shape, seed).values, shape));
    const m = tf.tensor(randomHost([3, 7], 3).values, [3, 7]);
    const [simdY, simdGrads] = [
      tf.engine().runKernel(CHANNEL_MASK_KERNEL, { x: x!, mask: m }) as tf.Tensor,
      tf.engine().runKernel(CHANNEL_MASK_GRAD_KERNEL, { dy: dy!, x: x!, mask: m }) as tf.Tensor[],
    ];
    const outs = [shape, shape, [3, 7]].map((s) => backend.makeOutput(s, 'float32'));
    channelMaskJs(backend, x!, m, outs[0]!);
    channelMaskGradJs(backend, dy!, x!, m, outs[1]!, outs[2]!);
    const js = outs.map((o) => Float32Array.from(backend.readSync(o.dataId) as Float32Array));
    const simd = await Promise.all([simdY, ...simdGrads].map(async (t) => Float32Array.from(await t.data())));
    assert.deepEqual(js[0], simd[0]); // one product per element: bit-identical
    assert.deepEqual(js[1], simd[1]);
    assert.ok(maxRelErr(simd[2]!, js[2]!) <= 1e-6, 'dmask'); // the sum rounds once per term in SIMD
    for (const o of outs) disposeInfo(backend, o);
    tf.dispose([x!, dy!, m, simdY, ...simdGrads]);
  });

  it('leaks no tensors and no wasm heap over repeated steps', async () => {
    await useBackend('wasm');
    const x = tf.tensor(randomHost([8, 16, 16, 32], 1).values, [8, 16, 16, 32]) as tf.Tensor4D;
    const m = tf.tensor(randomHost([8, 32], 2).values, [8, 32]) as tf.Tensor2D;
    await expectNoWasmLeak(() => {
      tf.grads((xx: tf.Tensor, mm: tf.Tensor) =>
        tf.sum(applyChannelMask(xx as tf.Tensor4D, mm as tf.Tensor2D)),
      )([x, m]);
    }, 'channel mask');
    tf.dispose([x, m]);
  });
});
