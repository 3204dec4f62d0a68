// Inference-mode ChannelGate (Bejnordi et al., ICLR 2020, sec. 3.1) in three ops instead of nine: global
// average pool -> fused matMul (fc1 with the gate's BN folded in) + ReLU -> fused matMul (fc2) + bias = gate
// logits; the decision 1[logit > 0] is taken on the host, where the block needs it to choose its weights.
// Same function as gates/ChannelGate.apply with training false, up to float32 rounding of the fold; a snapshot
// of the gate's weights at compile time.
import * as tf from '@tensorflow/tfjs-core';
import type { ChannelGate } from '../gates/channel_gate.js';
import type { GateDecision } from './gate_decision.js';
import { type HostReader, syncReader } from './host_reader.js';

export class FoldedGate {
  private readonly w1: tf.Tensor2D; // [C_in, hidden], BN scale folded
  private readonly b1: tf.Tensor1D; // [hidden], BN shift
  private readonly w2: tf.Tensor2D; // [hidden, C_gated]
  private readonly b2: tf.Tensor1D; // [C_gated]
  readonly channels: number;

  /** `read` brings the weights to the host (default: synchronously; compileConditionalAsync reads beforehand). */
  constructor(gate: ChannelGate, read: HostReader = syncReader) {
    const { fc1, bn, fc2 } = gate;
    const hidden = fc1.outFeatures;
    const w = read(fc1.weight); // [C_in, hidden]
    const gamma = read(bn.gamma);
    const beta = read(bn.beta);
    const mean = read(bn.runningMean);
    const variance = read(bn.runningVar);
    const scale = new Float64Array(hidden);
    const shift = new Float32Array(hidden);
    for (let j = 0; j < hidden; j++) {
      scale[j] = gamma[j]! / Math.sqrt(variance[j]! + bn.options.epsilon);
      shift[j] = beta[j]! - mean[j]! * scale[j]!;
    }
    const folded = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) folded[i] = w[i]! * scale[i % hidden]!;
    if (fc1.bias !== undefined) {
      const b = read(fc1.bias);
      for (let j = 0; j < hidden; j++) shift[j] = shift[j]! + b[j]! * scale[j]!;
    }
    this.w1 = tf.tensor2d(folded, [fc1.inFeatures, hidden]);
    this.b1 = tf.tensor1d(shift);
    this.w2 = tf.clone(fc2.weight) as tf.Tensor2D;
    this.b2 = (fc2.bias === undefined ? tf.zeros([fc2.outFeatures]) : tf.clone(fc2.bias)) as tf.Tensor1D;
    this.channels = fc2.outFeatures;
  }

  /** x: the block input [N, H, W, C_in] -> gate logits [N, C] (the caller disposes them). */
  logits(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D; // [N, C_in]
      const hidden = tf.fused.matMul({ a: pooled, b: this.w1, bias: this.b1, activation: 'relu' }); // [N, 16]
      return tf.fused.matMul({ a: hidden, b: this.w2, bias: this.b2 }) as tf.Tensor2D; // [N, C]
    });
  }

  /** x: the block input [N, H, W, C_in] -> host decisions (one synchronous device read). */
  decide(x: tf.Tensor4D): GateDecision {
    const logits = this.logits(x);
    const values = logits.dataSync() as Float32Array;
    logits.dispose();
    return decisionFromLogits(values, x.shape[0], this.channels);
  }

  /** decide with an asynchronous read (`await t.data()`): works on every backend. */
  async decideAsync(x: tf.Tensor4D): Promise<GateDecision> {
    const logits = this.logits(x);
    const values = (await logits.data()) as Float32Array;
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
