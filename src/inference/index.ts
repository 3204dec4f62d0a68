// `batch-shaping/inference`: conditional inference for trained channel-gated networks (Bejnordi et al., ICLR 2020): closed gates become
// skipped work. Depends on the layers, gates, models and (tfjs-free) analysis modules and tfjs-core; no backend is
// loaded here.
//
//   const net = compileConditional(model);          // folds BN into convs (a snapshot of the weights)
//   await net.calibrate(calibrationImages);           // optional: static channel groups packed once
//   const { logits, gates } = net.apply(x);           // = model.apply(x, { training: false }) up to rounding
//   logits.dispose(); net.dispose();
//
// Per gated block: the gate runs first (3 ops, BN folded), its decisions come to the host (one sync), then the
// gated conv runs with only the open filters and the next conv with only the matching input channels
// (weights gathered on the host, BN folded). Gathering costs: XNNPACK packs every new weight tensor, so a
// cost model (skip_policy.ts) skips only where the saved MACs outweigh it; elsewhere the block runs dense
// with a mask; on wasm a 7x7 map's convs run as weights x im2col patches, so the small patches are what gets
// packed (folded_conv.ts). calibrate measures each gate's on-rates on representative images and makes the
// channels open often enough a static group gathered and packed once (channel_groups.ts): a pattern then only
// gathers its open channels outside the group. On one wasm thread (directConv) gathered channels, padded with zero
// channels to a multiple of 16, run on the backend's own direct SIMD conv, which packs nothing; per block the cost
// model takes that or XNNPACK's packed conv, whichever is cheaper (skip_policy.ts). Batches: 'shared' (default: union of the batch's open channels + mask) or 'per-sample'.
// Measured speedups: bench/conditional.ts -> bench/results/conditional.json.
// Backends: compileConditional + apply read the weights and each gate decision synchronously (cpu, wasm,
// tensorflow); compileConditionalAsync + applyAsync read them with `await t.data()` and run on every backend,
// webgpu included. setGateUsage and measureLatency are synchronous (cpu, wasm, tensorflow) and throw a clear
// error on webgpu (no sync// Public here: compiling, running, gate-usage control and latency measurement; the folded layers, the cost
// model's internals and the profiler stay inside the module.
export type { BlockRunInfo } from './conditional_block.js';
export {
  type BatchMode,
  type CalibrateOptions,
  type ConditionalApplyOptions,
  type ConditionalGates,
  ConditionalNetwork,
  type ConditionalOptions,
  type ConditionalOutput,
  compileConditional,
  compileConditionalAsync,
  DEFAULT_BATCH_MODE,
  MIN_GROUP_GAIN,
} from './conditional_network.js';
export type { Lowering } from './folded_conv.js';
export { type GateUsageOptions, setGateUsage } from './gate_usage.js';
export {
  type LatencyMeasurement,
  type LatencyOptions,
  measureLatency,
  type SampleLatency,
} from './latency.js';
export type { Phase } from './profiler.js';
export { DEFAULT_REPACK_COST, type LoweringMode, type SkipMode } from './skip_policy.js';
