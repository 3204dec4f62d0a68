// l0GateLoss: the L0 (gate-count) loss of Bejnordi et al. (ICLR 2020, section 3.3): the expected fraction of
// gates that are on, i.e. the mean gate probability over the batch and the gates, added after a warm-up to
// push the network towards fewer active channels.
//
// What differs: optional MAC weighting. With `macWeights` (each gate's multiply-accumulate cost, e.g. the MACs
// its channel costs in conv1 and conv2) the loss is the expected fraction of gated MACs that run:
// sum_c w_c mean_n p[n, c] / sum_c w_c, still a fraction in [0, 1]. Several layers: like batchShapingLoss, the
// mean over every gate of every layer (each gate equal, or weighted by its MACs across the whole network).
import * as tf from '@tensorflow/tfjs-core';
import { checkGateProbs } from './check_gate_probs.js';

export interface L0GateLossOptions {
  /**
   * Cost of each gate: one array of length C for a single tensor, or one array per layer for a list.
   * Non-negative with a positive total; normalised internally so the loss stays a fraction.
   */
  macWeights?: ArrayLike<number> | readonly ArrayLike<number>[];
  /** Check values are in [0, 1] and not NaN (one device->host read; default true). */
  validate?: boolean;
}

/** Mean gate-on probability of `gateProbs` ([N, C] or one per gated layer), optionally MAC-weighted. */
export function l0GateLoss(
  gateProbs: tf.Tensor | readonly tf.Tensor[],
  options: L0GateLossOptions = {},
): tf.Scalar {
  const layers = checkGateProbs('l0GateLoss', 'gateProbs', gateProbs, options.validate ?? true);
  const weights =
    options.macWeights === undefined ? undefined : flattenWeights(gateProbs, layers, options.macWeights);
  return tf.tidy(() => {
    const probs = layers.length === 1 ? layers[0]! : tf.concat(layers, 1); // [N, sum C]
    if (weights === undefined) return tf.mean(probs) as tf.Scalar;
    const perGate = tf.mean(probs, 0); // [sum C]: on-probability of each gate
    return tf.sum(tf.mul(perGate, tf.tensor1d(weights))) as tf.Scalar;
  });
}

/** Checks the weights against the layers and returns them concatenated and normalised to sum 1. */
function flattenWeights(
  gateProbs: unknown,
  layers: tf.Tensor2D[],
  macWeights: ArrayLike<number> | readonly ArrayLike<number>[],
): Float32Array {
  const fn = 'l0GateLoss';
  const many = Array.isArray(gateProbs);
  let perLayer: ArrayLike<number>[];
  if (many) {
    const ok = Array.isArray(macWeights) && macWeights.every((w) => typeof w === 'object' && w !== null);
    if (!ok || (macWeights as ArrayLike<number>[]).length !== layers.length) {
      throw new Error(
        `${fn}: option 'macWeights' must be one array of weights per layer (${layers.length} layers) when 'gateProbs' is an array; got ${describeWeights(macWeights)}`,
      );
    }
    perLayer = macWeights as ArrayLike<number>[];
  } else {
    const ok = typeof macWeights === 'object' && macWeights !== null && typeof macWeights[0] === 'number';
    if (!ok) {
      throw new Error(
        `${fn}: option 'macWeights' must be an array of ${layers[0]!.shape[1]} numbers; got ${describeWeights(macWeights)}`,
      );
    }
    perLayer = [macWeights as ArrayLike<number>];
  }
  const total = layers.reduce((s, t) => s + t.shape[1], 0);
  const out = new Float64Array(total);
  let offset = 0;
  let sum = 0;
  perLayer.forEach((w, l) => {
    const c = layers[l]!.shape[1];
    const where = many ? `macWeights[${l}]` : 'macWeights';
    if (w.length !== c) {
      throw new Error(
        `${fn}: option '${where}' must have one weight per gate (${c}); got length ${w.length}`,
      );
    }
    for (let i = 0; i < c; i++) {
      const v = w[i]!;
      if (!(Number.isFinite(v) && v >= 0)) {
        throw new Error(`${fn}: option '${where}' must hold finite weights >= 0; got ${v} at index ${i}`);
      }
      out[offset + i] = v;
      sum += v;
    }
    offset += c;
  });
  if (!(sum > 0)) throw new Error(`${fn}: option 'macWeights' must have a positive total; got ${sum}`);
  return Float32Array.from(out, (v) => v / sum);
}

function describeWeights(v: unknown): string {
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  return v === null || typeof v !== 'object' ? String(v) : (v.constructor?.name ?? 'object');
}
