// ChannelGate: the per-sample, per-channel gating module of Bejnordi et al. (ICLR 2020), sec. 3.1:
// global average pool [N, C_in] -> dense C_in -> 16 (no bias) -> BN -> ReLU -> dense 16 -> C_gated (bias)
// = gate logits [N, C_gated]. Training: stochastic hard gate with straight-through gradient; inference:
// 1[logit > 0]. The layers come from src/layers (shared primitives with no dependency on models). In training the
// logits come from one fused op with a closed-form backward (gate_logits.ts): fewer, cheaper ops per step; where
// the backend has kernels for the whole gate (wasm), logits, probabilities and mask come from one kernel and
// their gradient from one more (fused_gate.ts).
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm } from '../layers/batch_norm.js';
import { Dense } from '../layers/dense.js';
import { constant } from '../layers/initializers.js';
import type { LayerCost } from '../layers/layer_cost.js';
import type { Scope } from '../layers/param_store.js';
import { fusedTrainingGate, hasFusedGate } from './fused_gate.js';
import { GATE_TAU, gateProbabilities, straightThroughGate, thresholdGate } from './gate_functions.js';
import { type GateParams, trainingGateLogits } from './gate_logits.js';
import type { NoiseSource } from './noise_source.js';

/**
 * Default gate bias: 3, so p = sigmoid(3) ~ 0.95 at initialisation (the remaining pre-bias logit has a
 * standard deviation of ~0.4 from nn.Linear's init over 16 BN'd ReLU units). Gates thus start mostly open and
 * the network first trains as its dense counterpart; 3 keeps the gate in sigmoid's live range
 * (p(1 - p) ~ 0.045, and the noisy straight-through slope stays non-negligible) so the batch-shaping and L0
 * losses can move it, unlike a saturating bias of 5+.
 */
export const DEFAULT_GATE_BIAS_INIT = 3;
/** Width of the gate's hidden layer, as in the paper. */
export const GATE_HIDDEN = 16;

export interface ChannelGateOptions {
  hidden?: number;
  biasInit?: number;
  tau?: number;
  bnMomentum?: number;
  bnEpsilon?: number;
}

export interface GateOutput {
  /** [N, C_gated] pre-threshold logits. */
  gateLogits: tf.Tensor2D;
  /** [N, C_gated] noise-free on-probabilities sigmoid(logits), in (0, 1). */
  gateProbs: tf.Tensor2D;
  /** [N, C_gated] hard 0/1 gate applied to the channels. */
  gateMask: tf.Tensor2D;
}

export interface GateApplyOptions {
  training: boolean;
  /** Required in training: the logistic noise comes from it. */
  noise?: NoiseSource;
  /** Inference: a gate is on when its probability exceeds this (default 0.5, i.e. logit > 0). */
  threshold?: number;
}

export class ChannelGate {
  readonly fc1: Dense;
  readonly bn: BatchNorm;
  readonly fc2: Dense;
  readonly tau: number;
  readonly name: string;

  constructor(
    scope: Scope,
    readonly inChannels: number,
    readonly gatedChannels: number,
    options: ChannelGateOptions = {},
  ) {
    const hidden = options.hidden ?? GATE_HIDDEN;
    this.name = scope.prefix;
    this.tau = options.tau ?? GATE_TAU;
    this.fc1 = new Dense(scope.child('fc1'), inChannels, hidden, { bias: false });
    this.bn = new BatchNorm(scope.child('bn'), hidden, {
      momentum: options.bnMomentum ?? 0.1,
      epsilon: options.bnEpsilon ?? 1e-5,
    });
    this.fc2 = new Dense(scope.child('fc2'), hidden, gatedChannels, {
      biasInit: constant(options.biasInit ?? DEFAULT_GATE_BIAS_INIT),
    });
  }

  /** x: the block input [N, H, W, C_in]. */
  apply(x: tf.Tensor4D, options: GateApplyOptions): GateOutput {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new Error(
        `ChannelGate '${this.name}': argument 'x' must be [N, H, W, ${this.inChannels}]; got [${x.shape}]`,
      );
    }
    if (options.training && options.noise === undefined) {
      throw new Error(`ChannelGate '${this.name}': training needs options.noise (a NoiseSource); got none`);
    }
    if (options.training && hasFusedGate()) {
      const uniform = options.noise!.uniform([x.shape[0], this.gatedChannels]) as tf.Tensor2D;
      const fused = fusedTrainingGate(x, this.params(), uniform, this.tau);
      uniform.dispose();
      return { gateLogits: fused.logits, gateProbs: fused.probs, gateMask: fused.mask };
    }
    const gateLogits = options.training ? trainingGateLogits(x, this.params()) : this.layerLogits(x, false); // [N, C_gated]
    const gateProbs = gateProbabilities(gateLogits) as tf.Tensor2D;
    let gateMask: tf.Tensor2D;
    if (options.training) {
      const noise = options.noise!.logistic(gateLogits.shape);
      gateMask = straightThroughGate(gateLogits, noise, this.tau) as tf.Tensor2D;
      noise.dispose();
    } else {
      gateMask = thresholdGate(gateLogits, options.threshold) as tf.Tensor2D;
    }
    return { gateLogits, gateProbs, gateMask };
  }

  private params(): GateParams {
    return { w1: this.fc1.weight, bn: this.bn, w2: this.fc2.weight, b2: this.fc2.bias! };
  }

  /**
   * The logits layer by layer (pool, fc1, BN, ReLU, fc2); in inference BN uses its running statistics.
   * Training goes through trainingGateLogits (gate_logits.ts): the same computation as one op.
   */
  layerLogits(x: tf.Tensor4D, training: boolean): tf.Tensor2D {
    return tf.tidy(() => {
      const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D; // [N, C_in]
      const hidden = tf.relu(this.bn.apply(this.fc1.apply(pooled), training)) as tf.Tensor2D; // [N, 16]
      return this.fc2.apply(hidden);
    });
  }

  /** MACs of the gate's own dense layers (per sample). */
  costs(): LayerCost[] {
    return [this.fc1.cost('gate'), this.fc2.cost('gate')];
  }
}
