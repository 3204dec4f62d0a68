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
 * Default repackCost, from ResNet-34 at 224x224, batch 1, wasm (bench/results/conditional.json, per-block
 * times of skip 'always' vs 'never'): with about half the channels open the cost model skips iff the output
 * positions exceed repackCost. Gathering paid at 56x56, 28x28 and 14x14 (3136, 784, 196 positions) and lost at
 * 7x7 (49: ~90 ms vs ~60 ms per block), so the break-even lies between 49 and 196; 100 sits between them.
 */
export const DEFAULT_REPACK_COST = 100;

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
