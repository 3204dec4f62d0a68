// BatchNorm over the channel (last) axis with PyTorch semantics: training uses batch statistics and updates
// running_mean / running_var (unbiased) with momentum 0.1; inference uses the running averages.
// Parameter names follow torch: weight (gamma), bias (beta), running_mean, running_var.
import * as tf from '@tensorflow/tfjs-core';
import { fusedBatchNorm, reductionAxes } from './fused_batch_norm.js';
import type { Scope } from './param_store.js';

export interface BatchNormOptions {
  momentum: number;
  epsilon: number;
  /** Initial gamma (0 for "zero-init residual" last BN of a block). */
  gammaInit?: number;
}

export class BatchNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(
    scope: Scope,
    readonly channels: number,
    readonly options: BatchNormOptions,
  ) {
    const g = options.gammaInit ?? 1;
    this.gamma = scope.weight('weight', [channels], (s) => tf.fill(s, g));
    this.beta = scope.weight('bias', [channels], (s) => tf.zeros(s));
    this.runningMean = scope.buffer('running_mean', [channels], 0);
    this.runningVar = scope.buffer('running_var', [channels], 1);
  }

  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    const { epsilon } = this.options;
    if (!training) {
      return tf.batchNorm(
        x,
        this.runningMean as tf.Tensor1D,
        this.runningVar as tf.Tensor1D,
        this.beta as tf.Tensor1D,
        this.gamma as tf.Tensor1D,
        epsilon,
      );
    }
    // tidy: the batch statistics live only as long as this call (the fused op saves what its gradient needs).
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, reductionAxes(x.rank, 'BatchNorm.apply')); // [C], [C]
      this.updateRunningStats(mean as tf.Tensor1D, variance as tf.Tensor1D, x.size / this.channels);
      return fusedBatchNorm(
        x,
        this.gamma as tf.Tensor1D,
        this.beta as tf.Tensor1D,
        mean as tf.Tensor1D,
        variance as tf.Tensor1D,
        epsilon,
      );
    });
  }

  /**
   * Training: folds a batch's statistics (biased `variance` over `count` values per channel) into the running
   * averages, with the unbiased variance as PyTorch does. apply() calls it; fused ops that compute the batch
   * statistics themselves (src/gates/gate_logits.ts) call it directly.
   */
  updateRunningStats(mean: tf.Tensor1D, variance: tf.Tensor1D, count: number): void {
    const { momentum } = this.options;
    tf.tidy(() => {
      const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - momentum), tf.mul(mean, momentum)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - momentum), tf.mul(unbiased, momentum)));
    });
  }
}
