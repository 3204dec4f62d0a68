// Conditional inference for a trained channel-gated ResNet or PSPNet (Bejnordi et al., ICLR 2020): closed gates
// turn into skipped work, not multiplications by zero. compileConditional(model) folds every BN into its conv
// (a snapshot of the model's weights) and returns a network whose apply(x) matches
// model.apply(x, { training: false }) up to float32 rounding, per sample, while computing only the open
// channels of each gated conv (and the matching input channels of the conv after it).
// Batches: 'shared' runs the batch together per block on the union of its samples' open channels (exact via a
// mask for the samples whose gate is closed); 'per-sample' runs each sample alone on its own pattern. The
// benchmark (bench/conditional.ts) measures both; see DEFAULT_BATCH_MODE for why 'shared' is the default.
// What differs from the paper: nothing of the method; this is an execution strategy. It relies on the
// models' public layer fields (backbone stages, conv/BN variables) rather than a hook in the model classes.
import * as tf from '@tensorflow/tfjs-core';
import { requireSyncReadback } from '../backend/sync_readback.js';
import type { GatedModel } from '../models/model_types.js';
import { PSPNet } from '../models/pspnet.js';
import { ResNet } from '../models/resnet.js';
import { frequentChannels, onRates } from './channel_groups.js';
import { type BlockRunInfo, ConditionalBlock } from './conditional_block.js';
import { FoldedConv, hasDirectConv2D } from './folded_conv.js';
import { maskRows } from './gate_decision.js';
import { type HostReader, prefetchModel, syncReader } from './host_reader.js';
import { type Phase, Profiler } from './profiler.js';
import { DEFAULT_REPACK_COST, type LoweringMode, type SkipMode, type SkipPolicy } from './skip_policy.js';

export type BatchMode = 'shared' | 'per-sample';

/**
 * 'shared', measured (bench/results/conditional*.json of 2026-11-28, wasm, batch 64, 1 / 2 threads; in git
 * history): ResNet-34 at 224x224:
 * shared 13.8 / 7.4 s (union of open channels 88%), per-sample 13.7 / 11.4 s, dense 16.2 / 8.9 s; ResNet-20 at
 * 32x32: shared 0.16 / 0.09 s (union 77%), per-sample 0.28 / 0.22 s, dense 0.22 / 0.14 s. A shared batch keeps
 * XNNPACK's batched GEMM efficiency and gathers each block's weights once per batch; per-sample pays the
 * gathering, one gate sync per block and every op's dispatch once per sample, which outweighs its exact
 * per-sample savings except for large images on one thread (a tie there).
 */
export const DEFAULT_BATCH_MODE: BatchMode = 'shared';

/** Threads the active backend computes on: the wasm backend's XNNPACK pool size, else 1. */
function computeThreads(): number {
  if (tf.getBackend() !== 'wasm') return 1;
  const wasm = (tf.backend() as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } }).wasm;
  const n = wasm?.tfjs?.getThreadsCount?.();
  return typeof n === 'number' && n >= 1 ? n : 1;
}

/** Backends whose tensors live in host memory (the 'matmul' lowering makes its patches on the host). */
const HOST_MEMORY_BACKENDS = ['wasm', 'cpu'];

export interface ConditionalOptions {
  /** 'auto' (default): skip where the cost model says it pays; 'always'; 'never' (masked dense, folded BN). */
  skip?: SkipMode;
  /**
   * MAC-equivalents per packed number for 'auto' (default DEFAULT_REPACK_COST x the wasm backend's threads:
   * the MACs run on every thread, gathering and packing on one; x 1 on other backends).
   */
  repackCost?: number;
  /**
   * How a conv with gathered weights runs: 'conv' (the gathered weights are packed), 'matmul' (weights times
   * host-made im2col patches: the patches are packed) or 'auto' (default: per conv whichever packs fewer
   * numbers, on the wasm and cpu backends; 'conv' elsewhere, where the activations are not in host memory).
   */
  lowering?: LoweringMode;
  /** How a batch of N > 1 runs (default DEFAULT_BATCH_MODE). */
  batchMode?: BatchMode;
  /**
   * Gathered-weight patterns cached per gated block (LRU), default 0: with per-sample patterns a pattern
   * rarely repeats (bench/conditional.ts counts the distinct ones), so a cache only holds memory.
   */
  cacheSize?: number;
  /**
   * Run gathered weights through the backend's DIRECT_CONV2D_KERNEL (folded_conv.ts), channel counts padded with
   * zero channels to a multiple of 16 (skip_policy.ts), then bias and ReLU: on the wasm backend that is our
   * direct SIMD conv (split over its threads), which packs nothing: the weights of a new gate pattern are gathered
   * on the backend straight into the layout that conv streams (packed per 16 output channels; the gated conv's
   * from a copy of its weight in OHWI, so only the open filters are read), with the bias and ReLU in the conv.
   * Default: true where the backend has that kernel (wasm, any thread count: ResNet-34 at batch 1 measured faster
   * than the packed way on one and on two threads, `skip` / `skipPacked` of bench/conditional.ts); false elsewhere,
   * where the backends pack or transform any conv weight. Results are the same either way.
   */
  directConv?: boolean;
}

/**
 * Least saving (fraction of a block's gated MACs, per sample) for which calibrate's 'auto' forms a static
 * group: the group splits each of the two convs in two (a static and a dynamic one) and adds their terms, a
 * cost the MAC model does not see. Measured (bench/results/conditional*.json, ResNet-34, batch 1): groups of
 * estimated gain 1-4% (56x56 and 28x28 maps) made those blocks 1.5-3 ms slower on 2 threads, groups of 15% and
 * more (14x14 and 7x7) faster.
 */
export const MIN_GROUP_GAIN = 0.1;

export interface CalibrateOptions {
  /**
   * A channel open on at least this fraction of the calibration samples is static: a number in (0, 1], or
   * 'auto' (default): per block the break-even on-rate of ConditionalBlock.breakEvenOnRate with the
   * network's repackCost (with XNNPACK's packing: from about 0.97 on 56x56 maps to about 0.3 on 7x7 maps; with
   * the direct conv, which packs nothing, about 0.98 on 56x56 and 28x28 maps, 0.76 on 14x14, 0.44 on 7x7
   * (ResNet-34, where it is slower on large filters)), and no group in a block where it would save less than MIN_GROUP_GAIN of the block's MACs.
   */
  minOnRate?: number | 'auto';
}

export interface ConditionalApplyOptions {
  /** Record wall-clock time per phase (meaningful on cpu/wasm). Default false. */
  profile?: boolean;
}

export interface ConditionalGates {
  /** Gate name, as in model.gateNames(). */
  name: string;
  /** [N][C] 0/1: the inference gate of every sample (the GateMaskInput format of dynamicMacs). */
  mask: number[][];
}

export interface ConditionalOutput {
  /** [N, classes] or [N, H, W, classes]: as model.apply's logits. The caller disposes it. */
  logits: tf.Tensor;
  gates: ConditionalGates[];
  /** Per execution group (1 for 'shared', N for 'per-sample'), per gated block: what ran. */
  runs: BlockRunInfo[][];
  /** Milliseconds per phase when options.profile is set. */
  profile?: Record<Phase, number>;
  /** Milliseconds per gated block (gate included) when options.profile is set. */
  blockMs?: number[];
}

/**
 * Folds and wraps a gated model for conditional inference. Dispose the result (not the model) when done.
 * Reads the weights and, in apply, each gate decision synchronously: cpu, wasm and tensorflow backends; on
 * webgpu use compileConditionalAsync and applyAsync.
 */
export function compileConditional(model: GatedModel, options: ConditionalOptions = {}): ConditionalNetwork {
  const fn = 'compileConditional';
  const { policy, batchMode } = resolveOptions(fn, model, options);
  requireSyncReadback(fn, 'conditional inference folds the weights and reads each gate decision on the host');
  return new ConditionalNetwork(model as ResNet | PSPNet, policy, batchMode);
}

/**
 * compileConditional for every backend (webgpu included): the weights are read with `await t.data()`; run the
 * result with applyAsync. On a backend whose tensors are not in host memory the gathered convs run as convs
 * (lowering 'conv'; 'matmul' makes its patches on the host and is refused there).
 */
export async function compileConditionalAsync(
  model: GatedModel,
  options: ConditionalOptions = {},
): Promise<ConditionalNetwork> {
  const fn = 'compileConditionalAsync';
  const { policy, batchMode } = resolveOptions(fn, model, options);
  if (policy.lowering === 'matmul' && !HOST_MEMORY_BACKENDS.includes(tf.getBackend())) {
    throw new Error(
      `${fn}: option 'lowering' 'matmul' makes im2col patches on the host, which needs a backend with tensors in host memory (${HOST_MEMORY_BACKENDS.join(', ')}); the active backend is '${tf.getBackend()}': use 'conv' or 'auto'`,
    );
  }
  const read = await prefetchModel(model);
  return new ConditionalNetwork(model as ResNet | PSPNet, policy, batchMode, read);
}

/** Checks the model and the options; the skip policy and batch mode they give on the active backend. */
function resolveOptions(
  fn: string,
  model: GatedModel,
  options: ConditionalOptions,
): { policy: SkipPolicy; batchMode: BatchMode } {
  if (!(model instanceof ResNet || model instanceof PSPNet)) {
    const got = (model as object | null)?.constructor?.name ?? String(model);
    throw new Error(`${fn}: argument 'model' must be a registry ResNet or PSPNet (createModel); got ${got}`);
  }
  if (model.config.gating !== 'channel') {
    throw new Error(
      `${fn}: argument 'model' must be channel-gated (config.gating 'channel'); got gating '${model.config.gating}' (${model.config.name}): a dense model has no gates to skip, use model.apply`,
    );
  }
  const skip = options.skip ?? 'auto';
  if (!['auto', 'always', 'never'].includes(skip)) {
    throw new Error(`${fn}: option 'skip' must be 'auto', 'always' or 'never'; got ${JSON.stringify(skip)}`);
  }
  const repackCost = options.repackCost ?? DEFAULT_REPACK_COST * computeThreads();
  if (!(repackCost >= 0)) {
    throw new Error(`${fn}: option 'repackCost' must be a number >= 0; got ${JSON.stringify(repackCost)}`);
  }
  const cacheSize = options.cacheSize ?? 0;
  if (!Number.isInteger(cacheSize) || cacheSize < 0) {
    throw new Error(`${fn}: option 'cacheSize' must be an integer >= 0; got ${JSON.stringify(cacheSize)}`);
  }
  const batchMode = options.batchMode ?? DEFAULT_BATCH_MODE;
  if (batchMode !== 'shared' && batchMode !== 'per-sample') {
    throw new Error(
      `${fn}: option 'batchMode' must be 'shared' or 'per-sample'; got ${JSON.stringify(batchMode)}`,
    );
  }
  const requested = options.lowering ?? 'auto';
  if (!['auto', 'conv', 'matmul'].includes(requested)) {
    throw new Error(
      `${fn}: option 'lowering' must be 'auto', 'conv' or 'matmul'; got ${JSON.stringify(requested)}`,
    );
  }
  const hostMemory = HOST_MEMORY_BACKENDS.includes(tf.getBackend());
  const lowering = requested === 'auto' && !hostMemory ? 'conv' : requested;
  const direct = options.directConv ?? hasDirectConv2D();
  if (typeof direct !== 'boolean') {
    throw new Error(`${fn}: option 'directConv' must be a boolean; got ${JSON.stringify(direct)}`);
  }
  return { policy: { mode: skip, repackCost, cacheSize, lowering, direct }, batchMode };
}

export class ConditionalNetwork {
  readonly blocks: ConditionalBlock[];
  private readonly stem: FoldedConv;
  private readonly maxPool: boolean;
  private disposed = false;
  /** A disabled profiler, for callers that run blocks themselves (setGateUsage). */
  readonly profilerOff = new Profiler(false);

  /** `read` brings the weights to the host (default: synchronously; compileConditionalAsync reads beforehand). */
  constructor(
    readonly model: ResNet | PSPNet,
    readonly policy: SkipPolicy,
    readonly batchMode: BatchMode,
    read: HostReader = syncReader,
  ) {
    const { backbone } = model;
    this.stem = new FoldedConv(backbone.conv1, backbone.bn1, read);
    this.maxPool = backbone.spec.stem === 'imagenet';
    const names = model.gateNames();
    this.blocks = backbone.stages
      .flat()
      .map((b, i) => new ConditionalBlock(b, names[i] ?? `block${i}`, read));
  }

  private checkInput(fn: string, x: tf.Tensor4D): void {
    if (this.disposed) throw new Error(`${fn}: the network has been disposed`);
    const cin = this.model.config.inputChannels;
    if (!(x instanceof tf.Tensor) || x.rank !== 4 || x.shape[3] !== cin || x.dtype !== 'float32') {
      const got = x instanceof tf.Tensor ? `${x.dtype} [${x.shape}]` : typeof x;
      throw new Error(`${fn}: argument 'x' must be a float32 tensor [N, H, W, ${cin}]; got ${got}`);
    }
  }

  /**
   * x: [N, H, W, C_in] float32. Runs in inference mode (running BN statistics, deterministic gates). Reads
   * each gate decision synchronously (cpu, wasm, tensorflow); applyAsync works on every backend.
   */
  apply(x: tf.Tensor4D, options: ConditionalApplyOptions = {}): ConditionalOutput {
    const fn = 'ConditionalNetwork.apply';
    requireSyncReadback(
      fn,
      'conditional inference reads each gate decision on the host (applyAsync reads it asynchronously)',
    );
    this.checkInput(fn, x);
    const prof = new Profiler(options.profile === true);
    const n = x.shape[0];
    const groups = n > 1 && this.batchMode === 'per-sample' ? n : 1;
    const masks: number[][][] = this.blocks.map(() => []);
    const runs: BlockRunInfo[][] = [];
    const logits = tf.tidy(() => {
      const parts: tf.Tensor[] = [];
      for (let gi = 0; gi < groups; gi++) {
        const xs = groups === 1 ? x : (tf.slice(x, [gi, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D); // [1, H, W, C]
        const groupRuns: BlockRunInfo[] = [];
        parts.push(this.forward(xs, prof, masks, groupRuns));
        runs.push(groupRuns);
      }
      return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
    });
    const gates = this.blocks.map((b, i) => ({ name: b.name, mask: masks[i]! }));
    return {
      logits,
      gates,
      runs,
      ...(options.profile === true ? { profile: prof.ms, blockMs: prof.blockMs } : {}),
    };
  }

  /** apply with each gate decision read by `await t.data()`: the same result, on every backend (webgpu too). */
  async applyAsync(x: tf.Tensor4D, options: ConditionalApplyOptions = {}): Promise<ConditionalOutput> {
    this.checkInput('ConditionalNetwork.applyAsync', x);
    const prof = new Profiler(options.profile === true);
    const n = x.shape[0];
    const groups = n > 1 && this.batchMode === 'per-sample' ? n : 1;
    const masks: number[][][] = this.blocks.map(() => []);
    const runs: BlockRunInfo[][] = [];
    const parts: tf.Tensor[] = [];
    try {
      for (let gi = 0; gi < groups; gi++) {
        const xs = groups === 1 ? x : (tf.slice(x, [gi, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D); // [1, H, W, C]
        const groupRuns: BlockRunInfo[] = [];
        try {
          parts.push(await this.forwardAsync(xs, prof, masks, groupRuns));
        } finally {
          if (xs !== x) xs.dispose();
        }
        runs.push(groupRuns);
      }
    } catch (err) {
      tf.dispose(parts);
      throw err;
    }
    const logits = parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
    if (parts.length > 1) tf.dispose(parts);
    const gates = this.blocks.map((b, i) => ({ name: b.name, mask: masks[i]! }));
    return {
      logits,
      gates,
      runs,
      ...(options.profile === true ? { profile: prof.ms, blockMs: prof.blockMs } : {}),
    };
  }

  /** forward with asynchronous gate reads; every intermediate is freed as in forward. */
  private async forwardAsync(
    x: tf.Tensor4D,
    prof: Profiler,
    masks: number[][][],
    runs: BlockRunInfo[],
  ): Promise<tf.Tensor> {
    let h = prof.time('stem', () => tf.tidy(() => this.stemForward(x)));
    try {
      for (const [i, block] of this.blocks.entries()) {
        const input = h;
        const y = await prof.blockAsync(i, async () => {
          const decision = await prof.timeAsync('gate', () => block.decideAsync(input));
          masks[i]!.push(...maskRows(decision));
          return tf.tidy(() => {
            const out = block.run(input, decision, this.policy, prof);
            runs.push(out.info);
            return out.y;
          });
        });
        if (h !== x) h.dispose();
        h = y;
      }
      const features = h;
      return prof.time('head', () => tf.tidy(() => this.head(features, x)));
    } finally {
      if (h !== x) h.dispose();
    }
  }

  private forward(x: tf.Tensor4D, prof: Profiler, masks: number[][][], runs: BlockRunInfo[]): tf.Tensor {
    let h = prof.time('stem', () => this.stemForward(x));
    this.blocks.forEach((block, i) => {
      // A tidy per block frees its intermediates at once: peak memory is a few activations, not all of them
      // (what lets a batch of 64 at 224x224 fit the wasm heap).
      const y = prof.block(i, () =>
        tf.tidy(() => {
          const decision = prof.time('gate', () => block.decide(h));
          masks[i]!.push(...maskRows(decision));
          const out = block.run(h, decision, this.policy, prof);
          runs.push(out.info);
          return out.y;
        }),
      );
      if (h !== x) h.dispose();
      h = y;
    });
    return prof.time('head', () => this.head(h, x));
  }

  /** Stem conv (BN folded) + ReLU (+ max pool for ImageNet stems): x [N, H, W, 3] -> first block input. */
  stemForward(x: tf.Tensor4D): tf.Tensor4D {
    const s = this.stem.run(x, this.stem.params, true); // [N, H/2, W/2, C] (imagenet) or [N, H, W, C]
    return this.maxPool ? tf.maxPool(s, 3, 2, 1) : s; // [N, H/4, W/4, C] (imagenet)
  }

  /** The ungated head of the model, in inference mode, with the model's own layers. */
  private head(features: tf.Tensor4D, x: tf.Tensor4D): tf.Tensor {
    const m = this.model;
    return m instanceof ResNet ? m.head(features) : m.head(features, [x.shape[1], x.shape[2]], false);
  }

  /**
   * Runs the calibration batch x [N, H, W, C_in] (representative inputs), measures each gate's per-channel
   * on-rate, and gives every gated block a static group of the channels open on at least `minOnRate` of the
   * samples (default: where that costs less than gathering them per pattern) (ConditionalBlock.setStaticChannels): their weights are gathered and packed once, so a gate
   * pattern only gathers its open channels outside the group. Results are unchanged (static channels closed
   * for a sample are masked). Returns the on-rates [block][channel]. Reads asynchronously: every backend.
   */
  async calibrate(x: tf.Tensor4D, options: CalibrateOptions = {}): Promise<number[][]> {
    const minOnRate = options.minOnRate ?? 'auto';
    if (minOnRate !== 'auto' && !(minOnRate > 0 && minOnRate <= 1)) {
      throw new Error(
        `ConditionalNetwork.calibrate: option 'minOnRate' must be 'auto' or a number in (0, 1]; got ${JSON.stringify(minOnRate)}`,
      );
    }
    this.checkInput('ConditionalNetwork.calibrate', x);
    const out = await this.applyAsync(x);
    out.logits.dispose();
    return this.blocks.map((block, i) => {
      const rates = onRates(out.gates[i]!.mask, block.gatedChannels);
      const threshold = minOnRate === 'auto' ? block.breakEvenOnRate(this.policy) : minOnRate;
      const idx = frequentChannels(rates, threshold);
      const worth = minOnRate !== 'auto' || block.staticGroupGain(rates, idx, this.policy) >= MIN_GROUP_GAIN;
      block.setStaticChannels(worth ? idx : new Int32Array(0));
      return Array.from(rates);
    });
  }

  /** Drops every block's static channel group (calibrate) and with it the pre-packed weights. */
  clearStaticChannels(): void {
    for (const b of this.blocks) b.setStaticChannels(new Int32Array(0));
  }

  /** Drops every block's cached gathered weights. */
  clearCache(): void {
    for (const b of this.blocks) b.clearCache();
  }

  dispose(): void {
    if (this.disposed) return;
    this.stem.dispose();
    for (const b of this.blocks) b.dispose();
    this.disposed = true;
  }
}
