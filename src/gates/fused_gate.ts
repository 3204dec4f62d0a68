// A gate module's whole training-time computation (Bejnordi et al., ICLR 2020, sec. 3.1) as one op with one
// backward, where the backend has kernels for it (wasm: src/backend/wasm/gate_module.ts; webgpu:
// src/backend/webgpu/gate_module.ts): global average pool,
// fc1, batch norm on batch statistics (and its running statistics), ReLU, fc2 + bias = logits; p = sigmoid;
// logistic noise from uniform draws; the straight-through hard gate. Its three outputs are what
// ChannelGate.apply returns in training, and its gradient is the chain rule written out (gate_module_math.ts):
// the same quantities as the tf-op path (trainingGateLogits, gateProbabilities, straightThroughGate), which
// other backends run. Per gate and step that is 2 kernels and one saved tensor instead of ~55 kernels.
import * as tf from '@tensorflow/tfjs-core';
import type { BatchNorm } from '../layers/batch_norm.js';
import type { GateParams } from './gate_logits.js';

/** Kernel names (registered for wasm and webgpu by src/backend/{wasm,webgpu}/register_*_kernels.ts). */
export const GATE_FORWARD_KERNEL = 'BatchShapingGateForward';
export const GATE_BACKWARD_KERNEL = 'BatchShapingGateBackward';

/** Whether the active backend runs the fused gate (both kernels registered). */
export function hasFusedGate(): boolean {
  const backend = tf.getBackend();
  return (
    tf.getKernel(GATE_FORWARD_KERNEL, backend) !== undefined &&
    tf.getKernel(GATE_BACKWARD_KERNEL, backend) !== undefined
  );
}

export interface FusedGateOutput {
  logits: tf.Tensor2D;
  probs: tf.Tensor2D;
  mask: tf.Tensor2D;
}

interface ForwardAttrs {
  epsilon: number;
  momentum: number;
  tau: number;
  /** For the backward: the block input's shape and the hidden width. */
  xShape: number[];
  hidden: number;
}

/**
 * Training-mode gate of block input x [N, H, W, C_in]: logits, on-probabilities and the hard straight-through
 * mask [N, C_gated], with logistic noise made from `uniform` [N, C_gated] (draws in (0, 1), NoiseSource.uniform).
 * Updates the BN running statistics. Differentiable in x and every parameter. Needs hasFusedGate().
 */
export function fusedTrainingGate(
  x: tf.Tensor4D,
  params: GateParams,
  uniform: tf.Tensor2D,
  tau: number,
): FusedGateOutput {
  if (!hasFusedGate()) {
    throw new Error(`fusedTrainingGate: backend '${tf.getBackend()}' has no ${GATE_FORWARD_KERNEL} kernel`);
  }
  registerFusedGateGradient();
  const bn: BatchNorm = params.bn;
  const attrs: ForwardAttrs = {
    epsilon: bn.options.epsilon,
    momentum: bn.options.momentum,
    tau,
    xShape: x.shape,
    hidden: params.w1.shape[1]!,
  };
  const inputs = {
    x,
    w1: params.w1,
    gamma: bn.gamma,
    beta: bn.beta,
    w2: params.w2,
    b2: params.b2,
    uniform,
    runningMean: bn.runningMean,
    runningVar: bn.runningVar,
  };
  const [logits, probs, mask, cache, newMean, newVar] = tf
    .engine()
    .runKernel(GATE_FORWARD_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  bn.runningMean.assign(newMean!);
  bn.runningVar.assign(newVar!);
  tf.dispose([cache!, newMean!, newVar!]); // the tape keeps its own copy of the cache
  return { logits: logits as tf.Tensor2D, probs: probs as tf.Tensor2D, mask: mask as tf.Tensor2D };
}

/** The forward kernel's gradient: the backward kernel on the saved cache (registered on first use). */
function registerFusedGateGradient(): void {
  if (tf.getGradient(GATE_FORWARD_KERNEL) !== undefined) return;
  tf.registerGradient({
    kernelName: GATE_FORWARD_KERNEL,
    outputsToSave: [false, false, false, true, false, false],
    gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap) => {
      const [dLogits, dProbs, dMask] = dys as tf.Tensor[];
      const { xShape, hidden, tau } = attrs as unknown as ForwardAttrs;
      const grads = tf
        .engine()
        .runKernel(
          GATE_BACKWARD_KERNEL,
          { dLogits: dLogits!, dProbs: dProbs!, dMask: dMask!, cache: saved[0]! },
          {
            xShape,
            hidden,
            tau,
          } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor[];
      const [dx, dw1, dgamma, dbeta, dw2, db2] = grads as [
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
      ];
      return {
        x: () => dx,
        w1: () => dw1,
        gamma: () => dgamma,
        beta: () => dbeta,
        w2: () => dw2,
        b2: () => db2,
      };
    },
  });
}
