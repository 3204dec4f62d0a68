// One gated residual block (BasicBlock or Bottleneck, Bejnordi et al. ICLR 2020, sec. 3.1) executed so that
// closed gates cost no time: the gate runs first (on the block input, as in training), its 0/1 decisions come
// to the host, and the gated conv then runs with only the active filters and the conv after it with only the
// matching input channels. Folded BN (FoldedConv) replaces conv + BN. The shortcut is never gated.
// With a static channel group (setStaticChannels, channel_groups.ts) the gated conv runs twice, on the group's
// pre-packed weights and on the gathered open channels outside it, and the conv after it sums the two terms.
// With the policy's `direct` (wasm) the gated conv's gathered filters are padded with zero filters to
// a multiple of 16 (its output sliced back to the open channels) and both convs run on the backend's direct conv,
// which packs nothing (skip_policy.ts).
// Numerically this is the masked dense block of models/blocks up to float32 rounding (BN folding, a
// different summation order), which the tests bound against model.apply(x, { training: false }).
import * as tf from '@tensorflow/tfjs-core';
import type { ChannelGate } from '../gates/channel_gate.js';
import { BasicBlock, type ResidualBlock } from '../models/blocks/basic_block.js';
import { Bottleneck } from '../models/blocks/bottleneck.js';
import { shortcutA } from '../models/blocks/shortcut.js';
import { anyClosed, StaticGroup } from './channel_groups.js';
import { type ConvParams, FoldedConv, type Lowering } from './folded_conv.js';
import { FoldedGate } from './folded_gate.js';
import { activeChannels, type GateDecision } from './gate_decision.js';
import { type HostReader, syncReader } from './host_reader.js';
import type { Profiler } from './profiler.js';
import { channelGatherCost, directFits, paddedChannels, planSkip, type SkipPolicy } from './skip_policy.js';

/** What one block did for one group of samples (for statistics and the benchmark). */
export interface BlockRunInfo {
  /**
   * Channels computed by the gated conv: the union over the group's samples, plus the closed channels of the
   * static group (setStaticChannels) when the grouped path ran.
   */
  computed: number;
  /** Of `computed`, the channels of the static group (pre-packed weights); 0 without one. */
  staticChannels: number;
  /** Whether the gathered (skipping) path ran, rather than the full conv with a mask. */
  skipped: boolean;
  /** Whether the gathered weights came from the pattern cache. */
  cacheHit: boolean;
  /** How the gated conv and the conv after it ran when skipped (skip_policy.ts). */
  lowering?: [Lowering, Lowering];
  /** Whether the gathered channels ran padded on the direct conv (no packing; skip_policy.ts). */
  direct?: boolean;
}

interface Gathered {
  first: ConvParams;
  secondWeight: tf.Tensor4D | tf.Tensor2D | tf.Tensor5D;
}

function disposeGathered(g: Gathered): void {
  tf.dispose([g.first.weight, g.first.bias, g.secondWeight]);
}

export class ConditionalBlock {
  readonly name: string;
  readonly gate: ChannelGate;
  /** The block's convs in order (2 for BasicBlock, 3 for Bottleneck), BN folded. */
  readonly convs: FoldedConv[];
  /** Index into convs of the conv whose output the gate multiplies; convs[gated + 1] takes it as input. */
  readonly gated: number;
  readonly shortcut: ShortcutRunner;
  readonly gatedChannels: number;
  private readonly foldedGate: FoldedGate;
  /** Gathered weights per open-channel pattern (key: the sorted indices), least recently used first. */
  private readonly cache = new Map<string, Gathered>();
  /** Channels whose weights stay gathered and packed (setStaticChannels); undefined: none. */
  private group: StaticGroup | undefined;
  /** Output positions per sample of the gated conv and of the conv after it, from the last run. */
  private geometry: { gPositions: number; nextPositions: number } | undefined;

  constructor(block: ResidualBlock, name: string, read: HostReader = syncReader) {
    if (block.gate === undefined) {
      throw new Error(`ConditionalBlock '${name}': the block has no gate (a dense model?)`);
    }
    this.name = name;
    this.gate = block.gate;
    if (block instanceof BasicBlock) {
      this.convs = [
        new FoldedConv(block.conv1, block.bn1, read),
        new FoldedConv(block.conv2, block.bn2, read),
      ];
      this.gated = 0;
    } else if (block instanceof Bottleneck) {
      this.convs = [
        new FoldedConv(block.conv1, block.bn1, read),
        new FoldedConv(block.conv2, block.bn2, read),
        new FoldedConv(block.conv3, block.bn3, read),
      ];
      this.gated = block.gatePosition === 'conv1' ? 0 : 1;
    } else {
      throw new Error(`ConditionalBlock '${name}': unknown block type ${block.constructor.name}`);
    }
    const { shortcut } = block as BasicBlock | Bottleneck;
    this.shortcut = new ShortcutRunner(shortcut, read);
    this.gatedChannels = this.convs[this.gated]!.outChannels;
    this.foldedGate = new FoldedGate(block.gate, read);
  }

  /**
   * Makes channels `idx` (sorted; e.g. those open on most of a calibration batch, ConditionalNetwork.calibrate)
   * the block's static group: their weights are gathered once and, when the block skips, always computed
   * (masked for the samples whose gate is closed); only the other open channels are gathered per pattern.
   * An empty `idx` drops the group. Clears the pattern cache (its entries hold the old dynamic channels).
   */
  setStaticChannels(idx: Int32Array): void {
    const group =
      idx.length > 0 ? new StaticGroup(idx, this.convs[this.gated]!, this.convs[this.gated + 1]!) : undefined;
    this.group?.dispose();
    this.group = group;
    this.clearCache();
  }

  /**
   * The on-rate above which a channel costs less in the static group than gathered per pattern, at batch 1
   * on the map size of the last run: static, it always costs its MACs m (gated conv and the conv after it);
   * dynamic, it costs r (m + p), p = repackCost x the numbers its weights add to pack ('conv' lowering,
   * skip_policy.ts; only copied with the policy's direct conv): static pays iff r > m / (m + p). Large maps
   * (many MACs per weight) keep only channels that are nearly always on; 7x7 maps also channels on a third of
   * the time (packed; with the direct conv, slower there, from about 0.44 on ResNet-34's 7x7 blocks).
   */
  breakEvenOnRate(policy: SkipPolicy): number {
    const { m, p } = this.channelCosts('breakEvenOnRate', policy);
    return m + p === 0 ? 1 : m / (m + p);
  }

  /**
   * What a static group of channels `idx` with on-rates `rates` saves per sample, as a fraction of the
   * block's gated MACs (all channels): sum over the group of r (m + p) - m (packing avoided minus MACs of
   * closed channels computed), / (C m). Calibrate forms a group only above MIN_GROUP_GAIN.
   */
  staticGroupGain(rates: Float64Array, idx: Int32Array, policy: SkipPolicy): number {
    const { m, p } = this.channelCosts('staticGroupGain', policy);
    let gain = 0;
    for (const j of idx) gain += rates[j]! * (m + p) - m;
    return m === 0 ? 0 : gain / (this.gatedChannels * m);
  }

  /**
   * Per channel and sample: MACs m of the gated conv and the conv after it, and what it costs beyond m when
   * gathered (p): packing, or with the direct conv (when cheaper) its gathers on the backend (skip_policy.ts).
   */
  private channelCosts(fn: string, policy: SkipPolicy): { m: number; p: number } {
    const g = this.geometry;
    if (g === undefined) {
      throw new Error(`ConditionalBlock '${this.name}': ${fn} needs a run first (its map size)`);
    }
    const gconv = this.convs[this.gated]!;
    const next = this.convs[this.gated + 1]!;
    const m1 = g.gPositions * gconv.weightsPerOutChannel;
    const m2 = g.nextPositions * next.weightsPerInChannel;
    const [c1, c2] = channelGatherCost(gconv, next, false);
    let p = policy.repackCost * (c1 + c2);
    if (directFits(policy, gconv, next)) {
      const [d1, d2] = channelGatherCost(gconv, next, true);
      p = Math.min(p, policy.repackCost * (d1 + d2));
    }
    return { m: m1 + m2, p };
  }

  /** The channels of the static group (sorted), empty without one. */
  get staticChannels(): Int32Array {
    return this.group?.idx ?? new Int32Array(0);
  }

  /** Runs the (folded) gate on x [N, H, W, C_in] and brings its decisions to the host (one device sync). */
  decide(x: tf.Tensor4D): GateDecision {
    return this.foldedGate.decide(x);
  }

  /** decide with an asynchronous read: works on every backend (compileConditionalAsync). */
  decideAsync(x: tf.Tensor4D): Promise<GateDecision> {
    return this.foldedGate.decideAsync(x);
  }

  /**
   * The block for x [N, H, W, C_in] given the decisions of its samples. All samples share one execution: the
   * gated conv computes the union of their active channels, and a mask zeroes a channel for the samples whose
   * gate is closed (none when the group shares one pattern, e.g. batch 1).
   */
  run(
    x: tf.Tensor4D,
    decision: GateDecision,
    policy: SkipPolicy,
    prof: Profiler,
  ): { y: tf.Tensor4D; info: BlockRunInfo } {
    const { union, uniform } = activeChannels(decision);
    const k = union.length;
    const c = this.gatedChannels;
    const g = this.gated;
    const gconv = this.convs[g]!;
    const next = this.convs[g + 1]!;
    // Activations up to the gated conv's input (Bottleneck with the gate after conv2: conv1 runs dense).
    let h = x;
    for (let i = 0; i < g; i++)
      h = prof.time('conv', () => this.convs[i]!.run(h, this.convs[i]!.params, true));
    const [gh, gw] = gconv.outSize(h.shape[1], h.shape[2]);
    const [nh, nw] = next.outSize(gh, gw);
    const gPositions = decision.batch * gh * gw;
    const nextPositions = decision.batch * nh * nw;
    this.geometry = { gPositions: gh * gw, nextPositions: nh * nw };
    let skipped = false;
    let cacheHit = false;
    let computed = k;
    let staticChannels = 0;
    const group = this.group;
    // With a static group only the open channels outside it are gathered: the cost model weighs those.
    const dyn = group === undefined ? union : group.dynamic(union);
    const free = group === undefined ? c : c - group.idx.length;
    const plan =
      k > 0 && dyn.length < free && (dyn.length > 0 || policy.mode === 'never')
        ? planSkip(policy, {
            channels: free,
            active: dyn.length,
            gPositions,
            nextPositions,
            gconv,
            next,
          })
        : undefined;
    const grouped = group !== undefined && k > 0 && policy.mode !== 'never' && dyn.length < free;
    let after: tf.Tensor4D; // output of `next` (pre-activation), [N, H', W', C_next]
    let y: tf.Tensor4D | undefined; // the block's output, where `next` computed it (residual fused)
    // Where `next` is the block's last conv, it adds the shortcut and applies the ReLU in the direct conv's store
    // (FoldedConv.run's residual), instead of an Add and a Relu over the output.
    const fused = (a: tf.Tensor4D, p: ConvParams): tf.Tensor4D | undefined => {
      if (this.convs.length !== g + 2) return undefined;
      const shortcut = prof.time('residual', () => this.shortcut.run(x));
      return prof.time('conv', () => next.run(a, p, true, true, shortcut));
    };
    if (k === 0) {
      after = this.allClosed(h, decision.batch, prof);
      skipped = true;
    } else if (grouped && (dyn.length === 0 || plan?.skip === true)) {
      // Static group (packed once) + the open dynamic channels (gathered); `next` sums the two groups' terms.
      skipped = true;
      staticChannels = group.idx.length;
      computed = staticChannels + dyn.length;
      let aS = prof.time('conv', () => gconv.run(h, group.first, true)); // [N, H', W', s]
      if (anyClosed(decision, group.idx)) aS = prof.time('mask', () => applyMask(aS, decision, group.idx));
      after = prof.time('conv', () =>
        next.run(aS, { weight: group.secondWeight, bias: next.params.bias }, false),
      );
      if (dyn.length > 0) {
        const lowering: [Lowering, Lowering] = [plan!.first, plan!.second];
        const direct = plan!.direct;
        const { gathered, hit } = prof.time('gather', () =>
          this.gathered(dyn, lowering, policy.cacheSize, direct),
        );
        cacheHit = hit;
        const { first, secondWeight } = gathered;
        let aD = prof.time('conv', () => trim(gconv.run(h, first, true, direct), dyn.length)); // [N, H', W', kd]
        if (anyClosed(decision, dyn)) aD = prof.time('mask', () => applyMask(aD, decision, dyn));
        const partial = prof.time('conv', () => next.runPartial(aD, secondWeight, direct));
        after = prof.time('conv', () => tf.add(after, partial));
        if (policy.cacheSize === 0) tf.dispose([first.weight, first.bias, secondWeight]);
      }
    } else if (plan?.skip && group === undefined) {
      skipped = true;
      const lowering: [Lowering, Lowering] = [plan.first, plan.second];
      const direct = plan.direct;
      const { gathered, hit } = prof.time('gather', () =>
        this.gathered(union, lowering, policy.cacheSize, direct),
      );
      cacheHit = hit;
      const { first, secondWeight } = gathered;
      let a = prof.time('conv', () => trim(gconv.run(h, first, true, direct), k)); // [N, H', W', k]
      if (!uniform) a = prof.time('mask', () => applyMask(a, decision, union));
      const second = { weight: secondWeight, bias: next.params.bias };
      y = direct ? fused(a, second) : undefined;
      after = y ?? prof.time('conv', () => next.run(a, second, false, direct)); // (not used once y is set)
      if (policy.cacheSize === 0) tf.dispose([first.weight, first.bias, secondWeight]);
    } else {
      let a = prof.time('conv', () => gconv.run(h, gconv.params, true)); // [N, H', W', C]
      if (!(uniform && k === c)) a = prof.time('mask', () => applyMask(a, decision, allChannels(c)));
      after = prof.time('conv', () => next.run(a, next.params, false));
    }
    // Remaining convs (Bottleneck with the gate after conv1: conv3 runs dense on conv2's output).
    for (let i = g + 2; i < this.convs.length; i++) {
      const input = tf.relu(after) as tf.Tensor4D;
      after = prof.time('conv', () => this.convs[i]!.run(input, this.convs[i]!.params, false));
    }
    y ??= prof.time('residual', () => tf.relu(tf.add(after, this.shortcut.run(x))) as tf.Tensor4D);
    const info: BlockRunInfo = { computed, staticChannels, skipped, cacheHit };
    if (skipped && k > 0 && dyn.length > 0 && plan !== undefined) {
      info.lowering = [plan.first, plan.second];
      info.direct = plan.direct;
    }
    return { y, info };
  }

  /**
   * Gathered weights for the open channels `union` in the layouts of `lowering` (`direct`: the gated conv's
   * filters padded with zero filters to the direct conv's block): fresh, or from this block's LRU cache of `cacheSize` patterns.
   * Cached tensors are kept out of the caller's tidy and disposed on eviction or dispose().
   */
  private gathered(
    union: Int32Array,
    lowering: [Lowering, Lowering],
    cacheSize: number,
    direct: boolean,
  ): { gathered: Gathered; hit: boolean } {
    const gconv = this.convs[this.gated]!;
    const next = this.convs[this.gated + 1]!;
    const width = paddedChannels(union.length, direct);
    const make = (): Gathered => ({
      first: gconv.outSubset(union, lowering[0], width, direct),
      secondWeight: next.inSubsetWeight(union, lowering[1], direct),
    });
    if (cacheSize === 0) return { gathered: make(), hit: false };
    const key = `${lowering.join('/')}${direct ? '/direct' : ''}:${union.join(',')}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.cache.delete(key); // re-insert: Map order is the recency order
      this.cache.set(key, cached);
      return { gathered: cached, hit: true };
    }
    const fresh = make();
    tf.keep(fresh.first.weight);
    tf.keep(fresh.first.bias);
    tf.keep(fresh.secondWeight);
    this.cache.set(key, fresh);
    while (this.cache.size > cacheSize) {
      const [oldest, value] = this.cache.entries().next().value as [string, Gathered];
      this.cache.delete(oldest);
      disposeGathered(value);
    }
    return { gathered: fresh, hit: false };
  }

  /** Drops the cached gathered weights. */
  clearCache(): void {
    for (const g of this.cache.values()) disposeGathered(g);
    this.cache.clear();
  }

  /**
   * Every sample's gate closed: the gated conv's output is 0, so `next` sees zeros and yields its bias, a
   * constant map; a Bottleneck gated after conv1 still runs conv3 on ReLU(that constant) (a [1, C] x [C, C']
   * product). Returns the pre-activation output of the last conv broadcastable to [N, H', W', C_out].
   */
  private allClosed(h: tf.Tensor4D, n: number, prof: Profiler): tf.Tensor4D {
    return prof.time('residual', () => {
      const next = this.convs[this.gated + 1]!;
      const [oh, ow] = next.outSize(...this.convs[this.gated]!.outSize(h.shape[1], h.shape[2]));
      let v = tf.tensor1d(next.biasValues()) as tf.Tensor; // [C_next]
      for (let i = this.gated + 2; i < this.convs.length; i++) {
        const conv = this.convs[i]!;
        // 1x1 conv of a spatially constant map (no padding effects: the Bottleneck's conv3 is 1x1, pad 0).
        const w = tf.reshape(conv.params.weight, [conv.inChannels, conv.outChannels]); // [C, C']
        v = tf.add(tf.matMul(tf.reshape(tf.relu(v), [1, conv.inChannels]), w), conv.params.bias);
      }
      const cOut = v.shape[v.rank - 1]!;
      return tf.broadcastTo(tf.reshape(v, [1, 1, 1, cOut]), [n, oh, ow, cOut]) as tf.Tensor4D;
    });
  }

  dispose(): void {
    this.clearCache();
    this.group?.dispose();
    this.group = undefined;
    for (const conv of this.convs) conv.dispose();
    this.shortcut.dispose();
    this.foldedGate.dispose();
  }
}

/** Residual shortcut: identity, option A (subsample + zero-pad channels) or option B (folded 1x1 conv). */
class ShortcutRunner {
  private readonly conv?: FoldedConv;

  constructor(
    private readonly shortcut: Bottleneck['shortcut'],
    read: HostReader,
  ) {
    if (shortcut.kind === 'B') this.conv = new FoldedConv(shortcut.conv!, shortcut.bn!, read);
  }

  run(x: tf.Tensor4D): tf.Tensor4D {
    const s = this.shortcut;
    if (s.kind === 'identity') return x;
    if (this.conv !== undefined) return this.conv.run(x, this.conv.params, false);
    return shortcutA(x, s.stride, s.inChannels, s.outChannels);
  }

  dispose(): void {
    this.conv?.dispose();
  }
}

function allChannels(c: number): Int32Array {
  return Int32Array.from({ length: c }, (_, i) => i);
}

/** a [N, H, W, k] (channels `idx` of the gated conv) times each sample's 0/1 gate on those channels. */
function applyMask(a: tf.Tensor4D, decision: GateDecision, idx: Int32Array): tf.Tensor4D {
  const { batch: n, channels: c, mask } = decision;
  const k = idx.length;
  const m = new Float32Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) m[i * k + j] = mask[i * c + idx[j]!]!;
  return tf.mul(a, tf.tensor4d(m, [n, 1, 1, k])); // [N, H, W, k] * [N, 1, 1, k]
}

/** a [N, H, W, kp] without its zero padding channels k.. (the direct path's padded gated conv): [N, H, W, k]. */
function trim(a: tf.Tensor4D, k: number): tf.Tensor4D {
  return a.shape[3] === k ? a : tf.slice(a, [0, 0, 0, 0], [-1, -1, -1, k]);
}
