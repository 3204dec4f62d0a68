// The gate nonlinearities of Bejnordi et al. (ICLR 2020), sec. 3 / appendix: a Gumbel-sigmoid
// (binary Concrete) relaxation with a straight-through hard decision at training time, a deterministic
// threshold at inference, and the noise-free on-probability the batch-shaping and L0 losses consume.
import * as tf from '@tensorflow/tfjs-core';

/** Temperature of the relaxed gate, as in the paper. */
export const GATE_TAU = 2 / 3;

/**
 * Training-time gate. Forward: hard 1[s > 0.5] with s = sigmoid((logits + noise) / tau).
 * Backward: straight through to s, i.e. d mask / d logits := ds/dlogits = s (1 - s) / tau.
 * tfjs's Greater has no gradient, hence the customGrad. `noise` (logistic) is a constant, not differentiated.
 */
export function straightThroughGate(gateLogits: tf.Tensor, noise: tf.Tensor, tau = GATE_TAU): tf.Tensor {
  if (!(tau > 0)) throw new Error(`straightThroughGate: argument 'tau' must be > 0; got ${tau}`);
  if (!tf.util.arraysEqual(gateLogits.shape, noise.shape)) {
    throw new Error(
      `straightThroughGate: argument 'noise' must have the shape of 'gateLogits' [${gateLogits.shape}]; got [${noise.shape}]`,
    );
  }
  const op = tf.customGrad((logits, save) => {
    const s = tf.sigmoid(tf.div(tf.add(logits as tf.Tensor, noise), tau));
    (save as tf.GradSaveFunc)([s]);
    return {
      value: tf.cast(tf.greater(s, 0.5), 'float32'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const sv = saved[0]!;
        return tf.mul(dy, tf.div(tf.mul(sv, tf.sub(1, sv)), tau));
      },
    };
  });
  return op(gateLogits);
}

/** Relaxed (soft) gate s = sigmoid((logits + noise) / tau): what the straight-through gradient follows. */
export function relaxedGate(gateLogits: tf.Tensor, noise: tf.Tensor, tau = GATE_TAU): tf.Tensor {
  return tf.tidy(() => tf.sigmoid(tf.div(tf.add(gateLogits, noise), tau)));
}

/**
 * Inference gate: deterministic 1[p > threshold] with p = sigmoid(logits), i.e. 1[logits > log(t / (1 - t))]
 * (default t = 0.5: 1[logits > 0], the paper's). Other thresholds trade accuracy for MACs after training.
 */
export function thresholdGate(gateLogits: tf.Tensor, threshold = 0.5): tf.Tensor {
  if (!(threshold > 0 && threshold < 1)) {
    throw new Error(`thresholdGate: argument 'threshold' must be a probability in (0, 1); got ${threshold}`);
  }
  const logitThreshold = Math.log(threshold / (1 - threshold));
  return tf.tidy(() => tf.cast(tf.greater(gateLogits, logitThreshold), 'float32'));
}

/** Gate on-probability p = sigmoid(logits): P(training gate is on) in closed form, noise-free. */
export function gateProbabilities(gateLogits: tf.Tensor): tf.Tensor {
  return tf.sigmoid(gateLogits);
}
