// Types shared by every model of the registry: options, the resolved JSON config, the forward output and the
// GatedModel interface (what training, losses, MAC counting and checkpoints rely on).
import type * as tf from '@tensorflow/tfjs-core';
import type { NoiseSource } from '../gates/noise_source.js';
import type { LayerCost, ShapeHWC } from '../layers/layer_cost.js';
import type { ApplyCheckpointOptions, ApplyCheckpointReport } from './checkpoint_apply.js';
import type { ModelName } from './registry.js';

export type Gating = 'channel' | 'none';
export type Task = 'classification' | 'segmentation';
/**
 * CIFAR shortcut when a stage changes shape. 'A' (He et al. 2016, CIFAR experiments; our default): stride-2
 * subsampling plus zero-padded channels, parameter-free, as in the 0.27M-parameter ResNet-20 the papers
 * report. 'B': 1x1 conv + BN projection (always used by the ImageNet models, as in torchvision).
 */
export type Shortcut = 'A' | 'B';
/** Bottleneck: which activation the gate multiplies: after conv1 (1x1, default) or after conv2 (3x3). */
export type GatePosition = 'conv1' | 'conv2';

// The options (their types, checks and defaults) are one zod schema in model_options.ts; the model names are
// the keys of the registry's table (registry.ts).
export type { ModelOptions } from './model_options.js';
export type { ModelName } from './registry.js';

/** The fully resolved, JSON-serialisable configuration a model was built from. */
export interface ModelConfig {
  name: ModelName;
  task: Task;
  gating: Gating;
  widthMultiplier: number;
  numClasses: number;
  gateBiasInit: number;
  gateHidden: number;
  gateTau: number;
  seed: number;
  shortcut: Shortcut;
  gatePosition: GatePosition;
  zeroInitResidual: boolean;
  bnMomentum: number;
  bnEpsilon: number;
  inputChannels: number;
  /** Backbone output stride (32 for classifiers, 8 for the dilated PSPNet backbones). */
  outputStride: number;
  dropout: number;
}

/** One gated block's gates for a batch. */
export interface GateRecord {
  /** Gate name, e.g. 'layer2.1.gate'. */
  name: string;
  /** [N, C] noise-free on-probabilities sigmoid(logits): what the batch-shaping and L0 losses consume. */
  probs: tf.Tensor2D;
  /** [N, C] the 0/1 gate that was applied (noisy straight-through in training, 1[logit > 0] in inference). */
  mask: tf.Tensor2D;
}

export interface ModelOutput {
  /** [N, numClasses] for classifiers; [N, H, W, numClasses] (input size) for segmentation. */
  logits: tf.Tensor;
  /** One record per gated block, in forward order; empty when gating is 'none'. */
  gates: GateRecord[];
}

export interface ApplyOptions {
  /**
   * true: gates draw logistic noise (straight-through hard gate), BatchNorm uses batch statistics and
   * updates its running averages, dropout is on. false: deterministic gates 1[logit > 0], running BN stats.
   */
  training: boolean;
  /**
   * Inference only: a gate is on when its noise-free probability exceeds this (default 0.5, the paper's
   * 1[logit > 0]); sweeping it trades accuracy for MACs in a trained model.
   */
  gateThreshold?: number;
}

export interface GatedModel {
  readonly config: ModelConfig;
  /** Source of gate and dropout noise; save `noise.state()` with a checkpoint to replay a run. */
  readonly noise: NoiseSource;
  /** x: [N, H, W, 3] (NHWC, float32). The caller owns (and disposes) every returned tensor. */
  apply(x: tf.Tensor4D, options: ApplyOptions): ModelOutput;
  /** Trainable parameters by hierarchical name (conv weights HWIO, dense weights [in, out]). */
  namedWeights(): Record<string, tf.Variable>;
  /** BatchNorm running statistics by hierarchical name. */
  namedBuffers(): Record<string, tf.Variable>;
  /**
   * Everything a checkpoint holds of the model: the weights and the BatchNorm statistics by name (the live
   * variables, not copies). `saveCheckpoint(path, { tensors: model.stateDict(), config: model.config })`.
   */
  stateDict(): Record<string, tf.Variable>;
  /**
   * Assigns `tensors` (a loaded checkpoint's `tensors`, another model's `stateDict()`) to the variables of the
   * same names. Every name, shape and dtype is checked before anything changes (applyCheckpoint); `strict:
   * false` tolerates missing and unexpected names. The tensors stay the caller's to dispose.
   */
  loadStateDict(tensors: Record<string, tf.Tensor>, options?: ApplyCheckpointOptions): ApplyCheckpointReport;
  /** Names of the gates, in forward order (as in ModelOutput.gates). */
  gateNames(): string[];
  /** Static per-layer MAC description for an input [H, W, C] (shape inference, no tensors). */
  layerCosts(inputShape: ShapeHWC): LayerCost[];
  /** Number of trainable parameters. */
  parameterCount(): number;
  dispose(): void;
}
