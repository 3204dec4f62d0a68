// When skipping closed channels pays, and how the two convs with gathered weights run. Skipping computes fewer
// MACs but needs gathered weights, and on XNNPACK (tfjs wasm) a new tensor in a product is packed anew:
// with the 'conv' lowering the gathered weights are (tfjs transposes HWIO -> OHWI, then XNNPACK packs), with
// the 'matmul' lowering (weights as the left operand of a product with im2col patches, folded_conv.ts) the
// patches are. Either costs far more per number than one multiply-add, and so does copying numbers one at a
// time on the host (im2col's patches; the gated conv's filters in the 'conv' layout and the next conv's input
// channels in the 'matmul' layout, whose other gathers copy whole rows). A block skips when the MACs it saves
// exceed `repackCost` times the numbers it must pack (plus HOST_COPY_COST per number copied one at a time);
// per conv the lowering is the cheaper one. Savings grow with the output positions (batch x H x W); the weights to
// pack do not, the patches do: so large maps gather weights, 7x7 maps at batch 1 pack patches, and large
// batches of small maps run masked dense. The MACs run on every thread, the gathering and packing on one: the
// default repackCost grows with the wasm backend's thread count (conditional_network.ts).
// With `direct` (the wasm backend, whose BatchShapingDirectConv2D is our own SIMD direct conv: nothing is
// packed) the gated conv's gathered filters are padded with zero filters to a multiple of
// DIRECT_CHANNEL_BLOCK (its output is sliced back for the conv after it); both convs' weights are gathered on the
// backend, laid out per 16 output channels as the direct conv streams them, and run on it. That conv measured
// faster per MAC than XNNPACK's packed one on ResNet-34's gated layers (0.69-0.91x the time, batch 1, one thread,
// bench/results/direct_conv.json), and
// the gathers cost ~1 ns per weight (DIRECT_GATHER_COST), so skipping pays on much smaller maps; per block the plan
// still takes the cheaper of the two ways, counting everything in MACs of XNNPACK's cached conv.
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
  /**
   * Gathered weights run on the backend's direct conv kernel with channel counts padded to DIRECT_CHANNEL_BLOCK:
   * on the wasm backend our SIMD direct conv, which packs nothing (directFits).
   */
  direct: boolean;
}

/**
 * Default repackCost per compute thread, from ResNet-34 at 224x224, batch 1, wasm, 1 thread
 * (bench/results/conditional.json, per-block times of skip 'always' vs 'never' with the 'conv' lowering):
 * with about half the channels open the cost model skips iff the output positions exceed about repackCost.
 * Gathering paid at 56x56, 28x28 and 14x14 (3136, 784, 196 positions) and lost at 7x7 (49), so the
 * break-even lies between 49 and 196; 100 sits between them. With 2 threads the 14x14 blocks lost as well
 * (8.4-8.8 ms skipping vs 8.1 ms masked dense).
 */
export const DEFAULT_REPACK_COST = 100;

/**
 * Packing-equivalents per number copied one at a time on the host: 2.8 ns per element of a gather ([512, 9,
 * 256] from [512, 9, 512]) and ~4 ns per patch number of im2col (7x7x512), against ~14 ns per weight of a new
 * XNNPACK conv operator ([3, 3, 512, 256]: 12.0 ms fresh vs 3.7 ms cached), on the dev machine's wasm.
 */
export const HOST_COPY_COST = 0.2;

/** The direct conv's output-channel block: gathered channel counts are padded to a multiple of it. */
const DIRECT_CHANNEL_BLOCK = 16;

/**
 * Packing-equivalents per weight gathered on the backend for the direct conv (BatchShapingGatherChannels, packed
 * per 16 output channels): 1.15 ms for 256 of a [3, 3, 512, 512] weight's output channels from the HWIO weight
 * (1.2M weights, ~1 ns each) against ~14 ns per weight of a new XNNPACK conv operator; wasm, one thread. The
 * gathers now read the gated conv's OHWI copy (only the open filters) and cost less: kept as an upper bound.
 */
export const DIRECT_GATHER_COST = 0.07;

/** k rounded up to a multiple of DIRECT_CHANNEL_BLOCK (k > 0), or k without `direct`. */
export function paddedChannels(k: number, direct: boolean): number {
  return direct ? Math.ceil(k / DIRECT_CHANNEL_BLOCK) * DIRECT_CHANNEL_BLOCK : k;
}

/**
 * Whether the gated conv and the conv after it run directly with policy.direct: the wasm backend's direct
 * conv takes float32 NHWC convs with a spatial kernel, 16+ input channels and output channels a multiple of 16
 * (the gathered ones are padded to it); anything else (1x1 convs, an 8-channel ResNet-20 stage) and an explicit
 * 'matmul' lowering keep the packed path.
 */
export function directFits(policy: SkipPolicy, gconv: FoldedConv, next: FoldedConv): boolean {
  return (
    policy.direct &&
    policy.lowering !== 'matmul' &&
    gconv.kernel > 1 &&
    next.kernel > 1 &&
    gconv.inChannels >= DIRECT_CHANNEL_BLOCK &&
    next.outChannels % DIRECT_CHANNEL_BLOCK === 0
  );
}

/**
 * Cost (packing-equivalents, times repackCost for MACs) per gathered channel in the 'conv' layout: the gated
 * conv's filter (gathered one weight at a time) and the next conv's input-channel slice (copied in rows);
 * packed by XNNPACK, or only copied when running directly.
 */
export function channelGatherCost(gconv: FoldedConv, next: FoldedConv, direct: boolean): [number, number] {
  if (direct)
    return [gconv.weightsPerOutChannel * DIRECT_GATHER_COST, next.weightsPerInChannel * DIRECT_GATHER_COST];
  return [gconv.weightsPerOutChannel * (1 + HOST_COPY_COST), next.weightsPerInChannel];
}

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
  /** Gathered weights padded and run directly (directFits); the lowerings are then 'conv'. */
  direct: boolean;
  /** Lowering of the gated conv (output channels gathered) and of the conv after it (input channels). */
  first: Lowering;
  second: Lowering;
}

interface ConvCost {
  lowering: Lowering;
  /** Numbers packed plus HOST_COPY_COST per number copied one at a time on the host. */
  cost: number;
}

function lower(mode: LoweringMode, conv: ConvCost, matmul: ConvCost): ConvCost {
  if (mode === 'conv') return conv;
  if (mode === 'matmul') return matmul;
  return matmul.cost < conv.cost ? matmul : conv;
}

export function planSkip(policy: SkipPolicy, s: SkipCase): SkipPlan {
  const { gconv, next, active: k } = s;
  // Costs in MACs of XNNPACK's cached conv: the MACs computed plus repackCost per packed number.
  const m1 = s.gPositions * gconv.weightsPerOutChannel; // per channel, gated conv
  const m2 = s.nextPositions * next.weightsPerInChannel; // per channel, the conv after it
  const firstWeights = k * gconv.weightsPerOutChannel;
  const secondWeights = k * next.weightsPerInChannel;
  // Gated conv: 'conv' gathers its filters one weight at a time (HWIO, output channel last), 'matmul' copies
  // rows. Next conv: 'conv' copies rows (HWIO, input channel third), 'matmul' gathers one weight at a time.
  // 'matmul' also writes its patches one number at a time.
  const patches1 = s.gPositions * gconv.kernel * gconv.kernel * gconv.inChannels;
  const patches2 = s.nextPositions * next.kernel * next.kernel * k;
  const first = lower(
    policy.lowering,
    { lowering: 'conv', cost: firstWeights * (1 + HOST_COPY_COST) },
    { lowering: 'matmul', cost: patches1 * (1 + HOST_COPY_COST) },
  );
  const second = lower(
    policy.lowering,
    { lowering: 'conv', cost: secondWeights },
    { lowering: 'matmul', cost: patches2 * (1 + HOST_COPY_COST) + HOST_COPY_COST * secondWeights },
  );
  let best: SkipPlan & { cost: number } = {
    skip: false,
    direct: false,
    first: first.lowering,
    second: second.lowering,
    cost: k * (m1 + m2) + policy.repackCost * (first.cost + second.cost),
  };
  if (directFits(policy, gconv, next)) {
    // The gated conv padded to kp output channels (kp - k zero channels computed; its output is sliced back to
    // k for the conv after it), nothing packed: the weights gathered on the backend, packed per 16 channels.
    const kp = paddedChannels(k, true);
    const [c1, c2] = channelGatherCost(gconv, next, true);
    const cost = kp * m1 + k * m2 + policy.repackCost * (kp * c1 + k * c2);
    if (cost < best.cost) best = { skip: false, direct: true, first: 'conv', second: 'conv', cost };
  }
  const { cost, ...plan } = best;
  if (policy.mode === 'always') return { ...plan, skip: true };
  if (policy.mode === 'never') return plan;
  return { ...plan, skip: cost < s.channels * (m1 + m2) };
}
