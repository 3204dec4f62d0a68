// Conditional inference for trained channel-gated networks (Bejnordi et al., ICLR 2020): closed gates become
// skipped work. Depends on the layers, gates, models and (tfjs-free) analysis modules and tfjs-core; no backend is
// loaded here.
//
//   const net = compileConditional(model);          // folds BN into convs (a snapshot of the weights)
//   const { logits, gates } = net.apply(x);           // = model.apply(x, { training: false }) up to rounding
//   logits.dispose(); net.dispose();
//
// Per gated block: the gate runs first (3 ops, BN folded), its decisions come to the host (one sync), then the
// gated conv runs with only the open filters and the next conv with only the matching input channels
// (weights gathered on the host, BN folded). Gathering costs: XNNPACK packs every new weight tensor, so a
// cost model (skip_policy.ts) skips only where the saved MACs outweigh it; elsewhere the block runs dense
// with a mask; on wasm a 7x7 map's convs run as weights x im2col patches, so the small patches are what gets
// packed (folded_conv.ts). Batches: 'shared' (default: union of the batch's open channels + mask) or 'per-sample'.
// Measured speedups: bench/conditional.ts -> bench/results/conditional.json.
// Backends: compileConditional + apply read the weights and each gate decision synchronously (cpu, wasm,
// tensorflow); compileConditionalAsync + applyAsync read them with `await t.data()` and run on every backend,
// webgpu included. setGateUsage and measureLatency are synchronous (cpu, wasm, tensorflow) and throw a clear
// error on webgpu (no synchronous readback in Node).
export { type BlockRunInfo, ConditionalBlock } from './conditional_block.js';
export {
  type BatchMode,
  type ConditionalApplyOptions,
  type ConditionalGates,
  ConditionalNetwork,
  type ConditionalOptions,
  type ConditionalOutput,
  compileConditional,
  compileConditionalAsync,
  DEFAULT_BATCH_MODE,
} from './conditional_network.js';
export { type ConvParams, FoldedConv, type Lowering } from './folded_conv.js';
export { decisionFromLogits, FoldedGate } from './folded_gate.js';
export { activeChannels, type GateDecision, maskRows } from './gate_decision.js';
export { type GateUsageOptions, setGateUsage } from './gate_usage.js';
export type { HostReader } from './host_reader.js';
export { im2colTransposed, type Patches, type PatchGeometry } from './im2col.js';
export {
  type LatencyMeasurement,
  type LatencyOptions,
  measureLatency,
  type SampleLatency,
} from './latency.js';
export { type Phase, Profiler } from './profiler.js';
export {
  DEFAULT_REPACK_COST,
  HOST_COPY_COST,
  type LoweringMode,
  planSkip,
  type SkipMode,
  type SkipPlan,
  type SkipPolicy,
} from './skip_policy.js';
