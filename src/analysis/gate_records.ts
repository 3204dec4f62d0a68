// Per-sample gate records: what a gated network did with each input of an evaluation set (prediction,
// confidence, loss, which channels it switched on, what that cost in MACs). Column-oriented plain arrays, no
// tensors: the gate recorder (src/train/gate_recorder.ts) fills them from a model, the Arrow file
// (gate_records_arrow.ts) stores them, and every statistic and figure of this module reads them.
// Not from the paper, which reports only aggregate gate usage; per-sample records are what lets one ask
// which inputs switch on which channels.
import { packedBytes, packGateBits } from './gate_bits.js';

/** One gated layer (block) of the recorded model. */
export interface GateLayerInfo {
  /** Gate name, e.g. 'layer2.1.gate'. */
  name: string;
  /** Channels it gates. */
  channels: number;
}

/** What was recorded and from what: stored as JSON in the Arrow file's schema metadata. */
export interface GateRecordsMeta {
  /** Format version of the records file. */
  version: number;
  /** Gated layers in forward order; masks and probabilities concatenate their channels in this order. */
  layers: GateLayerInfo[];
  /** Class names, when known (index = label). */
  classes?: string[];
  /** Model name and its resolved config, when recorded from a registry model. */
  model?: string;
  modelConfig?: unknown;
  /** Input [H, W, C] the MACs were counted for. */
  inputShape?: [number, number, number];
  /** MACs with every gate open (network proper, gate modules excluded). */
  denseMacs?: number;
  /** MACs of the gate modules, paid by every sample (included in each sample's `macs`). */
  gateModuleMacs?: number;
  dataset?: string;
  split?: string;
  /** Checkpoint or run the model came from. */
  source?: string;
  /** Free-form extras (e.g. epoch, gate threshold). */
  extra?: Record<string, unknown>;
}

export const GATE_RECORDS_VERSION = 1;

/** Column-oriented per-sample records; row i of every column is sample i. */
export interface GateRecords {
  meta: GateRecordsMeta;
  count: number;
  ids: string[];
  labels: Int32Array;
  predictions: Int32Array;
  /** Softmax probability of the predicted class. */
  confidences: Float32Array;
  /** Cross-entropy of the true label. */
  losses: Float32Array;
  /** Dynamic MACs of the sample (network proper under its gates + gate modules). */
  macs: Float64Array;
  /** Present when the dataset has a per-sample difficulty (synthetic shapes). */
  difficulties?: Float32Array;
  /** [count, layers] row-major: gates on per layer. */
  activeCounts: Int32Array;
  /** [count, maskBytes] row-major packed masks (gate_bits.ts). */
  masks: Uint8Array;
  /** [count, totalGates] noise-free gate probabilities sigmoid(logit), when recorded. */
  probs?: Float32Array;
}

/** The scalar fields of one sample. */
export interface SampleScalars {
  id: string;
  label: number;
  prediction: number;
  confidence: number;
  loss: number;
  macs: number;
  difficulty?: number;
}

/** One sample as plain values (for hand-made records and small tools). */
export interface SampleGateInput extends SampleScalars {
  /** Per layer, one 0/1 value per channel. */
  masks: ArrayLike<number>[];
  /** Per layer, one probability per channel (all samples or none). */
  probs?: ArrayLike<number>[];
}

/** Total gate channels over all layers. */
export function totalGates(meta: Pick<GateRecordsMeta, 'layers'>): number {
  return meta.layers.reduce((n, l) => n + l.channels, 0);
}

/** Offset of each layer's first channel in the concatenated gate vector, plus the total at the end. */
export function layerOffsets(meta: Pick<GateRecordsMeta, 'layers'>): number[] {
  const offsets = [0];
  for (const l of meta.layers) offsets.push(offsets[offsets.length - 1]! + l.channels);
  return offsets;
}

/** Bytes of one sample's packed mask. */
export function maskBytes(meta: Pick<GateRecordsMeta, 'layers'>): number {
  return packedBytes(totalGates(meta));
}

/** Sample i's packed mask (a view). */
export function sampleMask(records: GateRecords, i: number): Uint8Array {
  const b = maskBytes(records.meta);
  return records.masks.subarray(i * b, (i + 1) * b);
}

/** Whether sample i's prediction is right. */
export function isCorrect(records: GateRecords, i: number): boolean {
  return records.predictions[i] === records.labels[i];
}

/** Checks a meta's layers; names the function for the error. */
export function checkRecordsMeta(fn: string, meta: GateRecordsMeta): void {
  if (meta === null || typeof meta !== 'object' || !Array.isArray(meta.layers)) {
    throw new Error(`${fn}: argument 'meta' must be an object with a 'layers' array; got ${String(meta)}`);
  }
  for (const l of meta.layers) {
    if (typeof l?.name !== 'string' || !Number.isInteger(l.channels) || l.channels < 1) {
      throw new Error(
        `${fn}: every meta.layers entry must be {name: string, channels: integer >= 1}; got ${JSON.stringify(l)}`,
      );
    }
  }
}

/** Builds column-oriented records from per-sample values (active counts are computed from the masks). */
export function makeGateRecords(
  meta: Omit<GateRecordsMeta, 'version'> & { version?: number },
  samples: readonly SampleGateInput[],
): GateRecords {
  const fn = 'makeGateRecords';
  const full: GateRecordsMeta = { ...meta, version: meta.version ?? GATE_RECORDS_VERSION };
  checkRecordsMeta(fn, full);
  const n = samples.length;
  const L = full.layers.length;
  const G = totalGates(full);
  const B = packedBytes(G);
  const withDiff = n > 0 && samples.every((s) => s.difficulty !== undefined);
  const withProbs = n > 0 && samples.every((s) => s.probs !== undefined);
  const r: GateRecords = {
    meta: full,
    count: n,
    ids: [],
    labels: new Int32Array(n),
    predictions: new Int32Array(n),
    confidences: new Float32Array(n),
    losses: new Float32Array(n),
    macs: new Float64Array(n),
    activeCounts: new Int32Array(n * L),
    masks: new Uint8Array(n * B),
  };
  if (withDiff) r.difficulties = new Float32Array(n);
  if (withProbs) r.probs = new Float32Array(n * G);
  const bits = new Uint8Array(G);
  samples.forEach((s, i) => {
    if (!Array.isArray(s.masks) || s.masks.length !== L) {
      throw new Error(`${fn}: sample ${i} ('${s.id}') must have ${L} layer masks; got ${s.masks?.length}`);
    }
    r.ids.push(s.id);
    r.labels[i] = s.label;
    r.predictions[i] = s.prediction;
    r.confidences[i] = s.confidence;
    r.losses[i] = s.loss;
    r.macs[i] = s.macs;
    if (r.difficulties) r.difficulties[i] = s.difficulty!;
    let at = 0;
    full.layers.forEach((layer, l) => {
      const m = s.masks[l]!;
      if (m.length !== layer.channels) {
        throw new Error(
          `${fn}: sample ${i} layer '${layer.name}' mask has ${m.length} channels; expected ${layer.channels}`,
        );
      }
      let on = 0;
      for (let c = 0; c < m.length; c++) {
        bits[at + c] = m[c]! > 0 ? 1 : 0;
        on += bits[at + c]!;
      }
      r.activeCounts[i * L + l] = on;
      if (r.probs) r.probs.set(Array.from(s.probs![l]!), i * G + at);
      at += layer.channels;
    });
    packGateBits(bits, r.masks.subarray(i * B, (i + 1) * B));
  });
  return r;
}
