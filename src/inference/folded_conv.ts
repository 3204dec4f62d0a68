// A convolution with its following inference-mode BatchNorm folded in (W' = W * s, b' = beta - mean * s,
// s = gamma / sqrt(var + eps), per output channel), plus the channel subsets conditional inference needs:
// the filters of some output channels (for the gated conv) and the slices of some input channels (for the
// conv after the gate). Not from a paper; standard inference-time BN folding (e.g. TensorRT, ONNX Runtime).
// The fold is computed in float64 on the host from the model's current weights: a snapshot, recompile after
// training further. Where the backend has a kernel for it (wasm: BatchShapingGatherChannels) channels are gathered
// where the weight lives; elsewhere, and for the 'matmul' layout, from a host copy of the folded weight (JS
// typed-array copies were 4-10x faster than tf.gather on the wasm backend, a generic strided loop, for a
// [3,3,512,512] weight).
// Two layouts of a (gathered) weight, two ways to run it: HWIO [kh, kw, Cin, Cout] runs as tfjs's conv2d;
// rows [Cout, kh*kw*Cin] (OHWI flattened) run as that matrix times the input's patches (im2col.ts), for maps
// so small that packing the patches costs less than packing the weights (skip_policy.ts, 'lowering').
// A gathered set of output channels can be padded with zero filters to a width the wasm backend's direct conv
// takes, and a conv can run on the backend's direct conv kernel with its bias and ReLU ('direct'): on wasm that
// conv packs nothing.
import * as tf from '@tensorflow/tfjs-core';
import type { BatchNorm } from '../layers/batch_norm.js';
import type { Conv2d } from '../layers/conv2d.js';
import { convOutSize } from '../layers/layer_cost.js';
import { gatherBuffer } from './gather_buffer.js';
import { type HostReader, syncReader } from './host_reader.js';
import { im2colTransposed } from './im2col.js';

/** How a conv runs: tfjs's conv2d on an HWIO weight, or a matmul of a rows weight with im2col patches. */
/**
 * Optional backend kernel (inputs x, filter; Conv2D's attributes) for a conv whose weights are new at every call
 * (gathered per gate pattern): it computes without packing them. The wasm backend registers one
 * (src/backend/wasm/conv2d.ts: our SIMD direct conv, split over its threads); elsewhere tf.conv2d runs.
 */
const DIRECT_CONV2D_KERNEL = 'BatchShapingDirectConv2D';

/** Whether the active backend has DIRECT_CONV2D_KERNEL. */
export function hasDirectConv2D(): boolean {
  return tf.getKernel(DIRECT_CONV2D_KERNEL, tf.getBackend()) !== undefined;
}

/**
 * Optional backend kernel (inputs x: a weight [..., Cin, Cout], indices: int32 [k]; attrs axis 'out' | 'in',
 * width, packed, source 'hwio' | 'ohwi') gathering channels where the weight lives: 'out' the output channels,
 * zero-padded to `width`; 'in' the input channels; from source 'ohwi' (x [Cout, kh, kw, Cin]) packed output
 * channels. The wasm backend registers one (src/backend/wasm/gather_channels.ts); elsewhere the host copy is
 * gathered and uploaded.
 */
const GATHER_CHANNELS_KERNEL = 'BatchShapingGatherChannels';

function hasGatherChannels(): boolean {
  return tf.getKernel(GATHER_CHANNELS_KERNEL, tf.getBackend()) !== undefined;
}

/**
 * Whether gathered weights with `outChannels` output channels can be written packed per 16 of them for
 * DIRECT_CONV2D_KERNEL ([Cout/16, kh, kw, Cin, 16]: the direct conv then streams each block's filter in order
 * instead of reading the HWIO filter 4 * Cout bytes apart; the wasm backend has both kernels).
 */
function packable(outChannels: number): boolean {
  return outChannels % 16 === 0 && hasGatherChannels() && hasDirectConv2D();
}

function gatherOnBackend(
  weight: tf.Tensor,
  idx: Int32Array,
  axis: 'out' | 'in',
  width: number,
  packed: boolean,
  source: 'hwio' | 'ohwi' = 'hwio',
): tf.Tensor {
  const indices = tf.tensor1d(idx, 'int32');
  const attrs = { axis, width, packed, source };
  const out = tf.engine().runKernel(GATHER_CHANNELS_KERNEL, { x: weight, indices }, attrs) as tf.Tensor;
  indices.dispose();
  return out;
}

export type Lowering = 'conv' | 'matmul';

/** Folded weight and bias tensors of one conv; the holder disposes them. */
export interface ConvParams {
  /**
   * [kh, kw, Cin, Cout] (HWIO: runs as a conv), [Cout, kh*kw*Cin] (rows: runs as a matmul) or, gathered for the
   * direct conv, [Cout/16, kh, kw, Cin, 16] (packed: runs as DIRECT_CONV2D_KERNEL).
   */
  weight: tf.Tensor4D | tf.Tensor2D | tf.Tensor5D;
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
  /** Host copy as rows [Cout, kh*kw*Cin] (OHWI), made on first use by the matmul lowering. */
  private hostRows?: Float32Array;
  /** The weight in OHWI on the backend, made on the first packed output-channel gather. */
  private ohwiWeight?: tf.Tensor4D;

  /** `read` brings the weights to the host (default: synchronously; compileConditionalAsync reads beforehand). */
  constructor(conv: Conv2d, bn: BatchNorm | undefined, read: HostReader = syncReader) {
    this.kernel = conv.kernel;
    this.stride = conv.stride;
    this.pad = conv.pad;
    this.dilation = conv.dilation;
    this.inChannels = conv.inChannels;
    this.outChannels = conv.outChannels;
    this.name = conv.name;
    const cout = conv.outChannels;
    const w = read(conv.weight); // [kh, kw, Cin, Cout]
    const convBias = conv.bias === undefined ? new Float32Array(cout) : read(conv.bias);
    const scale = new Float64Array(cout).fill(1);
    const shift = new Float64Array(cout);
    if (bn !== undefined) {
      const gamma = read(bn.gamma);
      const beta = read(bn.beta);
      const mean = read(bn.runningMean);
      const variance = read(bn.runningVar);
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

  /** Output height and width for an input of h x w. */
  outSize(h: number, w: number): [number, number] {
    const { kernel, stride, pad, dilation } = this;
    return [convOutSize(h, kernel, stride, pad, dilation), convOutSize(w, kernel, stride, pad, dilation)];
  }

  /** Number of weights per output channel (kh * kw * Cin) and per input channel (kh * kw * Cout). */
  get weightsPerOutChannel(): number {
    return this.kernel * this.kernel * this.inChannels;
  }

  get weightsPerInChannel(): number {
    return this.kernel * this.kernel * this.outChannels;
  }

  /**
   * x [N, H, W, Cin'] -> [N, H', W', Cout'] with the given (possibly gathered) parameters. A packed weight, or
   * `direct` where the backend has DIRECT_CONV2D_KERNEL: that kernel (our SIMD direct conv on wasm, which packs
   * nothing: weights new per gate pattern), bias and ReLU included; else the fused conv (XNNPACK packs the weight
   * once per tensor). `residual` (shaped as the output): relu(conv + bias + residual) when `relu`, a residual
   * block's output, added in the direct kernel's store; elsewhere by separate ops.
   */
  run(x: tf.Tensor4D, p: ConvParams, relu: boolean, direct = false, residual?: tf.Tensor4D): tf.Tensor4D {
    const rank = p.weight.rank;
    if (rank === 5 || (rank === 4 && direct && hasDirectConv2D())) {
      return this.runDirect(x, p.weight as tf.Tensor4D | tf.Tensor5D, p.bias, relu, residual);
    }
    if (residual !== undefined) {
      return tf.tidy(() => {
        const y = tf.add(this.run(x, p, false, direct), residual) as tf.Tensor4D;
        return relu ? tf.relu(y) : y;
      });
    }
    if (rank === 2) return this.runMatmul(x, p.weight as tf.Tensor2D, p.bias, relu);
    return tf.fused.conv2d({
      x,
      filter: p.weight as tf.Tensor4D,
      strides: this.stride,
      pad: this.pad,
      dilations: this.dilation,
      bias: p.bias,
      activation: relu ? 'relu' : 'linear',
    });
  }

  /**
   * x [N, H, W, Cin'] -> [N, H', W', Cout'] without bias or activation: one term of a sum over input-channel
   * groups (conditional_block.ts adds the terms and the bias goes with one of them).
   */
  runPartial(x: tf.Tensor4D, weight: tf.Tensor4D | tf.Tensor2D | tf.Tensor5D, direct = false): tf.Tensor4D {
    if (weight.rank === 2) return this.runMatmul(x, weight as tf.Tensor2D, undefined, false);
    if (weight.rank === 5 || (direct && hasDirectConv2D())) {
      return this.runDirect(x, weight as tf.Tensor4D | tf.Tensor5D, undefined, false);
    }
    return tf.conv2d(x, weight as tf.Tensor4D, this.stride, this.pad, 'NHWC', this.dilation);
  }

  /**
   * DIRECT_CONV2D_KERNEL, with the bias, residual and ReLU in the conv where the backend can (a packed filter on
   * wasm).
   */
  private runDirect(
    x: tf.Tensor4D,
    filter: tf.Tensor4D | tf.Tensor5D,
    bias: tf.Tensor1D | undefined,
    relu: boolean,
    residual?: tf.Tensor4D,
  ): tf.Tensor4D {
    const inputs: tf.NamedTensorMap = { x, filter };
    if (bias !== undefined) inputs.bias = bias;
    if (residual !== undefined) inputs.residual = residual;
    return tf.engine().runKernel(DIRECT_CONV2D_KERNEL, inputs, {
      strides: this.stride,
      pad: this.pad,
      dataFormat: 'NHWC',
      dilations: this.dilation,
      activation: relu ? 'relu' : 'linear',
    }) as tf.Tensor4D;
  }

  /**
   * The conv as rows [Cout', kh*kw*Cin'] x patches [kh*kw*Cin', N*H'*W'] (the patches made on the host), then
   * back to NHWC. The weights are the product's left operand, which XNNPACK does not pack.
   */
  private runMatmul(
    x: tf.Tensor4D,
    rows: tf.Tensor2D,
    bias: tf.Tensor1D | undefined,
    relu: boolean,
  ): tf.Tensor4D {
    return tf.tidy(() => {
      const [n, h, w, c] = x.shape;
      const backend = tf.getBackend();
      const p = im2colTransposed(x.dataSync() as Float32Array, [n, h, w, c], this, (length) =>
        gatherBuffer(length, backend),
      );
      if (p.rows !== rows.shape[1]) {
        throw new Error(
          `FoldedConv '${this.name}': rows weight [${rows.shape}] does not fit ${c} input channels`,
        );
      }
      const yT = tf.matMul(rows, tf.tensor2d(p.data, [p.rows, p.cols])); // [Cout', N*H'*W']
      const t = tf.transpose(yT); // [N*H'*W', Cout']
      const y = bias === undefined ? t : tf.add(t, bias);
      const out = relu ? tf.relu(y) : y;
      return tf.reshape(out, [n, p.outH, p.outW, rows.shape[0]]) as tf.Tensor4D;
    });
  }

  /** The host weight as rows [Cout, kh*kw*Cin] (OHWI), built once. */
  private rowsWeight(): Float32Array {
    if (this.hostRows === undefined) {
      const cout = this.outChannels;
      const per = this.weightsPerOutChannel;
      const src = this.hostWeight;
      const rows = new Float32Array(src.length);
      for (let r = 0; r < per; r++) for (let o = 0; o < cout; o++) rows[o * per + r] = src[r * cout + o]!;
      this.hostRows = rows;
    }
    return this.hostRows;
  }

  /**
   * Filters and biases of output channels `idx` (sorted): weight [kh, kw, Cin, width] for 'conv',
   * [k, kh*kw*Cin] for 'matmul'; bias [width]. `width` >= k (default k, 'conv' only): channels k.. are zero
   * filters with zero bias (a padded subset for the direct conv; ReLU keeps them 0). `packed` (for the direct
   * conv): [width/16, kh, kw, Cin, 16] where the backend gathers and runs that layout (packable).
   */
  outSubset(idx: Int32Array, lowering: Lowering = 'conv', width = idx.length, packed = false): ConvParams {
    const k = idx.length;
    checkWidth(this.name, 'outSubset', k, width, lowering);
    const per = this.weightsPerOutChannel;
    const b = new Float32Array(width);
    for (let j = 0; j < k; j++) b[j] = this.hostBias[idx[j]!]!;
    const bias = tf.tensor1d(b);
    const w = gatherBuffer(per * width, tf.getBackend());
    if (lowering === 'matmul') {
      // Rows layout: one output channel's filter is contiguous, so each is one memcpy.
      const src = this.rowsWeight();
      for (let j = 0; j < k; j++) w.set(src.subarray(idx[j]! * per, (idx[j]! + 1) * per), j * per);
      return { weight: tf.tensor2d(w, [k, per]), bias };
    }
    if (packed && packable(width)) {
      // From the OHWI copy: reads only the open channels' filters, where the HWIO weight is read whole. Made on
      // the backend from the folded weight (no host copy); kept: the caller may run inside tf.tidy, and the copy
      // lives as long as this conv.
      this.ohwiWeight ??= tf.keep(tf.transpose(this.params.weight, [3, 0, 1, 2]) as tf.Tensor4D);
      const weight = gatherOnBackend(this.ohwiWeight, idx, 'out', width, true, 'ohwi') as tf.Tensor5D;
      return { weight, bias };
    }
    if (hasGatherChannels()) {
      const weight = gatherOnBackend(this.params.weight, idx, 'out', width, false);
      return { weight: weight as tf.Tensor4D, bias };
    }
    const cout = this.outChannels;
    const src = this.hostWeight;
    for (let r = 0; r < per; r++) {
      const s = r * cout;
      const d = r * width;
      for (let j = 0; j < k; j++) w[d + j] = src[s + idx[j]!]!;
      for (let j = k; j < width; j++) w[d + j] = 0;
    }
    return { weight: tf.tensor4d(w, [this.kernel, this.kernel, this.inChannels, width]), bias };
  }

  /**
   * Slices of input channels `idx` (sorted): weight [kh, kw, k, Cout] for 'conv', [Cout, kh*kw*k] for
   * 'matmul'; the bias is the full one (shared). `packed` (for the direct conv): [Cout/16, kh, kw, k, 16] where
   * packable.
   */
  inSubsetWeight(
    idx: Int32Array,
    lowering: Lowering = 'conv',
    packed = false,
  ): tf.Tensor4D | tf.Tensor2D | tf.Tensor5D {
    const cin = this.inChannels;
    const cout = this.outChannels;
    const k = idx.length;
    const taps = this.kernel * this.kernel;
    const w = gatherBuffer(taps * k * cout, tf.getBackend());
    if (lowering === 'matmul') {
      const src = this.rowsWeight(); // [Cout, taps, Cin]
      for (let o = 0; o < cout; o++) {
        for (let t = 0; t < taps; t++) {
          const s = (o * taps + t) * cin;
          const d = (o * taps + t) * k;
          for (let j = 0; j < k; j++) w[d + j] = src[s + idx[j]!]!;
        }
      }
      return tf.tensor2d(w, [cout, taps * k]);
    }
    if (hasGatherChannels()) {
      const pack = packed && packable(cout);
      return gatherOnBackend(this.params.weight, idx, 'in', k, pack) as tf.Tensor4D | tf.Tensor5D;
    }
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
    tf.dispose([this.params.weight, this.params.bias, ...(this.ohwiWeight ? [this.ohwiWeight] : [])]);
  }
}

function checkWidth(name: string, fn: string, k: number, width: number, lowering: Lowering): void {
  if (!Number.isInteger(width) || width < k || (width > k && lowering !== 'conv')) {
    throw new Error(
      `FoldedConv '${name}': ${fn} width must be an integer >= the ${k} channels ('conv' lowering only when larger); got ${width} ('${lowering}')`,
    );
  }
}
