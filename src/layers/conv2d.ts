// 2-D convolution layer, NHWC input, HWIO weight [kh, kw, in, out], PyTorch-style symmetric zero padding
// (so strided convs line up with torchvision's, unlike tfjs 'same'), optional bias, optional dilation.
// tfjs has no gradient for dilated conv2d; a dilated conv is run as space-to-batch -> dense conv ->
// batch-to-space (the atrous algorithm TensorFlow itself uses), whose pieces all have gradients.
import * as tf from '@tensorflow/tfjs-core';
import { kaimingNormalFanOut, linearUniform } from './initializers.js';
import { convOutSize, type LayerCost, type ShapeHWC } from './layer_cost.js';
import type { Scope } from './param_store.js';

export interface Conv2dOptions {
  kernel: number;
  stride?: number;
  /** Symmetric zero padding; default dilation * (kernel - 1) / 2 ("same" for odd kernels at stride 1). */
  pad?: number;
  dilation?: number;
  bias?: boolean;
}

export class Conv2d {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: number;
  readonly dilation: number;
  readonly name: string;

  constructor(
    scope: Scope,
    readonly inChannels: number,
    readonly outChannels: number,
    options: Conv2dOptions,
  ) {
    this.kernel = options.kernel;
    this.stride = options.stride ?? 1;
    this.dilation = options.dilation ?? 1;
    this.pad = options.pad ?? (this.dilation * (this.kernel - 1)) / 2;
    if (this.dilation > 1 && this.stride !== 1) {
      throw new Error(`Conv2d: dilation ${this.dilation} needs stride 1; got stride ${this.stride}`);
    }
    this.name = scope.prefix;
    this.weight = scope.weight(
      'weight',
      [this.kernel, this.kernel, inChannels, outChannels],
      kaimingNormalFanOut,
    );
    if (options.bias === true) {
      this.bias = scope.weight('bias', [outChannels], linearUniform(inChannels * this.kernel * this.kernel));
    }
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    const w = this.weight as tf.Tensor4D;
    let y = this.dilation === 1 ? tf.conv2d(x, w, this.stride, this.pad) : this.atrous(x, w);
    if (this.bias !== undefined) y = tf.add(y, this.bias);
    return y;
  }

  /** Stride-1 dilated conv via space-to-batch; extra bottom/right padding makes H, W multiples of d. */
  private atrous(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
    const d = this.dilation;
    const p = this.pad;
    const [, h, wd] = x.shape;
    const hp = h + 2 * p;
    const wp = wd + 2 * p;
    const extraH = (d - (hp % d)) % d;
    const extraW = (d - (wp % d)) % d;
    const padded =
      p > 0
        ? tf.pad(x, [
            [0, 0],
            [p, p],
            [p, p],
            [0, 0],
          ])
        : x; // [N, H+2p, W+2p, C]
    const phases = tf.spaceToBatchND(
      padded,
      [d, d],
      [
        [0, extraH],
        [0, extraW],
      ],
    ) as tf.Tensor4D; // [N*d*d, (H+2p+extraH)/d, (W+2p+extraW)/d, C]
    const y = tf.conv2d(phases, w, 1, 'valid'); // [N*d*d, ., ., Cout]
    const outH = convOutSize(h, this.kernel, 1, p, d);
    const outW = convOutSize(wd, this.kernel, 1, p, d);
    const cropH = y.shape[1] * d - outH;
    const cropW = y.shape[2] * d - outW;
    return tf.batchToSpaceND(
      y,
      [d, d],
      [
        [0, cropH],
        [0, cropW],
      ],
    ) as tf.Tensor4D; // [N, outH, outW, Cout]
  }

  /** Output shape and MACs for an input of shape [H, W, C] (no tensors). */
  describe(
    input: ShapeHWC,
    costs: LayerCost[],
    gating: Pick<LayerCost, 'inGate' | 'outGate'> = {},
  ): ShapeHWC {
    const [h, w, c] = input;
    if (c !== this.inChannels) {
      throw new Error(`Conv2d '${this.name}': expected ${this.inChannels} input channels; got ${c}`);
    }
    const oh = convOutSize(h, this.kernel, this.stride, this.pad, this.dilation);
    const ow = convOutSize(w, this.kernel, this.stride, this.pad, this.dilation);
    costs.push({
      name: this.name,
      kind: 'conv',
      role: 'main',
      macs: oh * ow * this.kernel * this.kernel * this.inChannels * this.outChannels,
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      ...gating,
    });
    return [oh, ow, this.outChannels];
  }
}
