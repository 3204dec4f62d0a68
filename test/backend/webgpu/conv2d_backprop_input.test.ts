// Our webgpu Conv2DBackpropInput (implicit GEMM per output phase) against the cpu backend on the wasm kernel's
// shape grid, plus shapes that reach the 64-wide tiles and unequal strides, the A/B switch to the stock kernel,
// errors and leaks. Skips (saying why) where no WebGPU adapter was prepared.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { inputGrad, outSize, type Pad } from '../../helpers/conv_grad_cases.js';
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

describe('webgpu Conv2DBackpropInput (ours)', { skip: WEBGPU_SKIP }, () => {
  let worst = 0;
  before(setUpWebgpu);
  after(() =>
    console.log(
      `# webgpu Conv2DBackpropInput: max relative error vs cpu over the grid ${worst.toExponential(2)}`,
    ),
  );

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
            const r = randomHost(
              [batch, outSize(size, k, stride, pad), outSize(size + 1, k, stride, pad), co],
              13 + stride,
            );
            const err = await expectCpuWebgpuMatch(
              [x, w, r],
              inputGrad(stride, pad),
              `dx k${k} s${stride} ${pad}`,
            );
            worst = Math.max(worst, err);
          });
        }
      }
    }
  }

  for (const [what, xShape, k, co, stride] of [
    ['64->64 3x3 (64x64 tiles)', [8, 16, 16, 64], 3, 64, 1],
    ['16->32 3x3 stride 2 (ResNet-20 downsampling)', [8, 32, 32, 16], 3, 32, 2],
    ['3->64 7x7 stride 2 (ImageNet stem)', [2, 40, 40, 3], 7, 64, 2],
    ['32->64 1x1 stride 2 (projection shortcut: phases with no tap)', [4, 16, 16, 32], 1, 64, 2],
  ] as [string, number[], number, number, number][]) {
    it(`matches cpu: ${what}`, async () => {
      const ci = xShape[3]!;
      const x = randomHost(xShape, 31);
      const w = randomHost([k, k, ci, co], 32);
      const r = randomHost(
        [xShape[0]!, outSize(xShape[1]!, k, stride, 'same'), outSize(xShape[2]!, k, stride, 'same'), co],
        33,
      );
      const err = await expectCpuWebgpuMatch([x, w, r], inputGrad(stride, 'same'), what);
      worst = Math.max(worst, err);
    });
  }

  it('matches cpu with unequal strides [2, 1] and [1, 3]', async () => {
    for (const [stride, outShape] of [
      [
        [2, 1],
        [8, 5, 10, 5],
      ],
      [
        [1, 3],
        [8, 9, 4, 5],
      ],
    ] as [[number, number], number[]][]) {
      const err = await expectCpuWebgpuMatch(
        [randomHost([8, 9, 10, 3], 1), randomHost([3, 3, 3, 5], 2), randomHost(outShape, 3)],
        inputGrad(stride, 'same'),
        `strides [${stride}]`,
      );
      worst = Math.max(worst, err);
    }
  });

  it('matches cpu where the row tiles exceed one dispatch dimension (several dispatches, one output)', async () => {
    // 2049 x 2048 positions in 64-row tiles = 65568 tiles > 65535 workgroups per dimension
    const dy = randomHost([1, 2049, 2048, 1], 41);
    const w = randomHost([3, 3, 1, 1], 42);
    const err = await expectCpuWebgpuMatch(
      [dy, w],
      (d, f) =>
        tf
          .engine()
          .runKernel(
            tf.Conv2DBackpropInput,
            { dy: d!, filter: f! },
            { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [1, 2049, 2048, 1] },
          ) as tf.Tensor,
      'dx over 4.2M positions',
    );
    worst = Math.max(worst, err);
  });

  it('ran our program (its shader is compiled), not the stock one', () => {
    assert.ok(
      compiledShaderKeys().some((k) => k.startsWith('batchShapingConv2DBackpropInputGemm')),
      `no batch-shaping input-gradient shader among ${compiledShaderKeys().length} compiled`,
    );
  });

  it('A/B: the stock kernel can be put back and gives the same values; ours again after', async () => {
    const inputs = [randomHost([2, 8, 8, 4], 5), randomHost([3, 3, 4, 6], 6), randomHost([2, 4, 4, 6], 7)];
    const fn = inputGrad(2, 'same');
    const [ours] = await runOn('webgpu', inputs, fn);
    useKernel(tf.Conv2DBackpropInput, 'stock');
    try {
      const [stock] = await runOn('webgpu', inputs, fn);
      assert.ok(maxRelErr(stock!, ours!) <= 1e-5, 'stock and ours disagree');
    } finally {
      useKernel(tf.Conv2DBackpropInput, 'ours');
    }
  });

  it('rejects NCHW and a dy of the wrong shape with clear errors', async () => {
    await tf.setBackend('webgpu');
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
      /Conv2DBackpropInput \(webgpu.*'dataFormat' must be 'NHWC'.*NCHW/,
    );
    assert.throws(
      () =>
        tf.tidy(() =>
          tf
            .engine()
            .runKernel(
              tf.Conv2DBackpropInput,
              { dy: tf.zeros([1, 4, 4, 2]), filter: tf.zeros([3, 3, 3, 2]) },
              { strides: 1, pad: 'same', inputShape: [1, 5, 5, 3] },
            ),
        ),
      /Conv2DBackpropInput \(webgpu.*input 'dy' must have shape \[1, 5, 5, 2\].*got \[1,4,4,2\]/,
    );
  });

  it('leaks no tensors and no backend data', async () => {
    await tf.setBackend('webgpu');
    const dy = tf.tensor(randomHost([8, 8, 8, 16], 1).values, [8, 8, 8, 16]);
    const w = tf.tensor(randomHost([3, 3, 16, 16], 2).values, [3, 3, 16, 16]);
    await expectNoWebgpuLeak(
      () =>
        tf
          .engine()
          .runKernel(
            tf.Conv2DBackpropInput,
            { dy, filter: w },
            { strides: 2, pad: 'same', inputShape: [8, 16, 16, 16] },
          ) as tf.Tensor,
      'Conv2DBackpropInput',
    );
    tf.dispose([dy, w]);
  });
});
