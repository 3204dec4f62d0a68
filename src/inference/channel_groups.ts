// Channels of a gated conv split by how often their gate is open: a static group (open on at least a given
// fraction of a calibration batch) whose weights are gathered once and stay packed, and the dynamic rest,
// gathered per gate pattern. On XNNPACK (tfjs wasm) a conv operator is packed once per weight tensor and cached
// while the tensor lives; a gathered weight is a new tensor per pattern, packed anew, at far more than one
// multiply-add per number (skip_policy.ts). With batch-shaping's gates (Bejnordi et al., ICLR 2020, fig. 3:
// many channels almost always on or off) the static group holds most open channels, so a pattern only gathers
// and packs the few conditional channels that are open. A static channel that is closed for a sample is
// computed and masked to 0: the result stays that of the masked dense block.
import * as tf from '@tensorflow/tfjs-core';
import type { ConvParams, FoldedConv } from './folded_conv.js';
import type { GateDecision } from './gate_decision.js';

/** Per channel: the fraction of the rows of `mask` ([N][C] 0/1) in which it is 1. */
export function onRates(mask: readonly (readonly number[])[], channels: number): Float64Array {
  const rates = new Float64Array(channels);
  for (const row of mask) {
    if (row.length !== channels) {
      throw new Error(`onRates: a mask row has ${row.length} channels, expected ${channels}`);
    }
    for (let j = 0; j < channels; j++) rates[j]! += row[j]!;
  }
  if (mask.length > 0) for (let j = 0; j < channels; j++) rates[j]! /= mask.length;
  return rates;
}

/** Sorted indices of the channels whose on-rate is >= minOnRate. */
export function frequentChannels(rates: Float64Array, minOnRate: number): Int32Array {
  const idx: number[] = [];
  for (let j = 0; j < rates.length; j++) if (rates[j]! >= minOnRate) idx.push(j);
  return Int32Array.from(idx);
}

/** Whether some sample of `decision` has a closed gate on one of the channels `idx`. */
export function anyClosed(decision: GateDecision, idx: Int32Array): boolean {
  const { batch: n, channels: c, mask } = decision;
  for (let i = 0; i < n; i++) for (const j of idx) if (mask[i * c + j] === 0) return true;
  return false;
}

/** The static group of one gated block: its channels and their weights, gathered once ('conv' layout). */
export class StaticGroup {
  readonly idx: Int32Array;
  /** 1 for a channel of the group, by channel index. */
  readonly member: Uint8Array;
  /** Filters and biases of the group's channels in the gated conv, [kh, kw, Cin, s]. */
  readonly first: ConvParams;
  /** Input-channel slices of the group in the conv after it, [kh, kw, s, Cout]. */
  readonly secondWeight: tf.Tensor4D;

  constructor(idx: Int32Array, gconv: FoldedConv, next: FoldedConv) {
    const c = gconv.outChannels;
    if (idx.length === 0 || idx.some((j, i) => j < 0 || j >= c || (i > 0 && j <= idx[i - 1]!))) {
      throw new Error(
        `StaticGroup '${gconv.name}': channels must be a non-empty, strictly increasing list in [0, ${c}); got [${Array.from(idx).join(', ')}]`,
      );
    }
    this.idx = idx;
    this.member = new Uint8Array(c);
    for (const j of idx) this.member[j] = 1;
    // Kept out of any caller's tidy: the group lives until the block drops it.
    this.first = gconv.outSubset(idx, 'conv');
    tf.keep(this.first.weight);
    tf.keep(this.first.bias);
    this.secondWeight = tf.keep(next.inSubsetWeight(idx, 'conv') as tf.Tensor4D);
  }

  /** The channels of `union` (sorted) outside the group, sorted. */
  dynamic(union: Int32Array): Int32Array {
    let n = 0;
    for (const j of union) if (this.member[j] === 0) n++;
    const out = new Int32Array(n);
    let i = 0;
    for (const j of union) if (this.member[j] === 0) out[i++] = j;
    return out;
  }

  dispose(): void {
    tf.dispose([this.first.weight, this.first.bias, this.secondWeight]);
  }
}
