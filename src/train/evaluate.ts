// Evaluation with deterministic gates (1[logit > 0], BatchNorm running statistics; Bejnordi et al. section
// 3.1): task metrics (top-1/top-5 for classifiers; mIoU and pixel accuracy from a confusion matrix with the
// ignore label for segmentation), the task loss, per-sample dynamic MACs as a fraction of the dense network
// (dynamicMacs; mean and distribution), and how often each gated layer's gates are on.
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../data/batch_loader.js';
import { batchToTensors } from '../data/batch_tensors.js';
import { countMacs, dynamicMacsAsync } from '../models/macs.js';
import type { GatedModel } from '../models/model_types.js';
import { ConfusionMatrix } from './confusion_matrix.js';
import { adaptChannels, modelInputShape } from './input_adapter.js';
import { MacAccumulator, type MacDistribution } from './mac_stats.js';
import { taskLoss } from './train_step.js';

export interface EvalResult {
  task: 'classification' | 'segmentation';
  samples: number;
  /** Mean task loss (cross-entropy) per batch-weighted sample. */
  loss: number;
  /** Classification. */
  top1?: number;
  top5?: number;
  /** Segmentation. */
  meanIoU?: number;
  pixelAccuracy?: number;
  iou?: number[];
  macs: MacDistribution;
  /** Per gated layer (forward order): fraction of its gates on, over samples and channels. */
  gateOnRate: { name: string; rate: number }[];
  seconds: number;
}

export interface EvaluateOptions {
  /** Stop after this many samples (the last batch is cut). */
  maxSamples?: number | null;
  ignoreIndex?: number;
  /** Called after each batch with the samples done so far. */
  onBatch?: (done: number) => void;
  /** Gate on when its probability exceeds this (default 0.5, the paper's 1[logit > 0]). */
  gateThreshold?: number;
}

export async function evaluate(
  model: GatedModel,
  batches: AsyncIterable<Batch>,
  options: EvaluateOptions = {},
): Promise<EvalResult> {
  const started = performance.now();
  const channels = model.config.inputChannels;
  const ignoreIndex = options.ignoreIndex ?? 255;
  const max = options.maxSamples ?? Number.POSITIVE_INFINITY;
  const seg = model.config.task === 'segmentation';
  const confusion = seg ? new ConfusionMatrix(model.config.numClasses, ignoreIndex) : undefined;
  let macs: MacAccumulator | undefined;
  let inputShape: [number, number, number] | undefined;
  const gateNames = model.gateNames();
  const gateOn = new Float64Array(gateNames.length);
  const gateCount = new Float64Array(gateNames.length);
  let samples = 0;
  let lossSum = 0;
  let top1 = 0;
  let top5 = 0;
  for await (const batch of batches) {
    if (samples >= max) break;
    const take = Math.min(batch.size, max - samples);
    const t = batchToTensors(batch);
    const cut = <T extends tf.Tensor>(x: T | undefined): T | undefined =>
      x === undefined || take === batch.size ? x : (tf.slice(x, 0, take) as T);
    const images = cut(t.images)!;
    const labels = cut(t.labels);
    const masks = cut(t.masks);
    inputShape ??= modelInputShape(batch.imageShape.slice(1), channels);
    macs ??= (() => {
      const dense = countMacs(model, inputShape);
      return new MacAccumulator(dense.main, dense.gates);
    })();
    const out = tf.tidy(() => {
      const x = adaptChannels(images, channels);
      const { logits, gates } = model.apply(x, {
        training: false,
        ...(options.gateThreshold === undefined ? {} : { gateThreshold: options.gateThreshold }),
      });
      const dev = labels !== undefined ? { images: x, labels } : { images: x, masks: masks! };
      const { ce } = taskLoss(logits, dev, ignoreIndex);
      const k = Math.min(5, model.config.numClasses);
      const extra: { top1?: tf.Tensor; topk?: tf.Tensor; pred?: tf.Tensor } = {};
      if (labels !== undefined) {
        const { indices } = tf.topk(logits, k); // [N, k]
        const hits = tf.cast(tf.equal(indices, tf.expandDims(labels, 1)), 'float32'); // [N, k]
        extra.top1 = tf.sum(tf.slice(hits, [0, 0], [-1, 1]));
        extra.topk = tf.sum(hits);
      } else {
        extra.pred = tf.argMax(logits, -1); // [N, H, W]
      }
      return { ce, masks: gates.map((g) => g.mask), ...extra } as {
        ce: tf.Scalar;
        masks: tf.Tensor2D[];
        top1?: tf.Tensor;
        topk?: tf.Tensor;
        pred?: tf.Tensor;
      };
    });
    const dyn = await dynamicMacsAsync(
      model,
      inputShape,
      out.masks.map((m, i) => ({ name: gateNames[i]!, mask: m })),
    );
    macs.add(dyn.total);
    for (let i = 0; i < out.masks.length; i++) {
      const on = tf.sum(out.masks[i]!);
      gateOn[i]! += (await on.data())[0]!;
      on.dispose();
      gateCount[i]! += out.masks[i]!.size;
    }
    lossSum += (await out.ce.data())[0]! * take;
    if (out.top1 !== undefined) {
      top1 += (await out.top1.data())[0]!;
      top5 += (await out.topk!.data())[0]!;
    }
    if (out.pred !== undefined) {
      confusion!.add(await masks!.data(), await out.pred.data());
    }
    tf.dispose(
      [out.ce, ...out.masks, out.top1, out.topk, out.pred].filter((x): x is tf.Tensor => x !== undefined),
    );
    tf.dispose(
      ([t.images, t.labels, t.masks, images, labels, masks] as (tf.Tensor | undefined)[]).filter(
        (x): x is tf.Tensor => x !== undefined,
      ),
    );
    samples += take;
    options.onBatch?.(samples);
  }
  if (samples === 0 || macs === undefined)
    throw new Error('evaluate: the evaluation data yielded no samples');
  const result: EvalResult = {
    task: seg ? 'segmentation' : 'classification',
    samples,
    loss: lossSum / samples,
    macs: macs.summary(),
    gateOnRate: gateNames.map((name, i) => ({ name, rate: gateOn[i]! / gateCount[i]! })),
    seconds: (performance.now() - started) / 1000,
  };
  if (seg) {
    result.meanIoU = confusion!.meanIoU();
    result.pixelAccuracy = confusion!.pixelAccuracy();
    result.iou = confusion!.iou();
  } else {
    result.top1 = top1 / samples;
    result.top5 = top5 / samples;
  }
  return result;
}
