// l0GateLoss: the L0 (gate-count) loss of Bejnordi et al. (ICLR 2020, section 3.3): the expected number of
// gates that are on, each gate's on-probability averaged over the batch, added after a warm-up to push the
// network towards fewer active channels.
//
// Reduction (option `reduction`, as for batchShapingLoss): 'sum' (default) adds the per-gate terms over every
// gate of every layer, sum_c mean_n p[n, c] (the expected number of open gates); 'mean' averages them (the
// expected fraction of open gates, in [0, 1]). 'sum' = 'mean' x the number of gates.
//
// What differs: optional MAC weighting. With `macWeights` (each gate's multiply-accumulate cost, e.g. the MACs
// its channel costs in conv1 and conv2) each gate's term is weighted by its cost relative to the mean cost:
// 'mean' gives the expected fraction of gated MACs that run, sum_c w_c mean_n p[n, c] / sum_c w_c, and 'sum'
// that fraction times the number of gates, so the two weightings share one scale of lambda.
import * as tf from '@tensorflow/tfjs-core';
import { checkGateProbs } from './check_gate_probs.js';
import { checkReduction, type GateLossReduction } from './gate_loss_reduction.js';

export interface L0GateLossOptions {
  /**
   * Cost of each gate: one array of length C for a single tensor, or one array per layer for a list.
   * Non-negative with a positive total; normalised internally so the loss stays a fraction.
   */
  macWeights?: ArrayLike<number> | readonly ArrayLike<number>[];
  /** Check values are in [0, 1] and not NaN (one device->host read; default true; skipped on webgpu). */
  validate?: boolean;
  /** How the per-gate terms combine: 'sum' over gates and layers (default) or their 'mean'. */
  reduction?: GateLossReduction;
}

/**
 * Gate-on probability of `gateProbs` ([N, C] or one per gated layer), summed over the gates (default) or
 * averaged, optionally MAC-weighted.
 */
export function l0GateLoss(
  gateProbs: tf.Tensor | readonly tf.Tensor[],
  options: L0GateLossOptions = {},
): tf.Scalar {
  const layers = checkGateProbs('l0GateLoss', 'gateProbs', gateProbs, options.validate ?? true);
  const weights =
    options.macWeights === undefined ? undefined : flattenWeights(gateProbs, layers, options.macWeights);
  const reduction = checkReduction('l0GateLoss', options.reduction);
  return tf.tidy(() => {
    const probs = layers.length === 1 ? layers[0]! : tf.concat(layers, 1); // [N, sum C]
    const gates = probs.shape[1];
    let fraction: tf.Scalar;
    if (weights === undefined) fraction = tf.mean(probs) as tf.Scalar;
    else {
      const perGate = tf.mean(probs, 0); // [sum C]: on-probability of each gate
      fraction = tf.sum(tf.mul(perGate, tf.tensor1d(weights))) as tf.Scalar;
    }
    return reduction === 'mean' ? fraction : (tf.mul(fraction, gates) as tf.Scalar);
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
