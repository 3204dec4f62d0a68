// When skipping closed channels pays, and how the two convs with gathered weights run. Skipping computes fewer
// MACs but needs gathered weights, and on XNNPACK (tfjs wasm) a new tensor in a product is packed anew:
// with the 'conv' lowering the gathered weights are (tfjs transposes HWIO -> OHWI, then XNNPACK packs), with
// the 'matmul' lowering (weights as the left operand of a product with im2col patches, folded_conv.ts) the
// patches are. Either costs far more per number than one multiply-add. A block skips when the MACs it saves
// exceed `repackCost` times the numbers it must pack; per conv the lowering is the one that packs fewer
// numbers. Savings grow with the output positions (batch x H x W); the weights to pack do not, the patches do:
// so large maps gather weights, 7x7 maps at batch 1 pack patches, and large batches of small maps run masked
// dense.
import type { FoldedConv, Lowering } from './folded_conv.js';

export type SkipMode = 'auto' | 'always' | 'never';
/** 'auto': per conv the lowering that packs fewer numbers; 'conv' or 'matmul': that one always. */
export type LoweringMode = 'auto' | Lowering;

export interface SkipPolicy {
  /** 'auto': the cost model below; 'always': gather whenever a channel is closed; 'never': masked dense. */
  mode: SkipMode;
  /** MAC-equivalents per packed number (gather, upload, transpose, pack). */
  repackCost: number;
  /** Gathered-weight patterns cached per block (LRU); 0 = no cache. */
  cacheSize: number;
  /** How the convs with gathered weights run ('matmul' needs the activations in host memory: wasm, cpu). */
  lowering: LoweringMode;
}

/**
 * Default repackCost, from ResNet-34 at 224x224, batch 1, wasm (bench/results/conditional.json, per-block
 * times of skip 'always' vs 'never' with the 'conv' lowering): with about half the channels open the cost
 * model skips iff the output positions exceed repackCost. Gathering paid at 56x56, 28x28 and 14x14 (3136, 784,
 * 196 positions) and lost at 7x7 (49: ~90 ms vs ~60 ms per block), so the break-even lies between 49 and 196;
 * 100 sits between them.
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

export interface SkipPlan {
  skip: boolean;
  /** Lowering of the gated conv (output channels gathered) and of the conv after it (input channels). */
  first: Lowering;
  second: Lowering;
}

function lower(mode: LoweringMode, weights: number, patches: number): { lowering: Lowering; packed: number } {
  const lowering = mode === 'auto' ? (patches < weights ? 'matmul' : 'conv') : mode;
  return { lowering, packed: lowering === 'matmul' ? patches : weights };
}

export function planSkip(policy: SkipPolicy, s: SkipCase): SkipPlan {
  const { gconv, next, active: k } = s;
  const first = lower(
    policy.lowering,
    k * gconv.weightsPerOutChannel,
    s.gPositions * gconv.kernel * gconv.kernel * gconv.inChannels,
  );
  const second = lower(
    policy.lowering,
    k * next.weightsPerInChannel,
    s.nextPositions * next.kernel * next.kernel * k,
  );
  const plan = (skip: boolean): SkipPlan => ({ skip, first: first.lowering, second: second.lowering });
  if (policy.mode === 'always') return plan(true);
  if (policy.mode === 'never') return plan(false);
  const closed = s.channels - k;
  const saved =
    closed * (s.gPositions * gconv.weightsPerOutChannel + s.nextPositions * next.weightsPerInChannel);
  return plan(saved > policy.repackCost * (first.packed + second.packed));
}
