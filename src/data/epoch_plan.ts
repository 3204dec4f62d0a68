// The sample order of one epoch as a pure function of (shard counts, seed, epoch, block size): shards
// in a seeded random order, grouped into blocks of `blockShards` consecutive shards, each block's rows
// permuted as a whole. A block is the loader's shuffle window — the only part of a split held in memory
// — and any position of any epoch maps to (block, shard, row) without reading earlier shards, which is
// what makes an epoch resumable at any step. This is the "shuffle buffer over shards" scheme of
// tf.data/WebDataset with the buffer filled a whole block at a time, so it can be replayed exactly.
import { mixSeed, SeededRandom } from './seeded_random.js';

export interface PlanBlock {
  /** Indices (into the split's shard list) of the shards in this block, in load order. */
  shards: number[];
  /** Epoch position of the block's first sample. */
  start: number;
  /** Samples in the block. */
  count: number;
}

export interface EpochPlan {
  numSamples: number;
  blocks: PlanBlock[];
}

export interface PlanOptions {
  shuffle: boolean;
  seed: number;
  epoch: number;
  /** Shards per block (shuffle window); >= 1. */
  blockShards: number;
}

// Salts that keep the streams of one (seed, epoch) independent of each other.
const SHARD_ORDER = 1;
const BLOCK_PERM = 2;
const SAMPLE_AUG = 3;

export function planEpoch(shardCounts: readonly number[], o: PlanOptions): EpochPlan {
  if (!Number.isInteger(o.blockShards) || o.blockShards < 1) {
    throw new Error(`planEpoch: blockShards: expected an integer >= 1, got ${o.blockShards}`);
  }
  const order = Array.from(shardCounts, (_, i) => i);
  if (o.shuffle) new SeededRandom(mixSeed(o.seed, o.epoch, SHARD_ORDER)).shuffle(order);
  const blocks: PlanBlock[] = [];
  let start = 0;
  for (let b = 0; b < order.length; b += o.blockShards) {
    const shards = order.slice(b, b + o.blockShards);
    const count = shards.reduce((n, s) => n + shardCounts[s]!, 0);
    blocks.push({ shards, start, count });
    start += count;
  }
  return { numSamples: start, blocks };
}

/** Row order within block `blockIndex`: a permutation of 0..count-1, or null (identity) without shuffle. */
export function blockPermutation(count: number, o: PlanOptions, blockIndex: number): Uint32Array | null {
  if (!o.shuffle) return null;
  return new SeededRandom(mixSeed(o.seed, o.epoch, BLOCK_PERM, blockIndex)).permutation(count);
}

/** Seed of the augmentation randomness of the sample at epoch position `position`. */
export function sampleSeed(seed: number, epoch: number, position: number): number {
  return mixSeed(seed, epoch, SAMPLE_AUG, position);
}

/** Index of the block holding epoch position `position` (binary search over block starts). */
export function blockAt(plan: EpochPlan, position: number): number {
  let lo = 0;
  let hi = plan.blocks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (plan.blocks[mid]!.start <= position) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
