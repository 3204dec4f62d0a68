// The gate module's training-mode forward (Bejnordi et al., ICLR 2020, sec. 3.1) as one op with a closed-form
// backward: x [N, H, W, C_in] -> global average pool -> dense (no bias) -> batch norm (batch statistics) -> ReLU
// -> dense + bias = logits [N, C_gated].
// Through autodiff these are ~20 recorded ops per gate, each with its tape entry and gradient function, and the
// pooling's gradient makes a [N, H, W, C_in] tensor of ones, multiplies and divides it (three passes over the
// block's input). Here the forward runs unrecorded, and the backward is the chain rule written out:
//   g = dL/dlogits;  db2 = sum_n g;  dw2 = r^T g;  dr = g w2^T;  da = dr * 1[a > 0]
//   BN backward (batchNormGrad, src/layers/fused_batch_norm.ts) -> dz, dgamma, dbeta
//   dw1 = pooled^T dz;  dpooled = dz w1^T;  dx = dpooled / (H W) broadcast over H, W (one Tile).
// The same tf ops as autodiff computes, in the same order, so the values agree bit for bit on a given backend
// (test/gates/gate_logits.test.ts checks them against the layer-by-layer formulation).
import * as tf from '@tensorflow/tfjs-core';
import type { BatchNorm } from '../layers/batch_norm.js';
import { batchNormGrad } from '../layers/fused_batch_norm.js';

/** The gate module's parameters: fc1 weight [C_in, hidden], BN, fc2 weight [hidden, C_gated] and bias. */
export interface GateParams {
  w1: tf.Variable;
  bn: BatchNorm;
  w2: tf.Variable;
  b2: tf.Variable;
}

/**
 * Training-mode gate logits [N, C_gated] from the block input x [N, H, W, C_in]; updates the BN running
 * statistics (as BatchNorm.apply in training does). Differentiable in x and every parameter.
 */
export function trainingGateLogits(x: tf.Tensor4D, params: GateParams): tf.Tensor2D {
  const { bn } = params;
  const [n, h, w, c] = x.shape;
  const hidden = params.w1.shape[1]!;
  if (x.rank !== 4 || params.w1.shape[0] !== c || params.w2.shape[0] !== hidden) {
    throw new Error(
      `trainingGateLogits: argument 'x' must be [N, H, W, ${params.w1.shape[0]}] for fc1 [${params.w1.shape}] and fc2 [${params.w2.shape}]; got [${x.shape}]`,
    );
  }
  const epsilon = bn.options.epsilon;
  const op = tf.customGrad((xIn, w1In, gammaIn, betaIn, w2In, b2In, save) => {
    const [w1, gamma, beta, w2, b2] = [w1In, gammaIn, betaIn, w2In, b2In] as [
      tf.Tensor2D,
      tf.Tensor1D,
      tf.Tensor1D,
      tf.Tensor2D,
      tf.Tensor1D,
    ];
    const pooled = tf.mean(xIn as tf.Tensor4D, [1, 2]) as tf.Tensor2D; // [N, C_in]
    const z = tf.matMul(pooled, w1); // [N, hidden]
    const { mean, variance } = tf.moments(z, [0]) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
    bn.updateRunningStats(mean, variance, n);
    // fusedBatchNorm's forward, op for op.
    const rstd = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
    const scale = tf.mul(gamma, rstd);
    const shift = tf.sub(beta, tf.mul(mean, scale));
    const a = tf.add(tf.mul(z, scale), shift); // BN output, [N, hidden]
    const r = tf.relu(a) as tf.Tensor2D;
    (save as tf.GradSaveFunc)([pooled, z, mean, rstd, a, r, w1, gamma, w2]);
    return {
      value: tf.add(tf.matMul(r, w2), b2) as tf.Tensor2D,
      gradFunc: (g: tf.Tensor, saved: tf.Tensor[]) => {
        const [ps, zs, ms, rs, as, rr, w1s, gs, w2s] = saved as [
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor1D,
          tf.Tensor1D,
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor2D,
          tf.Tensor1D,
          tf.Tensor2D,
        ];
        const db2 = tf.sum(g, 0);
        const dw2 = tf.matMul(rr, g as tf.Tensor2D, true, false);
        const dr = tf.matMul(g as tf.Tensor2D, w2s, false, true);
        const da = tf.mul(dr, tf.step(as));
        const [dz, dgamma, dbeta] = batchNormGrad(da, zs, ms, rs, gs) as [
          tf.Tensor2D,
          tf.Tensor1D,
          tf.Tensor1D,
        ];
        const dw1 = tf.matMul(ps, dz, true, false);
        const dpooled = tf.matMul(dz, w1s, false, true); // [N, C_in]
        const dx = tf.broadcastTo(tf.reshape(tf.div(dpooled, h * w), [n, 1, 1, c]), [n, h, w, c]);
        return [dx, dw1, dgamma, dbeta, dw2, db2];
      },
    };
  });
  return op(x, params.w1, bn.gamma, bn.beta, params.w2, params.b2) as tf.Tensor2D;
}
