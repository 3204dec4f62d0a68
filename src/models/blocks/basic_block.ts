// Gated BasicBlock (He et al. 2016; gating of Bejnordi et al. ICLR 2020, sec. 3.1):
//   h = ReLU(BN1(conv1(x)));  h = h * g  (g [N, C]: per sample, per channel; g from ChannelGate(x))
//   y = ReLU(BN2(conv2(h)) + shortcut(x))
// The shortcut is never gated. A closed gate removes one filter of conv1 and one input channel of conv2.
// Dilation (for the dilated PSPNet backbone) applies to both 3x3 convs, as in DRN / PSPNet's ResNets.
import * as tf from '@tensorflow/tfjs-core';
import { ChannelGate } from '../../gates/channel_gate.js';
import { applyChannelMask } from '../../gates/channel_mask.js';
import { BatchNorm } from '../../layers/batch_norm.js';
import { Conv2d } from '../../layers/conv2d.js';
import type { LayerCost, ShapeHWC } from '../../layers/layer_cost.js';
import type { Scope } from '../../layers/param_store.js';
import type { Shortcut as ShortcutKind } from '../model_types.js';
import type { BlockContext, BlockOptions } from './block_context.js';
import { Shortcut } from './shortcut.js';

export interface ResidualBlock {
  readonly outChannels: number;
  readonly gate?: ChannelGate;
  apply(x: tf.Tensor4D, ctx: BlockContext): tf.Tensor4D;
  describe(input: ShapeHWC, costs: LayerCost[]): ShapeHWC;
}

export interface BlockGeometry {
  inChannels: number;
  planes: number;
  stride: number;
  dilation: number;
  shortcut: ShortcutKind;
}

/** The block's ChannelGate: computed from the block input (inChannels), gating `gatedChannels`. */
export function createBlockGate(
  scope: Scope,
  inChannels: number,
  gatedChannels: number,
  opts: BlockOptions,
): ChannelGate {
  return new ChannelGate(scope.child('gate'), inChannels, gatedChannels, {
    hidden: opts.gateHidden,
    biasInit: opts.gateBiasInit,
    tau: opts.gateTau,
    bnMomentum: opts.bnMomentum,
    bnEpsilon: opts.bnEpsilon,
  });
}

/** Multiplies h [N, H, W, C] by the gate mask [N, C] of `gate` and records the gate. */
export function applyGate(gate: ChannelGate, x: tf.Tensor4D, h: tf.Tensor4D, ctx: BlockContext): tf.Tensor4D {
  const { gateProbs, gateMask, gateLogits } = gate.apply(x, {
    training: ctx.training,
    noise: ctx.noise,
    ...(ctx.gateThreshold === undefined ? {} : { threshold: ctx.gateThreshold }),
  });
  gateLogits.dispose();
  ctx.gates.push({ name: gate.name, probs: gateProbs, mask: gateMask });
  return applyChannelMask(h, gateMask); // [N, H, W, C] * [N, C] over channels
}

export class BasicBlock implements ResidualBlock {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm;
  readonly shortcut: Shortcut;
  readonly gate?: ChannelGate;
  readonly outChannels: number;

  constructor(scope: Scope, geo: BlockGeometry, opts: BlockOptions) {
    const { inChannels, planes, stride, dilation } = geo;
    const bn = { momentum: opts.bnMomentum, epsilon: opts.bnEpsilon };
    this.outChannels = planes;
    this.conv1 = new Conv2d(scope.child('conv1'), inChannels, planes, { kernel: 3, stride, dilation });
    this.bn1 = new BatchNorm(scope.child('bn1'), planes, bn);
    this.conv2 = new Conv2d(scope.child('conv2'), planes, planes, { kernel: 3, dilation });
    this.bn2 = new BatchNorm(scope.child('bn2'), planes, { ...bn, gammaInit: opts.zeroInitResidual ? 0 : 1 });
    this.shortcut = new Shortcut(scope, inChannels, planes, stride, geo.shortcut, bn);
    if (opts.gated) this.gate = createBlockGate(scope, inChannels, planes, opts);
  }

  apply(x: tf.Tensor4D, ctx: BlockContext): tf.Tensor4D {
    let h = tf.relu(this.bn1.apply(this.conv1.apply(x), ctx.training)) as tf.Tensor4D;
    if (this.gate !== undefined) h = applyGate(this.gate, x, h, ctx);
    const y = this.bn2.apply(this.conv2.apply(h), ctx.training);
    return tf.relu(tf.add(y, this.shortcut.apply(x, ctx.training))) as tf.Tensor4D;
  }

  describe(input: ShapeHWC, costs: LayerCost[]): ShapeHWC {
    const g = this.gate?.name;
    const h = this.conv1.describe(input, costs, g === undefined ? {} : { outGate: g });
    const out = this.conv2.describe(h, costs, g === undefined ? {} : { inGate: g });
    this.shortcut.describe(input, costs);
    if (this.gate !== undefined) costs.push(...this.gate.costs());
    return out;
  }
}
