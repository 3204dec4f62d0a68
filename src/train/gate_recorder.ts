// The gate recorder: runs a gated model in inference mode (deterministic gates 1[logit > 0], running BN
// statistics) over a dataset's batches and keeps, per sample, id, label, prediction, confidence, loss, the
// gates on per layer, the packed gate masks, the noise-free gate probabilities, the synthetic difficulty
// when the dataset has it, and the sample's dynamic MACs (dynamicMacs: a closed gate removes its filter and
// the next conv's input channel). The result is the analysis module's GateRecords, optionally written as
// one Arrow IPC file (atomically). Not in the paper's code, which only reports aggregate MACs; this is
// what the per-sample analysis (src/analysis, the notebooks, `batch-shaping analyze`) reads.
// Classification models only: a segmentation record would need per-pixel outcomes.
import * as tf from '@tensorflow/tfjs-core';
import { packGateBits } from '../analysis/gate_bits.js';
import {
  GATE_RECORDS_VERSION,
  type GateRecords,
  type GateRecordsMeta,
  maskBytes,
} from '../analysis/gate_records.js';
import { writeGateRecords } from '../analysis/gate_records_arrow.js';
import { concatTypedArrays } from '../analysis/typed_arrays.js';
import type { Batch, BatchLoader } from '../data/batch_loader.js';
import type { ShapeHWC } from '../layers/layer_cost.js';
import { countMacs, dynamicMacs } from '../models/macs.js';
import type { GatedModel } from '../models/model_types.js';
import { adaptChannels, modelInputShape } from './input_adapter.js';

export interface GateRecorderOptions {
  /**
   * Record the gate probabilities too (4 bytes per gate per sample; the CDF-vs-prior analysis needs them).
   * 'auto' (default): when samples x gates <= 2^25 (128 MB), e.g. all of CIFAR-10 test on ResNet-110, but not
   * all of ImageNet val on ResNet-50 (50 000 x 3776); with an unknown total, yes.
   */
  probs?: boolean | 'auto';
  /** Write the records to this Arrow file (atomically) before returning. */
  out?: string;
  /** Stop after this many samples (default: every batch). */
  maxSamples?: number | undefined;
  /** Stored in the records' meta. */
  classes?: string[];
  dataset?: string;
  split?: string;
  source?: string;
  extra?: Record<string, unknown>;
  /** Gate on when its probability exceeds this (default 0.5, the paper's 1[logit > 0]). */
  gateThreshold?: number;
  /** Called after each batch with the samples recorded so far and the total when known. */
  onProgress?: (done: number, total: number | undefined) => void;
}

/** Batches (a BatchLoader epoch, or any iterable of Batch); `total` is used for progress only. */
export interface RecorderSource {
  batches: AsyncIterable<Batch> | Iterable<Batch>;
  total?: number;
}

/** One pass over a loader (epoch 0; use an unshuffled loader to keep the dataset's order). */
export function loaderSource(loader: BatchLoader): RecorderSource {
  return { batches: loader.epoch(0), total: loader.numSamples };
}

/** Runs `model` over `source` and returns (and optionally writes) its per-sample gate records. */
export async function recordGates(
  model: GatedModel,
  source: RecorderSource,
  options: GateRecorderOptions = {},
): Promise<GateRecords> {
  const fn = 'recordGates';
  if (model?.config?.task !== 'classification') {
    throw new Error(
      `${fn}: argument 'model' must be a classification model; got task ${String(model?.config?.task)}`,
    );
  }
  const probsOption = options.probs ?? 'auto';
  let withProbs = probsOption === true;
  const maxSamples = options.maxSamples ?? Number.POSITIVE_INFINITY;
  if (!(maxSamples > 0)) throw new Error(`${fn}: option 'maxSamples' must be > 0; got ${maxSamples}`);
  const names = model.gateNames();
  const ids: string[] = [];
  const cols = {
    labels: [] as Int32Array[],
    predictions: [] as Int32Array[],
    confidences: [] as Float32Array[],
    losses: [] as Float32Array[],
    macs: [] as Float64Array[],
    difficulties: [] as Float32Array[],
    activeCounts: [] as Int32Array[],
    masks: [] as Uint8Array[],
    probs: [] as Float32Array[],
  };
  let channels: number[] | undefined;
  let inputShape: ShapeHWC | undefined;
  let withDifficulty: boolean | undefined;
  let done = 0;
  const total = Math.min(source.total ?? Number.POSITIVE_INFINITY, maxSamples);

  for await (const batch of source.batches) {
    if (done >= maxSamples) break;
    if (!batch.labels)
      throw new Error(`${fn}: batch ${batch.step} has no labels (classification batches only)`);
    const n = Math.min(batch.size, maxSamples - done);
    const shape = modelInputShape(batch.imageShape.slice(1), model.config.inputChannels);
    inputShape ??= shape;
    if (shape.join() !== inputShape.join()) {
      throw new Error(
        `${fn}: batch ${batch.step} has images [${shape}]; earlier batches had [${inputShape}]`,
      );
    }
    withDifficulty ??= batch.difficulties !== undefined;
    // Host copies of everything a record needs, in one read per tensor.
    const host = tf.tidy(() => {
      const raw = tf.tensor4d(batch.images, batch.imageShape, 'float32'); // [N, H, W, C]
      const x = adaptChannels(n < batch.size ? raw.slice(0, n) : raw, model.config.inputChannels);
      const out = model.apply(x, {
        training: false,
        ...(options.gateThreshold === undefined ? {} : { gateThreshold: options.gateThreshold }),
      });
      const logits = out.logits as tf.Tensor2D; // [N, classes]
      const logProbs = tf.logSoftmax(logits);
      const labels = tf.tensor1d(batch.labels!.subarray(0, n), 'int32');
      const nll = tf.neg(tf.sum(tf.mul(logProbs, tf.oneHot(labels, logits.shape[1])), 1)); // [N]
      return {
        pred: tf.argMax(logits, 1),
        conf: tf.exp(tf.max(logProbs, 1)),
        nll,
        masks: out.gates.map((g) => g.mask),
        probs: out.gates.map((g) => g.probs),
      };
    });
    const [pred, conf, nll] = await Promise.all([host.pred.data(), host.conf.data(), host.nll.data()]);
    const masks = await Promise.all(host.masks.map((m) => m.data()));
    if (channels === undefined) {
      channels = host.masks.map((m) => m.shape[1]);
      const G = channels.reduce((a, c) => a + c, 0);
      if (probsOption === 'auto') withProbs = !Number.isFinite(total) || total * G <= 2 ** 25;
    }
    const probs = withProbs ? await Promise.all(host.probs.map((p) => p.data())) : [];
    tf.dispose(host);

    const L = names.length;
    const G = channels.reduce((a, c) => a + c, 0);
    const B = Math.ceil(G / 8);
    const active = new Int32Array(n * L);
    const packed = new Uint8Array(n * B);
    const probRows = withProbs ? new Float32Array(n * G) : new Float32Array(0);
    const bits = new Uint8Array(G);
    const nested: number[][][] = names.map(() => []);
    for (let i = 0; i < n; i++) {
      let at = 0;
      for (let l = 0; l < L; l++) {
        const C = channels[l]!;
        const row = masks[l]!.subarray(i * C, (i + 1) * C);
        let on = 0;
        for (let c = 0; c < C; c++) {
          bits[at + c] = row[c]! > 0 ? 1 : 0;
          on += bits[at + c]!;
        }
        active[i * L + l] = on;
        nested[l]!.push(Array.from(row));
        if (withProbs) probRows.set(probs[l]!.subarray(i * C, (i + 1) * C), i * G + at);
        at += C;
      }
      packGateBits(bits, packed.subarray(i * B, (i + 1) * B));
    }
    const macs =
      L > 0
        ? dynamicMacs(
            model,
            inputShape,
            names.map((name, l) => ({ name, mask: nested[l]! })),
          ).total
        : new Array<number>(n).fill(countMacs(model, inputShape).total);
    ids.push(...batch.ids.slice(0, n));
    cols.labels.push(batch.labels.slice(0, n));
    cols.predictions.push(Int32Array.from(pred as Int32Array));
    cols.confidences.push(Float32Array.from(conf as Float32Array));
    cols.losses.push(Float32Array.from(nll as Float32Array));
    cols.macs.push(Float64Array.from(macs));
    if (withDifficulty) {
      if (!batch.difficulties)
        throw new Error(`${fn}: batch ${batch.step} lacks the difficulty column earlier batches had`);
      cols.difficulties.push(batch.difficulties.slice(0, n));
    }
    cols.activeCounts.push(active);
    cols.masks.push(packed);
    if (withProbs) cols.probs.push(probRows);
    done += n;
    options.onProgress?.(done, Number.isFinite(total) ? total : undefined);
  }

  const static_ = inputShape ? countMacs(model, inputShape) : undefined;
  const meta: GateRecordsMeta = {
    version: GATE_RECORDS_VERSION,
    layers: names.map((name, l) => ({ name, channels: channels?.[l] ?? 0 })),
    model: model.config.name,
    modelConfig: model.config,
  };
  if (inputShape) meta.inputShape = inputShape;
  if (static_) {
    meta.denseMacs = static_.main;
    meta.gateModuleMacs = static_.gates;
  }
  for (const k of ['classes', 'dataset', 'split', 'source', 'extra'] as const) {
    if (options[k] !== undefined) (meta as unknown as Record<string, unknown>)[k] = options[k];
  }
  if (channels === undefined && names.length > 0) {
    throw new Error(`${fn}: argument 'source' produced no batches`);
  }
  const records: GateRecords = {
    meta,
    count: done,
    ids,
    labels: concatTypedArrays(cols.labels, Int32Array),
    predictions: concatTypedArrays(cols.predictions, Int32Array),
    confidences: concatTypedArrays(cols.confidences, Float32Array),
    losses: concatTypedArrays(cols.losses, Float32Array),
    macs: concatTypedArrays(cols.macs, Float64Array),
    activeCounts: concatTypedArrays(cols.activeCounts, Int32Array),
    masks: concatTypedArrays(cols.masks, Uint8Array),
  };
  if (withDifficulty) records.difficulties = concatTypedArrays(cols.difficulties, Float32Array);
  if (withProbs) records.probs = concatTypedArrays(cols.probs, Float32Array);
  if (records.masks.length !== done * maskBytes(meta)) {
    throw new Error(`${fn}: internal: mask bytes ${records.masks.length} for ${done} samples`);
  }
  if (options.out !== undefined) await writeGateRecords(options.out, records);
  return records;
}
