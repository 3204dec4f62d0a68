import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  conv2dBackpropFilterConfig,
  conv2dBackpropFilterWithPath,
  type FilterGradPath,
} from '../../../src/backend/wasm/conv2d_backprop_filter.js';
import { useBackend } from '../../helpers/backends.js';
import { filterGrad, outSize, type Pad } from '../../helpers/conv_grad_cases.js';
import { expectCpuWasmMatch, expectNoWasmLeak, maxRelErr, randomHost } from './wasm_test_utils.js';

/** Runs `fn` with the wasm kernel's path forced (both are compared; the registered kernel picks per shape). */
async function withPath(path: FilterGradPath, fn: () => Promise<void>): Promise<void> {
  tf.unregisterKernel(tf.Conv2DBackpropFilter, 'wasm');
  tf.registerKernel({ ...conv2dBackpropFilterConfig, kernelFunc: conv2dBackpropFilterWithPath(path) });
  try {
    await fn();
  } finally {
    tf.unregisterKernel(tf.Conv2DBackpropFilter, 'wasm');
    tf.registerKernel(conv2dBackpropFilterConfig);
  }
}

/** dW through the wasm kernel of tfjs-level tensors (dilation is an attribute only our kernel accepts). */
function wasmFilterGrad(
  x: { values: Float32Array | Int32Array | Uint8Array; shape: number[] },
  dy: { values: Float32Array | Int32Array | Uint8Array; shape: number[] },
  attrs: Record<string, unknown>,
): Float32Array {
  return tf.tidy(
    () =>
      (
        tf
          .engine()
          .runKernel(
            tf.Conv2DBackpropFilter,
            { x: tf.tensor(x.values, x.shape), dy: tf.tensor(dy.values, dy.shape) },
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor
      ).dataSync() as Float32Array,
  );
}

/** Brute-force dW for a dilated conv (the cpu backend's kernel has no dilation): the definition, summed. */
function referenceDilatedFilterGrad(
  x: Float32Array,
  dy: Float32Array,
  [n, h, w, ci]: [number, number, number, number],
  [oh, ow, co]: [number, number, number],
  [fh, fw]: [number, number],
  dil: number,
  padTop: number,
  padLeft: number,
  stride = 1,
): Float64Array {
  const out = new Float64Array(fh * fw * ci * co);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++)
        for (let ky = 0; ky < fh; ky++)
          for (let kx = 0; kx < fw; kx++) {
            const iy = y * stride + ky * dil - padTop;
            const ix = xx * stride + kx * dil - padLeft;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            for (let c = 0; c < ci; c++)
              for (let o = 0; o < co; o++)
                out[((ky * fw + kx) * ci + c) * co + o]! +=
                  x[((b * h + iy) * w + ix) * ci + c]! * dy[((b * oh + y) * ow + xx) * co + o]!;
          }
  return out;
}

describe('wasm Conv2DBackpropFilter', () => {
  before(async () => {
    await useBackend('cpu');
    await useBackend('wasm');
  });

  for (const batch of [1, 8]) {
    for (const k of [1, 3, 7]) {
      for (const stride of [1, 2]) {
        for (const pad of ['same', 'valid', 2] as Pad[]) {
          it(`matches cpu: batch ${batch}, ${k}x${k}, stride ${stride}, pad ${pad}`, async () => {
            const size = k === 7 ? 11 : 9;
            const [ci, co] = [3, 5];
            const o = outSize(size, k, stride, pad);
            const x = randomHost([batch, size, size + 1, ci], 1 + k + stride);
            const w = randomHost([k, k, ci, co], 7 + k);
            const r = randomHost([batch, o, outSize(size + 1, k, stride, pad), co], 13 + stride);
            await expectCpuWasmMatch([x, w, r], filterGrad(stride, pad), `dW k${k} s${stride} ${pad}`);
          });
        }
      }
    }
  }

  for (const path of ['swapped', 'gemm', 'direct'] as FilterGradPath[]) {
    for (const batch of [1, 8]) {
      for (const k of [1, 3, 7]) {
        for (const stride of [1, 2]) {
          for (const pad of ['same', 'valid', 2] as Pad[]) {
            it(`${path} path matches cpu: batch ${batch}, ${k}x${k}, stride ${stride}, pad ${pad}`, async () => {
              const size = k === 7 ? 11 : 9;
              // The direct path (output channels a multiple of 8): 16-wide tiles (co 16, 32) and 8-wide ones (co 8,
              // 24), each with a lone last input channel group.
              const direct =
                stride === 1 ? (batch === 1 ? [5, 16] : [7, 8]) : batch === 1 ? [4, 32] : [6, 24];
              const [ci, co] = path === 'direct' ? direct : [6, 5];
              const o = outSize(size, k, stride, pad);
              const x = randomHost([batch, size, size + 1, ci!], 2 + k + stride);
              const w = randomHost([k, k, ci!, co!], 8 + k);
              const r = randomHost([batch, o, outSize(size + 1, k, stride, pad), co!], 14 + stride);
              await withPath(path, () =>
                expectCpuWasmMatch([x, w, r], filterGrad(stride, pad), `${path} dW k${k} s${stride} ${pad}`),
              );
            });
          }
        }
      }
    }

    for (const [k, stride, padding] of [
      [3, 1, 0],
      [3, 2, 2],
      [1, 1, 1],
      [7, 2, 3],
    ] as const) {
      it(`${path} path: dilation 2, ${k}x${k}, stride ${stride}, pad ${padding} against the definition`, async () => {
        await useBackend('wasm');
        const [n, h, w, ci, dil] = [2, 15, 14, 3, 2];
        const co = path === 'direct' ? 16 : 4; // the direct path's output channels: a multiple of 8
        const span = (k - 1) * dil + 1;
        const oh = Math.floor((h + 2 * padding - span) / stride) + 1;
        const ow = Math.floor((w + 2 * padding - span) / stride) + 1;
        const x = randomHost([n, h, w, ci], 5 + k);
        const dy = randomHost([n, oh, ow, co], 6 + stride);
        const pads = [
          [0, 0],
          [padding, padding],
          [padding, padding],
          [0, 0],
        ];
        let got = new Float32Array();
        await withPath(path, async () => {
          got = wasmFilterGrad(x, dy, {
            strides: stride,
            pad: pads,
            dataFormat: 'NHWC',
            filterShape: [k, k, ci, co],
            dilations: dil,
          });
        });
        const want = referenceDilatedFilterGrad(
          x.values as Float32Array,
          dy.values as Float32Array,
          [n, h, w, ci],
          [oh, ow, co],
          [k, k],
          dil,
          padding,
          padding,
          stride,
        );
        assert.ok(maxRelErr(want, got) <= 1e-5, `${path} dilated dW error ${maxRelErr(want, got)}`);
      });
    }
  }

  it('direct path: a clear error where it cannot run (output channels not a multiple of 8)', async () => {
    await useBackend('wasm');
    await withPath('direct', async () => {
      assert.throws(
        () =>
          wasmFilterGrad(randomHost([1, 5, 5, 3], 1), randomHost([1, 5, 5, 5], 2), {
            strides: 1,
            pad: 'same',
            dataFormat: 'NHWC',
            filterShape: [3, 3, 3, 5],
          }),
        /direct path needs float32 and output channels a multiple of 8.*dy \[1,5,5,5\]/,
      );
    });
  });

  it('matches cpu on the channel counts where the registered kernel switches paths', async () => {
    for (const [ci, co, stride] of [
      [16, 16, 1],
      [16, 128, 1],
      [32, 64, 2],
      [3, 20, 1],
      [8, 24, 2],
    ]) {
      const x = randomHost([2, 8, 8, ci!], ci! + co!);
      const w = randomHost([3, 3, ci!, co!], 3);
      const r = randomHost([2, 8 / stride!, 8 / stride!, co!], 4);
      await expectCpuWasmMatch([x, w, r], filterGrad(stride!, 'same'), `dW 3x3 ${ci}->${co} s${stride}`);
    }
  });

  it('handles dilation (attribute accepted by our kernel) against the definition', async () => {
    await useBackend('wasm');
    const [n, h, w, ci, co, k, dil] = [2, 9, 8, 3, 4, 3, 2];
    const oh = h - (k - 1) * dil;
    const ow = w - (k - 1) * dil;
    const x = randomHost([n, h, w, ci], 3);
    const dy = randomHost([n, oh, ow, co], 4);
    const got = tf.tidy(() =>
      (
        tf
          .engine()
          .runKernel(
            tf.Conv2DBackpropFilter,
            { x: tf.tensor(x.values, x.shape), dy: tf.tensor(dy.values, dy.shape) },
            { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [k, k, ci, co], dilations: dil },
          ) as tf.Tensor
      ).dataSync(),
    );
    const want = referenceDilatedFilterGrad(
      x.values as Float32Array,
      dy.values as Float32Array,
      [n, h, w, ci],
      [oh, ow, co],
      [k, k],
      dil,
      0,
      0,
    );
    assert.ok(maxRelErr(want, got) <= 1e-5, `dilated dW error ${maxRelErr(want, got)}`);
  });

  it('matches cpu with unequal strides [2, 1]', async () => {
    await expectCpuWasmMatch(
      [randomHost([8, 9, 10, 3], 1), randomHost([3, 3, 3, 5], 2), randomHost([8, 5, 10, 5], 3)],
      (x, w, r) =>
        tf.grad((ww: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, ww as tf.Tensor4D, [2, 1], 'same'), r)),
        )(w),
      'strides [2, 1]',
    );
  });

  it('rejects NCHW with a clear error', async () => {
    await useBackend('wasm');
    assert.throws(
      () =>
        tf.tidy(() =>
          tf
            .engine()
            .runKernel(
              tf.Conv2DBackpropFilter,
              { x: tf.zeros([1, 3, 5, 5]), dy: tf.zeros([1, 2, 5, 5]) },
              { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 3, 2] },
            ),
        ),
      /Conv2DBackpropFilter.*'dataFormat' must be 'NHWC'.*NCHW/,
    );
  });

  it('leaks no tensors and no wasm heap over repeated steps (3x3 and 1x1 paths)', async () => {
    await useBackend('wasm');
    const x = tf.tensor(randomHost([8, 16, 16, 16], 1).values, [8, 16, 16, 16]);
    const w3 = tf.tensor(randomHost([3, 3, 16, 16], 2).values, [3, 3, 16, 16]);
    const w1 = tf.tensor(randomHost([1, 1, 16, 32], 3).values, [1, 1, 16, 32]);
    const r3 = tf.onesLike(tf.conv2d(x as tf.Tensor4D, w3 as tf.Tensor4D, 2, 'same'));
    const r1 = tf.onesLike(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 2, 'same'));
    await expectNoWasmLeak(
      () => {
        filterGrad(2, 'same')(x, w3, r3);
        filterGrad(2, 'same')(x, w1, r1);
      },
      'Conv2DBackpropFilter',
      20,
    );
    tf.dispose([x, w3, w1, r3, r1]);
  });

  for (const path of ['swapped', 'gemm', 'direct'] as FilterGradPath[]) {
    it(`${path} path leaks no tensors and no wasm heap over repeated steps (stride 1 and 2, padded 1x1)`, async () => {
      await useBackend('wasm');
      const x = tf.tensor(randomHost([8, 16, 16, 16], 1).values, [8, 16, 16, 16]);
      const w3 = tf.tensor(randomHost([3, 3, 16, 32], 2).values, [3, 3, 16, 32]);
      const w1 = tf.tensor(randomHost([1, 1, 16, 16], 3).values, [1, 1, 16, 16]);
      const r1 = tf.onesLike(tf.conv2d(x as tf.Tensor4D, w3 as tf.Tensor4D, 1, 'same'));
      const r2 = tf.onesLike(tf.conv2d(x as tf.Tensor4D, w3 as tf.Tensor4D, 2, 'same'));
      const rp = tf.onesLike(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 1));
      await withPath(path, () =>
        expectNoWasmLeak(
          () => {
            filterGrad(1, 'same')(x, w3, r1);
            filterGrad(2, 'same')(x, w3, r2);
            filterGrad(1, 1)(x, w1, rp);
          },
          `Conv2DBackpropFilter ${path}`,
          20,
        ),
      );
      tf.dispose([x, w3, w1, r1, r2, rp]);
    });
  }
});
