// PSPNet (Zhao et al., CVPR 2017) on a dilated, optionally channel-gated ResNet (Bejnordi et al. ICLR 2020,
// Cityscapes experiments). Backbone: torchvision ResNet with stages 3 and 4 dilated (output stride 8).
// Head: pyramid pooling over bins 1, 2, 3, 6 (adaptive avg pool -> 1x1 conv C -> C/4 -> BN -> ReLU ->
// bilinear back to the feature size), concat with the features, 3x3 conv -> 512 -> BN -> ReLU -> dropout
// -> 1x1 conv (bias) to classes -> bilinear upsampling to the input size.
// Differs from the original: torchvision's single 7x7 stem (not the deep 3x3 stem), no auxiliary head, and
// tfjs's legacy bilinear resize (alignCorners and halfPixelCenters false: source = dst * in/out, no half-pixel
// offset; torch's F.interpolate(align_corners=False) samples at (dst + 0.5) * in/out - 0.5, so the PyTorch twin
// reproduces the tfjs rule instead). Only the backbone blocks are gated.
import * as tf from '@tensorflow/tfjs-core';
import { adaptiveAvgPoolBins } from '../layers/adaptive_avg_pool.js';
import { BatchNorm } from '../layers/batch_norm.js';
import { Conv2d } from '../layers/conv2d.js';
import type { LayerCost, ShapeHWC } from '../layers/layer_cost.js';
import type { BlockContext } from './blocks/block_context.js';
import { ModelBase } from './model_base.js';
import type { ApplyOptions, GateRecord, ModelConfig } from './model_types.js';
import { ResNetBackbone, type ResNetSpec, scaled } from './resnet.js';

const PSP_BINS = [1, 2, 3, 6] as const;

interface ConvBn {
  conv: Conv2d;
  bn: BatchNorm;
}

export class PSPNet extends ModelBase {
  readonly backbone: ResNetBackbone;
  readonly ppm: ConvBn[];
  readonly bottleneck: ConvBn;
  readonly classifier: Conv2d;

  constructor(spec: ResNetSpec, config: ModelConfig, materialize = true) {
    super(config, materialize);
    if (spec.stem !== 'imagenet')
      throw new Error(`PSPNet: needs an ImageNet-style backbone; got '${spec.stem}'`);
    const root = this.store.scope('');
    this.backbone = new ResNetBackbone(root.child('backbone'), spec, config, [false, false, true, true]);
    const bn = { momentum: config.bnMomentum, epsilon: config.bnEpsilon };
    const c = this.backbone.outChannels;
    const reduced = Math.max(1, Math.round(c / PSP_BINS.length));
    this.ppm = PSP_BINS.map((_, i) => {
      const s = root.child('ppm').child(i);
      return {
        conv: new Conv2d(s.child('conv'), c, reduced, { kernel: 1, pad: 0 }),
        bn: new BatchNorm(s.child('bn'), reduced, bn),
      };
    });
    const headChannels = scaled(512, config.widthMultiplier);
    const b = root.child('bottleneck');
    this.bottleneck = {
      conv: new Conv2d(b.child('conv'), c + reduced * PSP_BINS.length, headChannels, { kernel: 3 }),
      bn: new BatchNorm(b.child('bn'), headChannels, bn),
    };
    this.classifier = new Conv2d(root.child('classifier'), headChannels, config.numClasses, {
      kernel: 1,
      pad: 0,
      bias: true,
    });
  }

  protected forward(x: tf.Tensor4D, options: ApplyOptions, gates: GateRecord[]): tf.Tensor {
    const { training } = options;
    const ctx: BlockContext = {
      training,
      noise: this.noise,
      gates,
      ...(options.gateThreshold === undefined ? {} : { gateThreshold: options.gateThreshold }),
    };
    const features = this.backbone.features(x, ctx); // [N, h, w, C], h = H/8
    return this.head(features, [x.shape[1], x.shape[2]], training);
  }

  /**
   * The ungated head: features [N, h, w, C] -> logits [N, H, W, classes] at the input size [H, W] (pyramid
   * pooling, bottleneck, dropout when training, classifier, bilinear upsampling).
   */
  head(features: tf.Tensor4D, inputSize: [number, number], training: boolean): tf.Tensor {
    const [, h, w] = features.shape;
    const pooled = adaptiveAvgPoolBins(features, PSP_BINS); // [N, b, b, C] per bin
    const branches = pooled.map((p, i) => {
      const { conv, bn } = this.ppm[i]!;
      const y = tf.relu(bn.apply(conv.apply(p), training)) as tf.Tensor4D; // [N, b, b, C/4]
      return tf.image.resizeBilinear(y, [h, w], false); // [N, h, w, C/4]
    });
    const cat = tf.concat([features, ...branches], 3); // [N, h, w, 2C]
    let y = tf.relu(this.bottleneck.bn.apply(this.bottleneck.conv.apply(cat), training)) as tf.Tensor4D;
    if (training && this.config.dropout > 0) {
      y = tf.dropout(y, this.config.dropout, undefined, this.noise.nextSeed()) as tf.Tensor4D;
    }
    const logits = this.classifier.apply(y); // [N, h, w, classes]
    return tf.image.resizeBilinear(logits, inputSize, false); // [N, H, W, classes]
  }

  gateNames(): string[] {
    return this.backbone.gateNames();
  }

  /** Conv MACs only: pooling and bilinear interpolation are not multiply-accumulates of a layer. */
  layerCosts(inputShape: ShapeHWC): LayerCost[] {
    this.checkInputShape(inputShape, `${this.config.name}.layerCosts`);
    const costs: LayerCost[] = [];
    const [h, w, c] = this.backbone.describe(inputShape, costs);
    let reducedTotal = 0;
    PSP_BINS.forEach((b, i) => {
      const [, , r] = this.ppm[i]!.conv.describe([b, b, c], costs);
      reducedTotal += r;
    });
    const mid = this.bottleneck.conv.describe([h, w, c + reducedTotal], costs);
    this.classifier.describe(mid, costs);
    return costs;
  }
}
