// Residual shortcut: identity, option A (subsample + zero-pad channels; He et al. 2016 CIFAR) or option B
// (1x1 conv + BN projection, named downsample.0 / downsample.1 as in torchvision). Never gated.
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm } from '../../layers/batch_norm.js';
import { Conv2d } from '../../layers/conv2d.js';
import type { LayerCost, ShapeHWC } from '../../layers/layer_cost.js';
import type { Scope } from '../../layers/param_store.js';
import type { Shortcut as ShortcutKind } from '../model_types.js';

export class Shortcut {
  readonly conv?: Conv2d;
  readonly bn?: BatchNorm;
  readonly kind: 'identity' | ShortcutKind;

  constructor(
    scope: Scope,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly stride: number,
    kind: ShortcutKind,
    bn: { momentum: number; epsilon: number },
  ) {
    this.kind = stride === 1 && inChannels === outChannels ? 'identity' : kind;
    if (this.kind === 'A' && outChannels < inChannels) {
      throw new Error(
        `Shortcut '${scope.prefix}': option A cannot reduce channels ${inChannels} -> ${outChannels}`,
      );
    }
    if (this.kind === 'B') {
      const ds = scope.child('downsample');
      this.conv = new Conv2d(ds.child(0), inChannels, outChannels, { kernel: 1, stride, pad: 0 });
      this.bn = new BatchNorm(ds.child(1), outChannels, bn);
    }
  }

  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    if (this.kind === 'identity') return x;
    if (this.kind === 'B') return this.bn!.apply(this.conv!.apply(x), training) as tf.Tensor4D;
    return shortcutA(x, this.stride, this.inChannels, this.outChannels);
  }

  describe(input: ShapeHWC, costs: LayerCost[]): ShapeHWC {
    if (this.kind === 'B') return this.conv!.describe(input, costs);
    if (this.kind === 'identity') return input;
    const s = this.stride;
    return [Math.ceil(input[0] / s), Math.ceil(input[1] / s), this.outChannels];
  }
}

/**
 * He et al.'s option A shortcut: x[:, ::s, ::s, :] then zero channels on both sides up to `outChannels`.
 * A 1x1 average pool with stride s is the strided subsample with a gradient (StridedSlice has none).
 */
export function shortcutA(
  x: tf.Tensor4D,
  stride: number,
  inChannels: number,
  outChannels: number,
): tf.Tensor4D {
  const sub = stride === 1 ? x : tf.avgPool(x, 1, stride, 'valid'); // [N, ceil(H/s), ceil(W/s), C_in]
  const extra = outChannels - inChannels;
  const left = Math.floor(extra / 2);
  return tf.pad(sub, [
    [0, 0],
    [0, 0],
    [0, 0],
    [left, extra - left],
  ]); // [N, H', W', C_out]
}
