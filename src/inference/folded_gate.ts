// Inference-mode ChannelGate (Bejnordi et al., ICLR 2020, sec. 3.1) in three ops instead of nine: global
// average pool -> fused matMul (fc1 with the gate's BN folded in) + ReLU -> fused matMul (fc2) + bias = gate
// logits; the decision 1[logit > 0] is taken on the host, where the block needs it to choose its weights.
// Same function as gates/ChannelGate.apply with training false, up to float32 rounding of the fold; a snapshot
// of the gate's weights at compile time.
import * as tf from '@tensorflow/tfjs-core';
import type { ChannelGate } from '../gates/index.js';
import type { GateDecision } from './gate_decision.js';

export class FoldedGate {
  private readonly w1: tf.Tensor2D; // [C_in, hidden], BN scale folded
  private readonly b1: tf.Tensor1D; // [hidden], BN shift
  private readonly w2: tf.Tensor2D; // [hidden, C_gated]
  private readonly b2: tf.Tensor1D; // [C_gated]
  readonly channels: number;

  constructor(gate: ChannelGate) {
    const { fc1, bn, fc2 } = gate;
    const hidden = fc1.outFeatures;
    const w = fc1.weight.dataSync(); // [C_in, hidden]
    const gamma = bn.gamma.dataSync();
    const beta = bn.beta.dataSync();
    const mean = bn.runningMean.dataSync();
    const variance = bn.runningVar.dataSync();
    const scale = new Float64Array(hidden);
    const shift = new Float32Array(hidden);
    for (let j = 0; j < hidden; j++) {
      scale[j] = gamma[j]! / Math.sqrt(variance[j]! + bn.options.epsilon);
      shift[j] = beta[j]! - mean[j]! * scale[j]!;
    }
    const folded = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) folded[i] = w[i]! * scale[i % hidden]!;
    if (fc1.bias !== undefined) {
      const b = fc1.bias.dataSync();
      for (let j = 0; j < hidden; j++) shift[j] = shift[j]! + b[j]! * scale[j]!;
    }
    this.w1 = tf.tensor2d(folded, [fc1.inFeatures, hidden]);
    this.b1 = tf.tensor1d(shift);
    this.w2 = tf.clone(fc2.weight) as tf.Tensor2D;
    this.b2 = (fc2.bias === undefined ? tf.zeros([fc2.outFeatures]) : tf.clone(fc2.bias)) as tf.Tensor1D;
    this.channels = fc2.outFeatures;
  }

  /** x: the block input [N, H, W, C_in] -> host decisions (one device sync). */
  decide(x: tf.Tensor4D): GateDecision {
    const logits = tf.tidy(() => {
      const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D; // [N, C_in]
      const hidden = tf.fused.matMul({ a: pooled, b: this.w1, bias: this.b1, activation: 'relu' }); // [N, 16]
      return tf.fused.matMul({ a: hidden, b: this.w2, bias: this.b2 }); // [N, C]
    });
    const values = logits.dataSync() as Float32Array;
    logits.dispose();
    return decisionFromLogits(values, x.shape[0], this.channels);
  }

  dispose(): void {
    tf.dispose([this.w1, this.b1, this.w2, this.b2]);
  }
}

/** Host decisions 1[logit > 0] (thresholdGate) from logits [N, C] row-major. */
export function decisionFromLogits(logits: ArrayLike<number>, batch: number, channels: number): GateDecision {
  const mask = new Uint8Array(batch * channels);
  for (let i = 0; i < mask.length; i++) mask[i] = logits[i]! > 0 ? 1 : 0;
  return { batch, channels, mask };
}
