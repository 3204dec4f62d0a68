// When skipping closed channels pays. Skipping computes fewer MACs but needs gathered weights: on XNNPACK
// (tfjs wasm) a new weight tensor means a new packed operator, which costs far more per weight than one
// multiply-add (tfjs transposes HWIO -> OHWI, then XNNPACK packs). A block skips when the MACs it saves exceed
// `repackCost` times the weights it must gather: savings grow with the output positions (batch x H x W), the
// gathering cost does not. So large feature maps (early stages) skip, 7x7 maps at batch 1 run masked dense.
import type { FoldedConv } from './folded_conv.js';

export type SkipMode = 'auto' | 'always' | 'never';

export interface SkipPolicy {
  /** 'auto': the cost model below; 'always': gather whenever a channel is closed; 'never': masked dense. */
  mode: SkipMode;
  /** MAC-equivalents per gathered weight (copy, upload, transpose, pack). */
  repackCost: number;
  /** Gathered-weight patterns cached per block (LRU); 0 = no cache. */
  cacheSize: number;
}

/**
 * Default repackCost on the wasm backend: a fresh [3,3,Cin,k] weight cost ~220 MACs of the same conv per
 * weight (probe on the 2-core dev machine, 14x14x256 and 7x7x512 convs at batch 1; see bench/conditional.ts,
 * which reports the per-stage outcome).
 */
export const DEFAULT_REPACK_COST = 200;

export interface SkipCase {
  channels: number;
  active: number;
  /** Output positions (batch x H' x W') of the gated conv and of the conv after it. */
  gPositions: number;
  nextPositions: number;
  gconv: FoldedConv;
  next: FoldedConv;
}

export function shouldSkip(policy: SkipPolicy, s: SkipCase): boolean {
  if (policy.mode === 'always') return true;
  if (policy.mode === 'never') return false;
  const closed = s.channels - s.active;
  const saved =
    closed * (s.gPositions * s.gconv.weightsPerOutChannel + s.nextPositions * s.next.weightsPerInChannel);
  const moved = s.active * (s.gconv.weightsPerOutChannel + s.next.weightsPerInChannel);
  return saved > policy.repackCost * moved;
}
