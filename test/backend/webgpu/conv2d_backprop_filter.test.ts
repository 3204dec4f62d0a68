// Our webgpu Conv2DBackpropFilter (implicit GEMM, split-K) against the cpu backend on the wasm kernel's shape
// grid, plus shapes that reach the 64-wide tiles and many splits, dilation against the definition, the A/B switch
// to the stock kernel, errors and leaks. Skips (saying why) where no WebGPU adapter was prepared.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { chooseSplitK } from '../../../src/backend/webgpu/conv2d_backprop_filter.js';
import { filterGrad, outSize, type Pad } from '../../helpers/conv_grad_cases.js';
import {
  compiledShaderKeys,
  expectCpuWebgpuMatch,
  expectNoWebgpuLeak,
  maxRelErr,
  randomHost,
  runOn,
  setUpWebgpu,
  useKernel,
  WEBGPU_SKIP,
} from './webgpu_test_utils.js';

describe('chooseSplitK', () => {
  it('splits long reductions over few tiles, never below 8 tiles of K per split, and covers K', () => {
    const a = chooseSplitK(3, 131072, 16); // 3x3 16->16 at batch 128, 32x32: 3 output tiles, a long K
    assert.ok(a.splits > 1 && a.splits <= 256, `splits ${a.splits}`);
    assert.ok(a.kChunk >= 8 * 16, `kChunk ${a.kChunk}`);
    assert.ok(a.splits * a.kChunk >= 131072 && (a.splits - 1) * a.kChunk < 131072);
    assert.equal(a.kChunk % 16, 0);
    assert.equal(chooseSplitK(1200, 100000, 16).splits, 1); // enough tiles already
    assert.equal(chooseSplitK(1, 200, 16).splits, 1); // too short to split
  });
});

describe('webgpu Conv2DBackpropFilter (ours)', { skip: WEBGPU_SKIP }, () => {
  let worst = 0;
  before(setUpWebgpu);
  after(() =>
    console.log(
      `# webgpu Conv2DBackpropFilter: max relative error vs cpu over the grid ${worst.toExponential(2)}`,
    ),
  );

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
            const err = await expectCpuWebgpuMatch(
              [x, w, r],
              filterGrad(stride, pad),
              `dW k${k} s${stride} ${pad}`,
            );
            worst = Math.max(worst, err);
          });
        }
      }
    }
  }

  for (const [what, xShape, k, co, stride] of [
    ['64->64 3x3 (64x64 tiles, split-K)', [8, 16, 16, 64], 3, 64, 1],
    ['16->32 3x3 stride 2 (ResNet-20 downsampling)', [8, 32, 32, 16], 3, 32, 2],
    ['3->64 7x7 stride 2 (ImageNet stem, long K)', [2, 40, 40, 3], 7, 64, 2],
    ['32->64 1x1 stride 2 (projection shortcut)', [4, 16, 16, 32], 1, 64, 2],
    ['4->16 1x1 over 16x64x64 (one tile, 256 splits)', [16, 64, 64, 4], 1, 16, 1],
  ] as [string, number[], number, number, number][]) {
    it(`matches cpu: ${what}`, async () => {
      const ci = xShape[3]!;
      const o = outSize(xShape[1]!, k, stride, 'same');
      const x = randomHost(xShape, 21);
      const w = randomHost([k, k, ci, co], 22);
      const r = randomHost([xShape[0]!, o, outSize(xShape[2]!, k, stride, 'same'), co], 23);
      const err = await expectCpuWebgpuMatch([x, w, r], filterGrad(stride, 'same'), what);
      worst = Math.max(worst, err);
    });
  }

  it('matches cpu with unequal strides [2, 1]', async () => {
    const err = await expectCpuWebgpuMatch(
      [randomHost([8, 9, 10, 3], 1), randomHost([3, 3, 3, 5], 2), randomHost([8, 5, 10, 5], 3)],
      filterGrad([2, 1], 'same'),
      'strides [2, 1]',
    );
    worst = Math.max(worst, err);
  });

  it('ran our program (its shader is compiled), not the stock one', () => {
    assert.ok(
      compiledShaderKeys().some((k) => k.startsWith('batchShapingConv2DBackpropFilterGemm')),
      `no batch-shaping filter-gradient shader among ${compiledShaderKeys().length} compiled`,
    );
  });

  it('handles dilation (attribute accepted by our kernel) against the definition', async () => {
    const [n, h, w, ci, co, k, dil] = [2, 9, 8, 3, 4, 3, 2];
    const oh = h - (k - 1) * dil;
    const ow = w - (k - 1) * dil;
    const x = randomHost([n, h, w, ci], 3);
    const dy = randomHost([n, oh, ow, co], 4);
    const [got] = await runOn(
      'webgpu',
      [x, dy],
      (xt, dyt) =>
        tf
          .engine()
          .runKernel(
            tf.Conv2DBackpropFilter,
            { x: xt!, dy: dyt! },
            { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [k, k, ci, co], dilations: dil },
          ) as tf.Tensor,
    );
    const want = new Float64Array(k * k * ci * co);
    for (let b = 0; b < n; b++)
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++)
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++)
              for (let c = 0; c < ci; c++)
                for (let o = 0; o < co; o++)
                  want[((ky * k + kx) * ci + c) * co + o]! +=
                    x.values[((b * h + y + ky * dil) * w + xx + kx * dil) * ci + c]! *
                    dy.values[((b * oh + y) * ow + xx) * co + o]!;
    const err = maxRelErr(want, got!);
    assert.ok(err <= 1e-5, `dilated dW error ${err}`);
  });

  it('A/B: the stock kernel can be put back and gives the same values; ours again after', async () => {
    const inputs = [randomHost([2, 8, 8, 4], 5), randomHost([3, 3, 4, 6], 6), randomHost([2, 4, 4, 6], 7)];
    const fn = filterGrad(2, 'same');
    const [ours] = await runOn('webgpu', inputs, fn);
    useKernel(tf.Conv2DBackpropFilter, 'stock');
    try {
      const [stock] = await runOn('webgpu', inputs, fn);
      assert.ok(maxRelErr(stock!, ours!) <= 1e-5, 'stock and ours disagree');
    } finally {
      useKernel(tf.Conv2DBackpropFilter, 'ours');
    }
  });

  it('rejects NCHW with a clear error', async () => {
    await tf.setBackend('webgpu');
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
      /Conv2DBackpropFilter \(webgpu.*'dataFormat' must be 'NHWC'.*NCHW/,
    );
  });

  it('leaks no tensors and no backend data (single pass and split-K)', async () => {
    await tf.setBackend('webgpu');
    const x = tf.tensor(randomHost([8, 16, 16, 16], 1).values, [8, 16, 16, 16]);
    const dy1 = tf.tensor(randomHost([1, 4, 4, 64], 2).values, [1, 4, 4, 64]);
    const x1 = tf.tensor(randomHost([1, 4, 4, 64], 4).values, [1, 4, 4, 64]);
    const dy = tf.tensor(randomHost([8, 8, 8, 16], 3).values, [8, 8, 8, 16]);
    await expectNoWebgpuLeak(
      () =>
        tf.add(
          tf.sum(
            tf
              .engine()
              .runKernel(
                tf.Conv2DBackpropFilter,
                { x, dy },
                { strides: 2, pad: 'same', filterShape: [3, 3, 16, 16] },
              ) as tf.Tensor,
          ),
          tf.sum(
            tf
              .engine()
              .runKernel(
                tf.Conv2DBackpropFilter,
                { x: x1, dy: dy1 },
                { strides: 1, pad: 'same', filterShape: [3, 3, 64, 64] },
              ) as tf.Tensor,
          ),
        ),
      'Conv2DBackpropFilter',
    );
    tf.dispose([x, dy, x1, dy1]);
  });
});
