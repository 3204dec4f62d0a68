// Streaming batches from a split's Arrow shards: seeded shuffle across shards (blocks of shards, see
// epoch_plan.ts) and within each block, per-sample augmentation on CPU typed arrays, optional drop-last,
// resumable at any (epoch, step), prefetched ahead of the consumer, optionally in worker threads.
// Batches are plain typed arrays ([N, h, w, C] float32 images); batchToTensors makes the tensors with one
// tf call per array, so the loader never touches the accelerator and can run outside the main thread.
import { join } from 'node:path';
import {
  blockAt,
  blockPermutation,
  type EpochPlan,
  type PlanOptions,
  planEpoch,
  sampleSeed,
} from './epoch_plan.js';
import { evalTransform } from './eval_transform.js';
import { prefetch } from './prefetch.js';
import type { SampleTransform } from './sample_transform.js';
import { type DatasetMeta, type ImageShape, layoutOf, type SplitMeta } from './schema.js';
import { SeededRandom } from './seeded_random.js';
import { readShard, type ShardData } from './shard_reader.js';
import { createTransform, type TransformSpec } from './transform_spec.js';
import { WorkerPool } from './worker_pool.js';

export interface LoaderOptions {
  /** Split name in meta.json (train, val, test, ...). */
  split: string;
  batchSize: number;
  /** Shuffle shards and samples (default false: file order, for evaluation). */
  shuffle?: boolean;
  /** Seed of the shuffle and of the augmentation (default 0). */
  seed?: number;
  /** Drop the last, short batch of each epoch (default false). */
  dropLast?: boolean;
  /**
   * Per-sample transform (default: evalTransform, the identity geometry). A TransformSpec without
   * `normalization` is normalised with meta.json's mean/std; a SampleTransform object is used as is.
   * Worker threads need a TransformSpec (plain data); a SampleTransform object works in-thread only.
   */
  transform?: SampleTransform | TransformSpec;
  /**
   * Shuffle window, in bytes of stored images: this many bytes of whole shards are loaded and mixed
   * together (default 256 MiB; at least one shard). Memory is about twice this (the next block is read
   * while the current one is consumed), per worker. Small datasets fit whole and get a full shuffle.
   */
  shuffleBufferBytes?: number;
  /** Batches produced ahead of the consumer (default 2). */
  prefetch?: number;
  /**
   * Worker threads producing batches (default 0: in-thread, asynchronously ahead of the consumer).
   * With W > 0, worker k makes steps k, k+W, ...; each reads the blocks it needs itself. The workers
   * start on the first epoch() and serve every later one (one epoch at a time per loader: starting an
   * epoch stops the previous one); idle, they do not keep the process alive; close() ends them.
   */
  workers?: number;
}

/** One batch; every array is row-major NHWC and owned by the consumer. */
export interface Batch {
  epoch: number;
  step: number;
  /** Samples in this batch (batchSize, or fewer for the last one without dropLast). */
  size: number;
  /** float32 [N, h, w, C], normalised. */
  images: Float32Array;
  /** [N, h, w, C]. */
  imageShape: [number, number, number, number];
  /** Classification: [N]. */
  labels?: Int32Array;
  /** Segmentation: uint8 [N, h, w], 255 = ignore. */
  masks?: Uint8Array;
  ids: string[];
  /** [N] when the dataset has the difficulty column. */
  difficulties?: Float32Array;
}

interface LoadedBlock {
  index: number;
  start: number;
  count: number;
  shards: ShardData[];
  /** Cumulative row offsets of the block's shards: shard k holds rows [offsets[k], offsets[k + 1]). */
  offsets: number[];
  perm: Uint32Array | null;
}

const DEFAULT_SHUFFLE_BYTES = 256 * 2 ** 20;

/** Serializable loader state a worker needs (the dataset directory is re-read there). */
export interface LoaderInit {
  dir: string;
  meta: DatasetMeta;
  options: LoaderOptions;
}

export class BatchLoader {
  readonly numSamples: number;
  readonly stepsPerEpoch: number;
  /** [h, w, C] of the images in a batch. */
  readonly outputShape: ImageShape;
  private readonly transform: SampleTransform;
  private readonly shardCounts: number[];
  /** meta.json's entry for options.split (checked to exist in the constructor). */
  private readonly splitMeta: SplitMeta;
  private readonly blockShards: number;
  /** Shards whose SHA-256 (meta.json) was checked on first read. */
  private readonly verifiedShards = new Set<number>();
  private pool: WorkerPool | undefined;

  constructor(
    readonly dir: string,
    readonly meta: DatasetMeta,
    readonly options: LoaderOptions,
  ) {
    const { split, batchSize } = options;
    const s = meta.splits[split];
    if (s === undefined) {
      throw new Error(
        `BatchLoader: options.split: expected one of ${Object.keys(meta.splits).join(', ')}, got ${split}`,
      );
    }
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`BatchLoader: options.batchSize: expected a positive integer, got ${batchSize}`);
    }
    const workers = options.workers ?? 0;
    if (!Number.isInteger(workers) || workers < 0) {
      throw new Error(`BatchLoader: options.workers: expected an integer >= 0, got ${workers}`);
    }
    const t = options.transform;
    if (workers > 0 && t !== undefined && !('kind' in t)) {
      throw new Error(
        'BatchLoader: options.transform: expected a TransformSpec (plain data) when workers > 0, got a SampleTransform object',
      );
    }
    // Specs without a normalisation get the dataset's (meta.json mean/std, computed on train).
    const datasetNorm = { mean: meta.mean, std: meta.std };
    this.transform =
      t === undefined
        ? evalTransform({ normalization: datasetNorm })
        : 'kind' in t
          ? createTransform(t.normalization ? t : { ...t, normalization: datasetNorm })
          : t;
    this.outputShape = this.transform.outputShape(meta.imageShape);
    this.splitMeta = s;
    this.shardCounts = s.shards.map((sh) => sh.count);
    this.numSamples = s.count;
    this.stepsPerEpoch = options.dropLast ? Math.floor(s.count / batchSize) : Math.ceil(s.count / batchSize);
    const [h, w, c] = meta.imageShape;
    const shardBytes = Math.max(1, Math.max(...this.shardCounts, 1) * h * w * c);
    const budget = options.shuffleBufferBytes ?? DEFAULT_SHUFFLE_BYTES;
    if (!(budget > 0))
      throw new Error(`BatchLoader: options.shuffleBufferBytes: expected > 0, got ${budget}`);
    this.blockShards = options.shuffle ? Math.max(1, Math.floor(budget / shardBytes)) : 1;
  }

  private planOptions(epoch: number): PlanOptions {
    return {
      shuffle: this.options.shuffle ?? false,
      seed: this.options.seed ?? 0,
      epoch,
      blockShards: this.blockShards,
    };
  }

  /** The sample order of an epoch (shards, blocks), without reading any shard. */
  plan(epoch: number): EpochPlan {
    return planEpoch(this.shardCounts, this.planOptions(epoch));
  }

  /**
   * Batches of `epoch`, from `startStep` (default 0) to the end of the epoch. The same (seed, epoch,
   * step) always gives the same batch, so training resumes mid-epoch exactly.
   */
  epoch(epoch: number, opts: { startStep?: number } = {}): AsyncIterableIterator<Batch> {
    const startStep = opts.startStep ?? 0;
    if (!Number.isInteger(epoch) || epoch < 0)
      throw new Error(`BatchLoader.epoch: epoch: expected an integer >= 0, got ${epoch}`);
    if (!Number.isInteger(startStep) || startStep < 0 || startStep > this.stepsPerEpoch) {
      throw new Error(
        `BatchLoader.epoch: opts.startStep: expected an integer in [0, ${this.stepsPerEpoch}], got ${startStep}`,
      );
    }
    const workers = this.options.workers ?? 0;
    const depth = this.options.prefetch ?? 2;
    if (workers > 0) {
      if (!this.pool?.usable)
        this.pool = new WorkerPool({ dir: this.dir, meta: this.meta, options: this.options }, workers);
      return this.pool.run(epoch, startStep, this.stepsPerEpoch, depth);
    }
    return prefetch(this.produce(epoch, startStep, 1, 0), depth);
  }

  /** Ends the worker threads, if any (they are unref'd when idle, so this is optional). */
  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  /**
   * The batch generator itself: steps startStep + k*stride + offset. Exported for the worker threads;
   * use epoch() instead.
   */
  async *produce(epoch: number, startStep: number, stride: number, offset: number): AsyncGenerator<Batch> {
    const plan = this.plan(epoch);
    const B = this.options.batchSize;
    const seed = this.options.seed ?? 0;
    const [h, w, c] = this.outputShape;
    const [H, W, C] = this.meta.imageShape;
    const inPixels = H * W * C;
    // Stored masks may in principle differ from the image's [H, W]; the transform checks they agree.
    const [mh, mw] = this.meta.maskShape ?? [H, W];
    const inMask = this.meta.task === 'segmentation' ? mh * mw : 0;
    const outPixels = h * w * c;
    const seg = this.meta.task === 'segmentation';
    const withDiff = this.meta.difficulty;
    const inputShape: ImageShape = [H, W, C];

    let current: LoadedBlock | null = null;
    let pending: { index: number; promise: Promise<LoadedBlock> } | null = null;
    const getBlock = async (index: number): Promise<LoadedBlock> => {
      if (current?.index === index) return current;
      const promise = pending?.index === index ? pending.promise : this.loadBlock(plan, index, epoch);
      current = await promise;
      pending = null;
      // Read the next block while this one is consumed (I/O overlaps augmentation).
      if (index + 1 < plan.blocks.length) {
        const next = { index: index + 1, promise: this.loadBlock(plan, index + 1, epoch) };
        next.promise.catch(() => {}); // surfaced when awaited
        pending = next;
      }
      return current;
    };

    for (let step = startStep + offset; step < this.stepsPerEpoch; step += stride) {
      const first = step * B;
      const n = Math.min(B, plan.numSamples - first);
      const images = new Float32Array(n * outPixels);
      const labels = seg ? undefined : new Int32Array(n);
      const masks = seg ? new Uint8Array(n * h * w) : undefined;
      const difficulties = withDiff ? new Float32Array(n) : undefined;
      const ids: string[] = new Array(n);
      let block = await getBlock(blockAt(plan, first));
      for (let k = 0; k < n; k++) {
        const pos = first + k;
        if (pos >= block.start + block.count) block = await getBlock(block.index + 1);
        const local = block.perm ? block.perm[pos - block.start]! : pos - block.start;
        let s = 0;
        while (local >= block.offsets[s + 1]!) s++;
        const shard = block.shards[s]!;
        const row = local - block.offsets[s]!;
        const rng = new SeededRandom(sampleSeed(seed, epoch, pos));
        this.transform.apply(
          {
            image: shard.images.subarray(row * inPixels, (row + 1) * inPixels),
            shape: inputShape,
            ...(seg && { mask: shard.masks!.subarray(row * inMask, (row + 1) * inMask) }),
          },
          {
            image: images.subarray(k * outPixels, (k + 1) * outPixels),
            ...(masks && { mask: masks.subarray(k * h * w, (k + 1) * h * w) }),
          },
          rng,
        );
        if (labels) labels[k] = shard.labels![row]!;
        if (difficulties) difficulties[k] = shard.difficulties![row]!;
        ids[k] = shard.ids[row]!;
      }
      yield {
        epoch,
        step,
        size: n,
        images,
        imageShape: [n, h, w, c],
        ...(labels && { labels }),
        ...(masks && { masks }),
        ids,
        ...(difficulties && { difficulties }),
      };
      // Give the consumer's own continuations a turn between batches (in-thread prefetch).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async loadBlock(plan: EpochPlan, index: number, epoch: number): Promise<LoadedBlock> {
    const b = plan.blocks[index]!;
    const split = this.splitMeta;
    const layout = layoutOf(this.meta);
    const shards = await Promise.all(
      b.shards.map(async (k) => {
        const shardMeta = split.shards[k]!;
        const file = join(this.dir, shardMeta.file);
        // Each shard's digest is checked the first time this loader reads it (hashing costs less than parsing).
        const digest = this.verifiedShards.has(k) ? undefined : shardMeta.sha256;
        const data = await readShard(file, layout, digest);
        this.verifiedShards.add(k);
        if (data.rows !== shardMeta.count) {
          throw new Error(`BatchLoader: ${file}: holds ${data.rows} rows, meta.json says ${shardMeta.count}`);
        }
        return data;
      }),
    );
    const offsets = [0];
    for (const s of shards) offsets.push(offsets[offsets.length - 1]! + s.rows);
    return {
      index,
      start: b.start,
      count: b.count,
      shards,
      offsets,
      perm: blockPermutation(b.count, this.planOptions(epoch), index),
    };
  }
}
