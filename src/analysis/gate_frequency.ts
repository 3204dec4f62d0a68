// How often each gate is on, over a set of samples, and what that says about each layer: a gate on for
// (almost) every input is a kept channel, one off for (almost) every input is a pruned channel, and the rest
// are conditional, the channels the batch-shaping loss exists to create (Bejnordi et al. 2020, Sec. 4,
// figure 4 shows the same split per layer for ResNet-34). Thresholds 99% / 1% are ours.
import { gateBit } from './gate_bits.js';
import { type GateRecords, layerOffsets, maskBytes } from './gate_records.js';

export interface LayerGateFrequency {
  name: string;
  channels: number;
  /** onFrequency[c]: fraction of the samples with channel c on. */
  onFrequency: number[];
}

export interface LayerGateUsage {
  name: string;
  channels: number;
  /** Gates on for >= alwaysOn of the samples. */
  alwaysOn: number;
  /** Gates on for <= alwaysOff of the samples. */
  alwaysOff: number;
  /** The others. */
  conditional: number;
  /** Mean fraction of this layer's gates on per sample. */
  meanOnFraction: number;
}

export interface GateUsageThresholds {
  /** Default 0.99. */
  alwaysOn?: number;
  /** Default 0.01. */
  alwaysOff?: number;
}

function sampleIndices(records: GateRecords, subset?: ArrayLike<number>): ArrayLike<number> {
  return subset ?? Array.from({ length: records.count }, (_, i) => i);
}

/** Per-gate on-frequency over all samples, or over `subset` (sample indices). */
export function gateOnFrequency(records: GateRecords, subset?: ArrayLike<number>): LayerGateFrequency[] {
  const idx = sampleIndices(records, subset);
  const offsets = layerOffsets(records.meta);
  const G = offsets[offsets.length - 1]!;
  const B = maskBytes(records.meta);
  const on = new Float64Array(G);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    if (!(i >= 0 && i < records.count)) {
      throw new Error(
        `gateOnFrequency: argument 'subset' holds ${i}, not a sample index in [0, ${records.count})`,
      );
    }
    const mask = records.masks.subarray(i * B, (i + 1) * B);
    for (let g = 0; g < G; g++) on[g]! += gateBit(mask, g);
  }
  const n = idx.length;
  return records.meta.layers.map((layer, l) => ({
    name: layer.name,
    channels: layer.channels,
    onFrequency: Array.from(on.subarray(offsets[l]!, offsets[l + 1]!), (v) => (n > 0 ? v / n : Number.NaN)),
  }));
}

/** Per layer: how many gates are always on, always off, conditional. */
export function layerGateUsage(records: GateRecords, thresholds: GateUsageThresholds = {}): LayerGateUsage[] {
  const hi = thresholds.alwaysOn ?? 0.99;
  const lo = thresholds.alwaysOff ?? 0.01;
  if (!(lo >= 0 && lo < hi && hi <= 1)) {
    throw new Error(
      `layerGateUsage: argument 'thresholds' must satisfy 0 <= alwaysOff < alwaysOn <= 1; got ${JSON.stringify({ alwaysOff: lo, alwaysOn: hi })}`,
    );
  }
  const L = records.meta.layers.length;
  return gateOnFrequency(records).map((f, l) => {
    let alwaysOn = 0;
    let alwaysOff = 0;
    for (const p of f.onFrequency) {
      if (p >= hi) alwaysOn++;
      else if (p <= lo) alwaysOff++;
    }
    let active = 0;
    for (let i = 0; i < records.count; i++) active += records.activeCounts[i * L + l]!;
    return {
      name: f.name,
      channels: f.channels,
      alwaysOn,
      alwaysOff,
      conditional: f.channels - alwaysOn - alwaysOff,
      meanOnFraction: records.count > 0 ? active / (records.count * f.channels) : Number.NaN,
    };
  });
}

export interface ClassGateFrequency {
  /** The labels present, ascending. */
  classes: number[];
  /** Their names when the records carry class names. */
  classNames: string[];
  /** Samples per class. */
  counts: number[];
  /** frequency[k][g]: on-frequency of gate g (all layers concatenated, forward order) within class k. */
  frequency: number[][];
  /** layerFrequency[k][l]: mean on-fraction of layer l's gates within class k. */
  layerFrequency: number[][];
}

/** Per-class on-frequency of every gate (rows: classes present; columns: gates in forward order). */
export function classGateFrequency(records: GateRecords): ClassGateFrequency {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < records.count; i++) {
    const y = records.labels[i]!;
    if (!byClass.has(y)) byClass.set(y, []);
    byClass.get(y)!.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const names = records.meta.classes;
  const frequency: number[][] = [];
  const layerFrequency: number[][] = [];
  for (const y of classes) {
    const layers = gateOnFrequency(records, byClass.get(y)!);
    frequency.push(layers.flatMap((l) => l.onFrequency));
    layerFrequency.push(layers.map((l) => l.onFrequency.reduce((a, v) => a + v, 0) / l.channels));
  }
  return {
    classes,
    classNames: classes.map((y) => names?.[y] ?? String(y)),
    counts: classes.map((y) => byClass.get(y)!.length),
    frequency,
    layerFrequency,
  };
}
