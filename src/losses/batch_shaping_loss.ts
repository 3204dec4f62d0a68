// batchShapingLoss: the batch-shaping loss of Bejnordi, Blankevoort, Welling (ICLR 2020, arXiv 1907.06627,
// section 3.2), matching each gate's distribution of probabilities over the batch to a prior.
//
// For gate c, sort its probabilities over the batch, x_(1) <= ... <= x_(N); the empirical CDF at x_(i) is
// i / (N + 1); L_c = (1/N) sum_i (i/(N+1) - F(x_(i)))^2 with F the prior CDF.
// The backward pass uses the prior pdf clipped to [1e-3, 100] (priorCdf), as the official PyTorch code does.
//
// Combining the per-gate terms (option `reduction`) decides how strong the loss weight gamma is:
// - 'sum' (default): sum_c L_c over every gate of every layer. The paper writes the loss per gate and adds it
//   over the network, and a public reimplementation of its training sums L_c over a layer's gates and adds the
//   layers. With it the paper's gamma = 0.75 makes gates conditional (bench/results/method-ablation.json).
// - 'mean': the mean of L_c over every gate of every layer, what the official code's `gbas_loss` returns for
//   one call. It is sum / (number of gates): on ResNet-20 (336 gates) the paper's gamma becomes 336x weaker,
//   and with it every gate stayed open in our runs.
// Either way each gate counts the same, so a 64-channel layer weighs 4x a 16-channel one, exactly what one
// call on the concatenated [N, sum C] tensor computes (the loss is per column).
//
// Pooled variant (`pooled: true`): all gate values of all layers form one distribution, matched to the prior
// as a whole. It cannot tell a pruned gate (always 0) from a conditional one (0 for some inputs): the pooled
// histogram only sees the mix of values, so gates that are each constant over the batch (some always near 0,
// some always near 1) satisfy it as well as gates that switch with the input.
import * as tf from '@tensorflow/tfjs-core';
import { betaPrior } from '../ops/beta_prior.js';
import type { Prior } from '../ops/prior.js';
import { type PriorCdfOptions, priorCdf } from '../ops/prior_cdf.js';
import { sortColumns } from '../ops/sort_columns.js';
import { checkGateProbs } from './check_gate_probs.js';
import { checkReduction, type GateLossReduction } from './gate_loss_reduction.js';

export interface BatchShapingLossOptions extends PriorCdfOptions {
  /** Prior the gate probabilities are matched to (default Beta(0.6, 0.4), the paper's). */
  prior?: Prior;
  /** Treat all gates (of all layers) as one distribution instead of one per gate (default false). */
  pooled?: boolean;
  /** How the per-gate terms combine: 'sum' over gates and layers (default) or their 'mean'. */
  reduction?: GateLossReduction;
  /**
   * Check that every value is in [0, 1] and not NaN (default true). Costs one device->host read per call;
   * training loops whose gate probabilities come out of a sigmoid pass false. Shapes are always checked. On a
   * backend without synchronous readback (webgpu) the value check is skipped; a NaN still reaches the loss.
   */
  validate?: boolean;
}

let defaultPrior: Prior | undefined;

/**
 * Batch-shaping loss of gate probabilities `gateProbs` ([N, C] in [0, 1], or one such tensor per gated layer
 * with the same N). Returns a scalar; differentiable with respect to `gateProbs`.
 */
export function batchShapingLoss(
  gateProbs: tf.Tensor | readonly tf.Tensor[],
  options: BatchShapingLossOptions = {},
): tf.Scalar {
  const layers = checkGateProbs('batchShapingLoss', 'gateProbs', gateProbs, options.validate ?? true);
  defaultPrior ??= betaPrior(0.6, 0.4);
  const prior = options.prior ?? defaultPrior;
  const reduction = checkReduction('batchShapingLoss', options.reduction);
  return tf.tidy(() => {
    let columns: tf.Tensor2D;
    if (options.pooled) {
      columns = tf.concat(layers.map((t) => t.reshape([-1, 1]))) as tf.Tensor2D; // [N * sum C, 1]
    } else {
      columns = layers.length === 1 ? layers[0]! : tf.concat(layers, 1); // [N, sum C]
    }
    const n = columns.shape[0];
    const sorted = sortColumns(columns); // [N, C], ascending per column
    const cdf = priorCdf(sorted, prior, options); // [N, C]
    const ecdf = tf.div(tf.range(1, n + 1, 1, 'float32'), n + 1).reshape([n, 1]); // [N, 1]: i / (N + 1)
    const squared = tf.squaredDifference(ecdf, cdf); // [N, C]
    // 'mean': the mean over N and C = mean over columns of (1/N) sum_i; 'sum': sum over columns of it.
    if (reduction === 'mean') return tf.mean(squared) as tf.Scalar;
    return tf.div(tf.sum(squared), n) as tf.Scalar;
  });
}
