// A convolution with its following inference-mode BatchNorm folded in (W' = W * s, b' = beta - mean * s,
// s = gamma / sqrt(var + eps), per output channel), plus the channel subsets conditional inference needs:
// the filters of some output channels (for the gated conv) and the slices of some input channels (for the
// conv after the gate). Not from a paper; standard inference-time BN folding (e.g. TensorRT, ONNX Runtime).
// The fold is computed in float64 on the host from the model's current weights: a snapshot, recompile after
// training further. A host copy of the folded weight is kept because gathering channels with JS typed-array
// copies was 4-10x faster than tf.gather on the wasm backend (a generic strided loop) for a [3,3,512,512]
// weight, and works the same on every backend.
import * as tf from '@tensorflow/tfjs-core';
import type { BatchNorm, Conv2d } from '../layers/index.js';

/** Folded weight and bias tensors of one conv; the holder disposes them. */
export interface ConvParams {
  weight: tf.Tensor4D; // [kh, kw, Cin, Cout]
  bias: tf.Tensor1D; // [Cout]
}

export class FoldedConv {
  readonly kernel: number;
  readonly stride: number;
  readonly pad: number;
  readonly dilation: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly name: string;
  /** Full folded parameters (kept alive: XNNPACK caches its packed operator per weight tensor). */
  readonly params: ConvParams;
  /** Host copy of the folded weight, HWIO [kh, kw, Cin, Cout] row-major. */
  private readonly hostWeight: Float32Array;
  private readonly hostBias: Float32Array;

  constructor(conv: Conv2d, bn: BatchNorm | undefined) {
    this.kernel = conv.kernel;
    this.stride = conv.stride;
    this.pad = conv.pad;
    this.dilation = conv.dilation;
    this.inChannels = conv.inChannels;
    this.outChannels = conv.outChannels;
    this.name = conv.name;
    const cout = conv.outChannels;
    const w = conv.weight.dataSync() as Float32Array; // [kh, kw, Cin, Cout]
    const convBias = conv.bias?.dataSync() ?? new Float32Array(cout);
    const scale = new Float64Array(cout).fill(1);
    const shift = new Float64Array(cout);
    if (bn !== undefined) {
      const gamma = bn.gamma.dataSync();
      const beta = bn.beta.dataSync();
      const mean = bn.runningMean.dataSync();
      const variance = bn.runningVar.dataSync();
      for (let c = 0; c < cout; c++) {
        scale[c] = gamma[c]! / Math.sqrt(variance[c]! + bn.options.epsilon);
        shift[c] = beta[c]! - mean[c]! * scale[c]!;
      }
    }
    this.hostWeight = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) this.hostWeight[i] = w[i]! * scale[i % cout]!;
    this.hostBias = new Float32Array(cout);
    for (let c = 0; c < cout; c++) this.hostBias[c] = convBias[c]! * scale[c]! + shift[c]!;
    this.params = {
      weight: tf.tensor4d(this.hostWeight, [this.kernel, this.kernel, this.inChannels, cout]),
      bias: tf.tensor1d(this.hostBias),
    };
  }

  /** Number of weights per output channel (kh * kw * Cin) and per input channel (kh * kw * Cout). */
  get weightsPerOutChannel(): number {
    return this.kernel * this.kernel * this.inChannels;
  }

  get weightsPerInChannel(): number {
    return this.kernel * this.kernel * this.outChannels;
  }

  /** x [N, H, W, Cin'] -> [N, H', W', Cout'] with the given (possibly gathered) parameters. */
  run(x: tf.Tensor4D, p: ConvParams, relu: boolean): tf.Tensor4D {
    return tf.fused.conv2d({
      x,
      filter: p.weight,
      strides: this.stride,
      pad: this.pad,
      dilations: this.dilation,
      bias: p.bias,
      activation: relu ? 'relu' : 'linear',
    });
  }

  /** Filters and biases of output channels `idx` (sorted): weight [kh, kw, Cin, k], bias [k]. */
  outSubset(idx: Int32Array): ConvParams {
    const cout = this.outChannels;
    const k = idx.length;
    const rows = this.kernel * this.kernel * this.inChannels;
    const w = new Float32Array(rows * k);
    const src = this.hostWeight;
    for (let r = 0; r < rows; r++) {
      const s = r * cout;
      const d = r * k;
      for (let j = 0; j < k; j++) w[d + j] = src[s + idx[j]!]!;
    }
    const b = new Float32Array(k);
    for (let j = 0; j < k; j++) b[j] = this.hostBias[idx[j]!]!;
    return {
      weight: tf.tensor4d(w, [this.kernel, this.kernel, this.inChannels, k]),
      bias: tf.tensor1d(b),
    };
  }

  /** Slices of input channels `idx` (sorted): weight [kh, kw, k, Cout]; the bias is the full one (shared). */
  inSubsetWeight(idx: Int32Array): tf.Tensor4D {
    const cin = this.inChannels;
    const cout = this.outChannels;
    const k = idx.length;
    const taps = this.kernel * this.kernel;
    const w = new Float32Array(taps * k * cout);
    const src = this.hostWeight;
    // HWIO: the Cout weights of one (tap, input channel) are contiguous, so each is one memcpy.
    for (let t = 0; t < taps; t++) {
      for (let j = 0; j < k; j++) {
        const s = (t * cin + idx[j]!) * cout;
        w.set(src.subarray(s, s + cout), (t * k + j) * cout);
      }
    }
    return tf.tensor4d(w, [this.kernel, this.kernel, k, cout]);
  }

  /** Folded bias as a host array (for the all-gates-closed shortcut of a block). */
  biasValues(): Float32Array {
    return this.hostBias;
  }

  dispose(): void {
    tf.dispose([this.params.weight, this.params.bias]);
  }
}
