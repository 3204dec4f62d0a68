// Our fused webgpu batch-norm backward ('BatchShapingBatchNormGrad') against the gradient of the library's
// fusedBatchNorm on the cpu backend (its closed-form custom gradient), on NHWC and [N, C] shapes with channel
// counts below, at and above one workgroup's width, plus input checks, webgpu-only registration and leaks.
// Skips (saying why) where no WebGPU adapter was prepared.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_GRAD } from '../../../src/backend/webgpu/batch_norm_grad.js';
import { fusedBatchNorm, reductionAxes } from '../../../src/layers/fused_batch_norm.js';
import { expectNoWebgpuLeak, maxRelErr, randomHost, setUpWebgpu, WEBGPU_SKIP } from './webgpu_test_utils.js';

const EPS = 1e-5;

/** cpu reference: [dx, dgamma, dbeta] of sum(fusedBatchNorm(x) * dy), and the mean / rstd it normalised with. */
async function reference(xShape: number[], seed: number) {
  await tf.setBackend('cpu');
  const c = xShape[xShape.length - 1]!;
  const host = {
    x: randomHost(xShape, seed),
    dy: randomHost(xShape, seed + 1),
    gamma: randomHost([c], seed + 2),
    beta: randomHost([c], seed + 3),
  };
  const out = tf.tidy(() => {
    const x = tf.add(tf.mul(tf.tensor(host.x.values, xShape), 3), 0.5); // off-centre, not unit scale
    const gamma = tf.tensor1d(host.gamma.values);
    const beta = tf.tensor1d(host.beta.values);
    const dy = tf.tensor(host.dy.values, xShape);
    const { mean, variance } = tf.moments(x, reductionAxes(x.rank, 'test'));
    const grads = tf.grads((xx, g, b) =>
      tf.sum(
        tf.mul(
          fusedBatchNorm(
            xx!,
            g as tf.Tensor1D,
            b as tf.Tensor1D,
            mean as tf.Tensor1D,
            variance as tf.Tensor1D,
            EPS,
          ),
          dy,
        ),
      ),
    )([x, gamma, beta]);
    return [x, dy, mean, tf.rsqrt(tf.add(variance, EPS)), gamma, ...grads];
  });
  const values = await Promise.all(out.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(out);
  const [x, dy, mean, rstd, gamma, dx, dgamma, dbeta] = values as Float32Array[];
  return {
    inputs: { x: x!, dy: dy!, mean: mean!, rstd: rstd!, gamma: gamma! },
    want: [dx!, dgamma!, dbeta!],
  };
}

function runFused(xShape: number[], inputs: Record<string, Float32Array>): tf.Tensor[] {
  const c = xShape[xShape.length - 1]!;
  return tf.tidy(
    () =>
      tf.engine().runKernel(BATCH_NORM_GRAD, {
        dy: tf.tensor(inputs.dy!, xShape),
        x: tf.tensor(inputs.x!, xShape),
        mean: tf.tensor(inputs.mean!, [c]),
        rstd: tf.tensor(inputs.rstd!, [c]),
        gamma: tf.tensor(inputs.gamma!, [c]),
      }) as unknown as tf.Tensor[],
  );
}

describe('webgpu fused batch-norm backward (ours)', { skip: WEBGPU_SKIP }, () => {
  let worst = 0;
  before(setUpWebgpu);
  after(() =>
    console.log(`# webgpu ${BATCH_NORM_GRAD}: max relative error vs cpu ${worst.toExponential(2)}`),
  );

  for (const xShape of [
    [8, 9, 10, 16],
    [4, 7, 7, 64],
    [2, 5, 5, 3],
    [16, 8, 8, 130],
    [64, 37],
    [128, 32, 32, 16],
  ]) {
    it(`matches the cpu gradient of fusedBatchNorm: x [${xShape}]`, async () => {
      const { inputs, want } = await reference(xShape, xShape.length + xShape[xShape.length - 1]!);
      await tf.setBackend('webgpu');
      const got = runFused(xShape, inputs);
      assert.deepEqual(
        got.map((t) => t.shape),
        [xShape, [xShape.at(-1)], [xShape.at(-1)]],
      );
      const values = await Promise.all(got.map((t) => t.data()));
      tf.dispose(got);
      ['dx', 'dgamma', 'dbeta'].forEach((name, i) => {
        const err = maxRelErr(want[i]!, values[i]!);
        worst = Math.max(worst, err);
        assert.ok(err <= 1e-4, `${name} of x [${xShape}]: max relative error ${err.toExponential(2)}`);
      });
    });
  }

  it('is registered for webgpu only', () => {
    assert.ok(tf.getKernel(BATCH_NORM_GRAD, 'webgpu') !== undefined);
    assert.equal(tf.getKernel(BATCH_NORM_GRAD, 'cpu'), undefined);
  });

  it('rejects inputs of the wrong shape with clear errors', async () => {
    await tf.setBackend('webgpu');
    const run = (over: Record<string, tf.Tensor>) => () =>
      tf.tidy(() =>
        tf.engine().runKernel(BATCH_NORM_GRAD, {
          dy: tf.zeros([2, 3, 3, 4]),
          x: tf.zeros([2, 3, 3, 4]),
          mean: tf.zeros([4]),
          rstd: tf.ones([4]),
          gamma: tf.ones([4]),
          ...over,
        }),
      );
    assert.throws(
      run({ dy: tf.zeros([2, 3, 3, 5]) }),
      /BatchShapingBatchNormGrad.*input 'dy' must have x's shape \[2,3,3,4\]; got \[2,3,3,5\]/,
    );
    assert.throws(
      run({ gamma: tf.ones([3]) }),
      /BatchShapingBatchNormGrad.*input 'gamma' must have shape \[4\].*got \[3\]/,
    );
    assert.throws(run({ x: tf.zeros([2, 3, 3, 4], 'int32') }), /input 'x' must be float32; got int32/);
  });

  it('leaks no tensors and no backend data', async () => {
    await tf.setBackend('webgpu');
    const xShape = [8, 8, 8, 16];
    const { inputs } = await reference(xShape, 5);
    await tf.setBackend('webgpu');
    await expectNoWebgpuLeak(() => {
      const [dx, dgamma, dbeta] = runFused(xShape, inputs);
      return tf.add(tf.sum(dx!), tf.add(tf.sum(dgamma!), tf.sum(dbeta!)));
    }, BATCH_NORM_GRAD);
  });
});
