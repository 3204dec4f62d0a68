// One optimisation step of a gated classifier with the method's total loss (Bejnordi et al., ICLR 2020,
// section 3): CE + gamma * batch-shaping + lambda * L0, over every gated layer's noise-free gate probabilities.
// The weights come from a LossSchedule (lossWeightsAt) so the step itself has no schedule logic.
import * as tf from '@tensorflow/tfjs-core';
import { batchShapingLoss } from '../losses/batch_shaping_loss.js';
import { l0GateLoss } from '../losses/l0_gate_loss.js';
import type { GatedModel } from '../models/model_types.js';

export interface LossWeights {
  /** Batch-shaping weight. */
  gamma: number;
  /** L0 weight. */
  lambda: number;
}

/** The step's loss terms, as scalars the caller owns (read them when it wants to, not every step). */
export interface StepLosses {
  total: tf.Scalar;
  ce: tf.Scalar;
  bas: tf.Scalar;
  l0: tf.Scalar;
}

/**
 * Runs forward in training mode, backward, and applies `optimizer` to every trainable weight.
 * images: [N, H, W, C] float32; labels: [N] int32 class indices.
 */
export function trainStep(
  model: GatedModel,
  optimizer: tf.Optimizer,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  weights: LossWeights,
): StepLosses {
  if (images.shape[0] !== labels.shape[0]) {
    throw new Error(
      `trainStep: 'labels' must have one entry per image (${images.shape[0]}); got ${labels.shape[0]}`,
    );
  }
  const variables = Object.values(model.namedWeights());
  let terms: Omit<StepLosses, 'total'> | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const { logits, gates } = model.apply(images, { training: true });
    const oneHot = tf.oneHot(labels, logits.shape[logits.shape.length - 1]!); // [N, classes]
    const ce = tf.losses.softmaxCrossEntropy(oneHot, logits as tf.Tensor2D) as tf.Scalar;
    const probs = gates.map((g) => g.probs); // one [N, C] per gated block
    const bas = probs.length > 0 ? batchShapingLoss(probs, { validate: false }) : tf.scalar(0);
    const l0 = probs.length > 0 ? l0GateLoss(probs, { validate: false }) : tf.scalar(0);
    terms = { ce: tf.keep(ce), bas: tf.keep(bas), l0: tf.keep(l0) };
    return tf.addN([ce, tf.mul(bas, weights.gamma), tf.mul(l0, weights.lambda)]) as tf.Scalar;
  }, variables);
  optimizer.applyGradients(grads);
  tf.dispose(grads);
  return { total: value, ...terms! };
}
