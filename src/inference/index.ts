// Public surface of the inference module: conditional (gate-skipping) execution of trained gated models.
// Depends on the models and gates modules only (and tfjs-core); no backend is loaded here.
export { type BlockRunInfo, ConditionalBlock } from './conditional_block.js';
export {
  type BatchMode,
  type ConditionalApplyOptions,
  type ConditionalGates,
  ConditionalNetwork,
  type ConditionalOptions,
  type ConditionalOutput,
  compileConditional,
  DEFAULT_BATCH_MODE,
  PER_SAMPLE_BLOCK_MACS,
} from './conditional_network.js';
export { type ConvParams, FoldedConv } from './folded_conv.js';
export { decisionFromLogits, FoldedGate } from './folded_gate.js';
export { activeChannels, type GateDecision, maskRows } from './gate_decision.js';
export { type GateUsageOptions, setGateUsage } from './gate_usage.js';
export { type Phase, Profiler } from './profiler.js';
export { DEFAULT_REPACK_COST, type SkipMode, type SkipPolicy, shouldSkip } from './skip_policy.js';
