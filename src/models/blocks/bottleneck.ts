// Gated Bottleneck (ResNet v1.5 as torchvision: stride on the 3x3 conv):
//   h1 = ReLU(BN1(conv1 1x1(x)));  h2 = ReLU(BN2(conv2 3x3(h1)));  y = ReLU(BN3(conv3 1x1(h2)) + shortcut(x))
// Gate position (Bejnordi et al. gate the first 1x1's output): 'conv1' (default) multiplies h1, so a closed
// gate removes a filter of conv1 and an input channel of the 3x3 conv2; 'conv2' multiplies h2, removing a
// filter of conv2 and an input channel of conv3. The gate always sees the block input x.
import * as tf from '@tensorflow/tfjs-core';
import type { ChannelGate } from '../../gates/channel_gate.js';
import { BatchNorm } from '../../layers/batch_norm.js';
import { Conv2d } from '../../layers/conv2d.js';
import type { LayerCost, ShapeHWC } from '../../layers/layer_cost.js';
import type { Scope } from '../../layers/param_store.js';
import type { GatePosition } from '../model_types.js';
import { applyGate, type BlockGeometry, createBlockGate, type ResidualBlock } from './basic_block.js';
import type { BlockContext, BlockOptions } from './block_context.js';
import { Shortcut } from './shortcut.js';

export class Bottleneck implements ResidualBlock {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm;
  readonly shortcut: Shortcut;
  readonly gate?: ChannelGate;
  readonly outChannels: number;

  constructor(
    scope: Scope,
    geo: BlockGeometry,
    opts: BlockOptions,
    readonly gatePosition: GatePosition = 'conv1',
  ) {
    const { inChannels, planes, stride, dilation } = geo;
    const bn = { momentum: opts.bnMomentum, epsilon: opts.bnEpsilon };
    const width = planes;
    this.outChannels = planes * Bottleneck.expansion;
    this.conv1 = new Conv2d(scope.child('conv1'), inChannels, width, { kernel: 1, pad: 0 });
    this.bn1 = new BatchNorm(scope.child('bn1'), width, bn);
    this.conv2 = new Conv2d(scope.child('conv2'), width, width, { kernel: 3, stride, dilation });
    this.bn2 = new BatchNorm(scope.child('bn2'), width, bn);
    this.conv3 = new Conv2d(scope.child('conv3'), width, this.outChannels, { kernel: 1, pad: 0 });
    this.bn3 = new BatchNorm(scope.child('bn3'), this.outChannels, {
      ...bn,
      gammaInit: opts.zeroInitResidual ? 0 : 1,
    });
    this.shortcut = new Shortcut(scope, inChannels, this.outChannels, stride, geo.shortcut, bn);
    if (opts.gated) this.gate = createBlockGate(scope, inChannels, width, opts);
  }

  apply(x: tf.Tensor4D, ctx: BlockContext): tf.Tensor4D {
    const gate = this.gate;
    let h = tf.relu(this.bn1.apply(this.conv1.apply(x), ctx.training)) as tf.Tensor4D;
    if (gate !== undefined && this.gatePosition === 'conv1') h = applyGate(gate, x, h, ctx);
    h = tf.relu(this.bn2.apply(this.conv2.apply(h), ctx.training)) as tf.Tensor4D;
    if (gate !== undefined && this.gatePosition === 'conv2') h = applyGate(gate, x, h, ctx);
    const y = this.bn3.apply(this.conv3.apply(h), ctx.training);
    return tf.relu(tf.add(y, this.shortcut.apply(x, ctx.training))) as tf.Tensor4D;
  }

  describe(input: ShapeHWC, costs: LayerCost[]): ShapeHWC {
    const g = this.gate?.name;
    const at1 = this.gatePosition === 'conv1' ? g : undefined;
    const at2 = this.gatePosition === 'conv2' ? g : undefined;
    const h1 = this.conv1.describe(input, costs, at1 === undefined ? {} : { outGate: at1 });
    const h2 = this.conv2.describe(h1, costs, {
      ...(at1 !== undefined && { inGate: at1 }),
      ...(at2 !== undefined && { outGate: at2 }),
    });
    const out = this.conv3.describe(h2, costs, at2 === undefined ? {} : { inGate: at2 });
    this.shortcut.describe(input, costs);
    if (this.gate !== undefined) costs.push(...this.gate.costs());
    return out;
  }
}
