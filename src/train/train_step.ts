// One optimisation step of a gated network with the method's total loss (Bejnordi et al., ICLR 2020,
// section 3): task loss + gamma * batch-shaping + lambda * L0, over every gated layer's noise-free gate
// probabilities. The task loss is softmax cross-entropy for classifiers and per-pixel cross-entropy over the
// non-ignored pixels (label 255) for segmentation. The weights come from a LossSchedule (lossWeightsAt), so
// the step has no schedule logic. gatedLossGradients returns gradients by parameter name for our optimiser
// (optimizer.ts); trainStep keeps the simple form over any tf.Optimizer.
import * as tf from '@tensorflow/tfjs-core';
import { batchShapingLoss } from '../losses/batch_shaping_loss.js';
import type { GateLossReduction } from '../losses/gate_loss_reduction.js';
import { l0GateLoss } from '../losses/l0_gate_loss.js';
import type { GatedModel } from '../models/model_types.js';
import { Optimizer } from './optimizer.js';

export interface LossWeights {
  /** Batch-shaping weight. */
  gamma: number;
  /** L0 weight. */
  lambda: number;
}

/** The step's loss terms, as scalars the caller owns (read them when it wants to, not every step). */
export interface StepLosses {
  total: tf.Scalar;
  ce: tf.Scalar;
  bas: tf.Scalar;
  l0: tf.Scalar;
}

/** A batch on the device: classification labels or segmentation masks (255 = ignore). */
export interface DeviceBatch {
  /** [N, H, W, C] float32. */
  images: tf.Tensor4D;
  /** [N] int32 class indices (classification). */
  labels?: tf.Tensor1D;
  /** [N, H, W] int32 (segmentation). */
  masks?: tf.Tensor3D;
}

export interface StepOptions {
  weights: LossWeights;
  /** Per gated layer, the MAC cost of each channel (gateMacCosts): MAC-weighted L0. */
  l0MacWeights?: readonly number[][];
  /** Segmentation label to ignore (default 255). */
  ignoreIndex?: number;
  /** How the batch-shaping loss combines its per-gate terms (default 'sum'). */
  basReduction?: GateLossReduction;
  /** How the L0 loss combines its per-gate terms (default 'sum'). */
  l0Reduction?: GateLossReduction;
}

export interface StepResult extends StepLosses {
  /** Gradients by parameter name (model.namedWeights() keys); owned by the caller. */
  grads: Record<string, tf.Tensor>;
  /** Top-1 correct samples (classification) or correct non-ignored pixels (segmentation). */
  correct: tf.Scalar;
  /** Samples (classification) or non-ignored pixels (segmentation) that `correct` is out of. */
  counted: tf.Scalar;
  /** Fraction of gates on in this batch, over every gate of every layer (training-time hard gates). */
  gateOn: tf.Scalar;
}

/** The task loss and correct count for classification or segmentation logits. */
export function taskLoss(
  logits: tf.Tensor,
  batch: DeviceBatch,
  ignoreIndex = 255,
): { ce: tf.Scalar; correct: tf.Scalar; counted: tf.Scalar } {
  return tf.tidy(() => taskLossUntidied(logits, batch, ignoreIndex));
}

function taskLossUntidied(
  logits: tf.Tensor,
  batch: DeviceBatch,
  ignoreIndex: number,
): { ce: tf.Scalar; correct: tf.Scalar; counted: tf.Scalar } {
  const classes = logits.shape[logits.shape.length - 1]!;
  if (batch.labels !== undefined) {
    const oneHot = tf.oneHot(batch.labels, classes); // [N, K]
    const ce = tf.losses.softmaxCrossEntropy(oneHot, logits as tf.Tensor2D) as tf.Scalar;
    const pred = tf.argMax(logits, -1); // [N]
    const correct = tf.sum(tf.cast(tf.equal(pred, batch.labels), 'float32')) as tf.Scalar;
    return { ce, correct, counted: tf.scalar(batch.labels.shape[0], 'float32') };
  }
  if (batch.masks === undefined) throw new Error("taskLoss: argument 'batch' needs labels or masks");
  const [n, h, w] = batch.masks.shape;
  if (logits.rank !== 4 || logits.shape[1] !== h || logits.shape[2] !== w || logits.shape[0] !== n) {
    throw new Error(
      `taskLoss: segmentation logits must be [N, H, W, K] matching masks [${batch.masks.shape}]; got [${logits.shape}]`,
    );
  }
  const flatLogits = tf.reshape(logits, [n * h * w, classes]); // [N*H*W, K]
  const flatMask = tf.reshape(batch.masks, [n * h * w]); // [N*H*W]
  const valid = tf.notEqual(flatMask, ignoreIndex); // [N*H*W]
  const safe = tf.where(valid, flatMask, tf.zerosLike(flatMask)); // ignored pixels -> class 0, weight 0
  const validF = tf.cast(valid, 'float32');
  const counted = tf.maximum(tf.sum(validF), 1) as tf.Scalar;
  const logProbs = tf.logSoftmax(flatLogits); // [N*H*W, K]
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(safe, classes)), -1); // [N*H*W]
  const ce = tf.div(tf.neg(tf.sum(tf.mul(picked, validF))), counted) as tf.Scalar;
  const pred = tf.argMax(flatLogits, -1);
  const correct = tf.sum(tf.mul(tf.cast(tf.equal(pred, safe), 'float32'), validF)) as tf.Scalar;
  return { ce, correct, counted: tf.sum(validF) as tf.Scalar };
}

/**
 * Forward in training mode and backward through the total loss. Does not update the weights (BatchNorm
 * running statistics are updated by the forward pass). Every returned tensor is owned by the caller.
 */
export function gatedLossGradients(model: GatedModel, batch: DeviceBatch, options: StepOptions): StepResult {
  const { images } = batch;
  const n = images.shape[0];
  if (batch.labels !== undefined && batch.labels.shape[0] !== n) {
    throw new Error(`trainStep: 'labels' must have one entry per image (${n}); got ${batch.labels.shape[0]}`);
  }
  if (batch.masks !== undefined && batch.masks.shape[0] !== n) {
    throw new Error(`trainStep: 'masks' must have one entry per image (${n}); got ${batch.masks.shape[0]}`);
  }
  const named = model.namedWeights();
  const byVarName = new Map<string, string>();
  for (const [name, v] of Object.entries(named)) byVarName.set(v.name, name);
  let kept: Omit<StepResult, 'total' | 'grads'> | undefined;
  const { weights } = options;
  const { value, grads } = tf.variableGrads(() => {
    const { logits, gates } = model.apply(images, { training: true });
    const { ce, correct, counted } = taskLoss(logits, batch, options.ignoreIndex ?? 255);
    const probs = gates.map((g) => g.probs); // one [N, C] per gated block
    const bas =
      probs.length > 0
        ? batchShapingLoss(probs, { validate: false, reduction: options.basReduction ?? 'sum' })
        : tf.scalar(0);
    const l0 =
      probs.length > 0
        ? l0GateLoss(probs, {
            validate: false,
            reduction: options.l0Reduction ?? 'sum',
            ...(options.l0MacWeights ? { macWeights: options.l0MacWeights } : {}),
          })
        : tf.scalar(0);
    const gateOn =
      gates.length > 0
        ? (tf.div(
            tf.addN(gates.map((g) => tf.sum(g.mask))),
            gates.reduce((s, g) => s + g.mask.size, 0),
          ) as tf.Scalar)
        : tf.scalar(1);
    kept = {
      ce: tf.keep(ce),
      bas: tf.keep(bas),
      l0: tf.keep(l0),
      correct: tf.keep(correct),
      counted: tf.keep(counted),
      gateOn: tf.keep(gateOn),
    };
    return tf.addN([ce, tf.mul(bas, weights.gamma), tf.mul(l0, weights.lambda)]) as tf.Scalar;
  }, Object.values(named));
  const out: Record<string, tf.Tensor> = {};
  for (const [varName, g] of Object.entries(grads)) out[byVarName.get(varName) ?? varName] = g;
  return { total: value, grads: out, ...kept! };
}

/** Options of trainStep beyond the loss weights. */
export interface TrainStepOptions extends Omit<StepOptions, 'weights'> {
  /** Learning rate of this step: required with our Optimizer (a tf.Optimizer has its own). */
  lr?: number;
}

/**
 * Runs forward in training mode, backward through the method's total loss, and updates every trainable
 * weight with `optimizer`: our Optimizer (SGD/Adam/AdamW with parameter groups; pass `options.lr`) or any
 * tf.Optimizer. images: [N, H, W, C] float32; labels: [N] int32 class indices.
 */
export function trainStep(
  model: GatedModel,
  optimizer: Optimizer | tf.Optimizer,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  weights: LossWeights,
  options: TrainStepOptions = {},
): StepLosses {
  const { lr, ...stepOptions } = options;
  if (optimizer instanceof Optimizer && lr === undefined) {
    throw new Error("trainStep: option 'lr' is required with an Optimizer (the learning rate of this step)");
  }
  const r = gatedLossGradients(model, { images, labels }, { ...stepOptions, weights });
  if (optimizer instanceof Optimizer) optimizer.step(r.grads, lr!);
  else {
    const named = model.namedWeights();
    const byVar: Record<string, tf.Tensor> = {};
    for (const [name, g] of Object.entries(r.grads)) byVar[named[name]!.name] = g;
    optimizer.applyGradients(byVar);
  }
  tf.dispose([...Object.values(r.grads), r.correct, r.counted, r.gateOn]);
  return { total: r.total, ce: r.ce, bas: r.bas, l0: r.l0 };
}
