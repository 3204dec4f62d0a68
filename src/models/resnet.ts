// ResNets for CIFAR (He et al. 2016, sec. 4.2: 3x3 stem, stages of 16/32/64 channels, 6n+2 layers) and
// ImageNet (torchvision resnet.py: 7x7 stem + max pool, stages of 64..512 channels, Bottleneck v1.5), with
// optional channel gating in every residual block (Bejnordi et al., ICLR 2020). One builder; the variants
// are rows of the registry table (registry.ts). Parameter names follow torchvision ('layer1.0.conv1.weight').
// Dilation (torchvision's replace_stride_with_dilation) serves the output-stride-8 PSPNet backbones.
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm } from '../layers/batch_norm.js';
import { Conv2d } from '../layers/conv2d.js';
import { Dense } from '../layers/dense.js';
import { convOutSize, type LayerCost, type ShapeHWC } from '../layers/layer_cost.js';
import type { Scope } from '../layers/param_store.js';
import { BasicBlock, type ResidualBlock } from './blocks/basic_block.js';
import type { BlockContext, BlockOptions } from './blocks/block_context.js';
import { Bottleneck } from './blocks/bottleneck.js';
import { ModelBase } from './model_base.js';
import type { ApplyOptions, GatePosition, GateRecord, ModelConfig, Shortcut } from './model_types.js';

export interface ResNetSpec {
  /** 'cifar': conv3x3(16) stem, stages 16/32/64; 'imagenet': conv7x7(64)/2 + maxpool/2, stages 64..512. */
  stem: 'cifar' | 'imagenet';
  block: 'basic' | 'bottleneck';
  /** Blocks per stage. */
  layers: number[];
}

const STAGE_PLANES = { cifar: [16, 32, 64], imagenet: [64, 128, 256, 512] } as const;

/** Channel count after the width multiplier (at least 1). */
export function scaled(channels: number, widthMultiplier: number): number {
  return Math.max(1, Math.round(channels * widthMultiplier));
}

/** What makeStage builds: `count` blocks of one kind, the first of which may change stride and width. */
interface StageSpec {
  block: ResNetSpec['block'];
  count: number;
  inChannels: number;
  /** Blocks' inner width (their output is planes * expansion). */
  planes: number;
  /** Stride of the first block (1 in a dilated stage). */
  stride: number;
  /** Dilation of the first block: the previous stage's, as torchvision keeps it for the block that dilates. */
  firstDilation: number;
  /** Dilation of the other blocks. */
  dilation: number;
  shortcut: Shortcut;
  blockOpts: BlockOptions;
  gatePosition: GatePosition;
}

/**
 * One residual stage (torchvision's `_make_layer`): blocks `<scope>.0` .. `<scope>.<count - 1>`; the first takes
 * the stride, the first dilation and the shortcut projection when the shape changes, the others keep shape.
 */
function makeStage(scope: Scope, spec: StageSpec): ResidualBlock[] {
  const blocks: ResidualBlock[] = [];
  let inChannels = spec.inChannels;
  for (let b = 0; b < spec.count; b++) {
    const geo = {
      inChannels,
      planes: spec.planes,
      stride: b === 0 ? spec.stride : 1,
      dilation: b === 0 ? spec.firstDilation : spec.dilation,
      shortcut: spec.shortcut,
    };
    const block =
      spec.block === 'basic'
        ? new BasicBlock(scope.child(b), geo, spec.blockOpts)
        : new Bottleneck(scope.child(b), geo, spec.blockOpts, spec.gatePosition);
    blocks.push(block);
    inChannels = block.outChannels;
  }
  return blocks;
}

/** Stem and residual stages; the classifier (ResNet) or a segmentation head (PSPNet) sits on top. */
export class ResNetBackbone {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly stages: ResidualBlock[][] = [];
  readonly outChannels: number;

  /** `dilateStages[i]` replaces stage i's stride by dilation (torchvision replace_stride_with_dilation). */
  constructor(
    scope: Scope,
    readonly spec: ResNetSpec,
    config: ModelConfig,
    dilateStages: boolean[] = [],
  ) {
    const planes = STAGE_PLANES[spec.stem];
    if (spec.layers.length !== planes.length) {
      throw new Error(
        `ResNetBackbone: a '${spec.stem}' ResNet has ${planes.length} stages; got ${spec.layers.length}`,
      );
    }
    const w = config.widthMultiplier;
    const bn = { momentum: config.bnMomentum, epsilon: config.bnEpsilon };
    let inChannels = scaled(planes[0]!, w);
    this.conv1 =
      spec.stem === 'cifar'
        ? new Conv2d(scope.child('conv1'), config.inputChannels, inChannels, { kernel: 3, stride: 1, pad: 1 })
        : new Conv2d(scope.child('conv1'), config.inputChannels, inChannels, {
            kernel: 7,
            stride: 2,
            pad: 3,
          });
    this.bn1 = new BatchNorm(scope.child('bn1'), inChannels, bn);
    const blockOpts: BlockOptions = {
      gated: config.gating === 'channel',
      gateBiasInit: config.gateBiasInit,
      gateHidden: config.gateHidden,
      gateTau: config.gateTau,
      bnMomentum: config.bnMomentum,
      bnEpsilon: config.bnEpsilon,
      zeroInitResidual: config.zeroInitResidual,
    };
    // Only the ImageNet family uses projection shortcuts unconditionally (torchvision).
    const shortcut = spec.stem === 'cifar' ? config.shortcut : 'B';
    let dilation = 1;
    spec.layers.forEach((count, s) => {
      let stride = s === 0 ? 1 : 2;
      const previousDilation = dilation;
      if (dilateStages[s] === true) {
        dilation *= stride;
        stride = 1;
      }
      const stage = makeStage(scope.child(`layer${s + 1}`), {
        block: spec.block,
        count,
        inChannels,
        planes: scaled(planes[s]!, w),
        stride,
        firstDilation: previousDilation,
        dilation,
        shortcut,
        blockOpts,
        gatePosition: config.gatePosition,
      });
      this.stages.push(stage);
      inChannels = stage.at(-1)?.outChannels ?? inChannels;
    });
    this.outChannels = inChannels;
  }

  /** x [N, H, W, 3] -> features [N, H/os, W/os, C]. */
  features(x: tf.Tensor4D, ctx: BlockContext): tf.Tensor4D {
    let h = tf.relu(this.bn1.apply(this.conv1.apply(x), ctx.training)) as tf.Tensor4D;
    if (this.spec.stem === 'imagenet') h = tf.maxPool(h, 3, 2, 1);
    for (const stage of this.stages) {
      for (const block of stage)
        h = inferenceTidy(ctx) ? this.blockFreeing(block, h, ctx) : block.apply(h, ctx);
    }
    return h;
  }

  /**
   * block.apply in its own tidy, keeping only its output and the gate records it adds, and freeing its input:
   * in inference nothing needs a block's intermediates later, so peak memory is a few activations rather
   * than the whole forward: a batch of 64 ResNet-34 images at 224x224 runs in 2.4 GiB of wasm heap
   * (bench/conditional.ts; the wasm32 heap ends at 4 GiB).
   */
  private blockFreeing(block: ResidualBlock, h: tf.Tensor4D, ctx: BlockContext): tf.Tensor4D {
    const start = ctx.gates.length;
    // Returning the new gate tensors (rather than tf.keep) hands them to the enclosing scope, as before.
    const { y } = tf.tidy(() => {
      const out = block.apply(h, ctx);
      return { y: out, gates: ctx.gates.slice(start).flatMap((g) => [g.probs, g.mask]) };
    });
    h.dispose();
    return y;
  }

  gateNames(): string[] {
    return this.stages.flat().flatMap((b) => (b.gate === undefined ? [] : [b.gate.name]));
  }

  describe(input: ShapeHWC, costs: LayerCost[]): ShapeHWC {
    let shape = this.conv1.describe(input, costs);
    if (this.spec.stem === 'imagenet') {
      shape = [convOutSize(shape[0], 3, 2, 1), convOutSize(shape[1], 3, 2, 1), shape[2]];
    }
    for (const stage of this.stages) for (const block of stage) shape = block.describe(shape, costs);
    return shape;
  }
}

/** Image classifier: backbone -> global average pool -> fc. */
export class ResNet extends ModelBase {
  readonly backbone: ResNetBackbone;
  readonly fc: Dense;

  constructor(spec: ResNetSpec, config: ModelConfig, materialize = true) {
    super(config, materialize);
    const root = this.store.scope('');
    this.backbone = new ResNetBackbone(root, spec, config);
    this.fc = new Dense(root.child('fc'), this.backbone.outChannels, config.numClasses);
  }

  protected forward(x: tf.Tensor4D, options: ApplyOptions, gates: GateRecord[]): tf.Tensor {
    const ctx: BlockContext = {
      training: options.training,
      noise: this.noise,
      gates,
      ...(options.gateThreshold === undefined ? {} : { gateThreshold: options.gateThreshold }),
    };
    return this.head(this.backbone.features(x, ctx));
  }

  /** The ungated head: features [N, h, w, C] -> logits [N, numClasses] (global average pool, fc). */
  head(features: tf.Tensor4D): tf.Tensor {
    return this.fc.apply(tf.mean(features, [1, 2]) as tf.Tensor2D);
  }

  gateNames(): string[] {
    return this.backbone.gateNames();
  }

  layerCosts(inputShape: ShapeHWC): LayerCost[] {
    this.checkInputShape(inputShape, `${this.config.name}.layerCosts`);
    const costs: LayerCost[] = [];
    this.backbone.describe(inputShape, costs);
    costs.push(this.fc.cost('main'));
    return costs;
  }
}

/** Inference outside any gradient recording: a block's intermediates can be freed as soon as it returns. */
function inferenceTidy(ctx: BlockContext): boolean {
  return !ctx.training && tf.engine().state.gradientDepth === 0;
}
