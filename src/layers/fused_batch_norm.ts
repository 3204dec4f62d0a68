// Training-mode batch normalisation (Ioffe & Szegedy 2015) as one op with a hand-written gradient.
// Autodiff through moments + batchNorm re-derives the mean/variance dependence op by op; the closed-form
// backward below does it in a handful of element-wise passes (bench/models.ts, forward + backward:
// ~1.6x faster on wasm, ~1.15x on cpu).
// Normalises over every axis but the last (channels): NHWC [N, H, W, C] or [N, C].
import * as tf from '@tensorflow/tfjs-core';

/**
 * Name of an optional backend kernel computing this op's gradient in one go (inputs dy, x, mean, rstd, gamma;
 * outputs [dx, dgamma, dbeta]); the webgpu backend registers one (src/backend/webgpu/batch_norm_grad.ts).
 */
export const BATCH_NORM_GRAD_KERNEL = 'BatchShapingBatchNormGrad';

/**
 * y = gamma * (x - mean) / sqrt(variance + eps) + beta, with mean/variance the biased batch statistics of x
 * over all axes but the last. `mean`/`variance` must be exactly those statistics (computed by the caller,
 * who also needs them for the running averages); the gradient w.r.t. x accounts for their dependence on x.
 * Gradients: dbeta = sum(dy), dgamma = sum(dy * xhat), dx = gamma * rstd * (dy - dbeta/M - xhat * dgamma/M).
 */
export function fusedBatchNorm(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  epsilon: number,
): tf.Tensor {
  reductionAxes(x.rank, 'fusedBatchNorm');
  const op = tf.customGrad((xIn, gammaIn, betaIn, save) => {
    const [xT, g, b] = [xIn as tf.Tensor, gammaIn as tf.Tensor1D, betaIn as tf.Tensor1D];
    const rstd = tf.rsqrt(tf.add(variance, epsilon)); // [C]
    const scale = tf.mul(g, rstd); // [C]
    const shift = tf.sub(b, tf.mul(mean, scale)); // [C]
    (save as tf.GradSaveFunc)([xT, g, mean, rstd]);
    return {
      value: tf.add(tf.mul(xT, scale), shift),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, gs, ms, rs] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        return batchNormGrad(dy, xs, ms, rs, gs);
      },
    };
  });
  return op(x, gamma, beta);
}

/**
 * The closed-form training-mode batch-norm backward: [dx, dgamma, dbeta] from dy and the forward's x, batch mean,
 * rstd = 1 / sqrt(variance + eps) and gamma (channels last; statistics over every other axis). One fused kernel
 * where the backend has it (webgpu: src/backend/webgpu/batch_norm_grad.ts), instead of the dozen ops below; it
 * computes the same three outputs (tested against them). Also used inside other fused ops (src/gates).
 */
export function batchNormGrad(
  dy: tf.Tensor,
  x: tf.Tensor,
  mean: tf.Tensor1D,
  rstd: tf.Tensor1D,
  gamma: tf.Tensor1D,
): tf.Tensor[] {
  if (dy.dtype === 'float32' && tf.getKernel(BATCH_NORM_GRAD_KERNEL, tf.getBackend()) !== undefined) {
    return tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, { dy, x, mean, rstd, gamma }) as tf.Tensor[];
  }
  const axes = reductionAxes(x.rank, 'batchNormGrad');
  const count = x.size / x.shape[x.rank - 1]!;
  const xhat = tf.mul(tf.sub(x, mean), rstd); // same shape as x
  const dbeta = tf.sum(dy, axes); // [C]
  const dgamma = tf.sum(tf.mul(dy, xhat), axes); // [C]
  const k = tf.mul(gamma, rstd); // [C]
  const dx = tf.sub(
    tf.mul(dy, k),
    tf.add(tf.mul(xhat, tf.mul(k, tf.div(dgamma, count))), tf.mul(k, tf.div(dbeta, count))),
  );
  return [dx, dgamma, dbeta];
}

/** Reference formulation (autodiff through moments): the oracle for the fused op's gradient. */
export function plainBatchNorm(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): tf.Tensor {
  const { mean, variance } = tf.moments(x, reductionAxes(x.rank, 'plainBatchNorm'));
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), gamma), beta);
}

export function reductionAxes(rank: number, fn: string): number[] {
  if (rank < 2) throw new Error(`${fn}: argument 'x' must have rank >= 2 (channels last); got rank ${rank}`);
  return Array.from({ length: rank - 1 }, (_, i) => i);
}
