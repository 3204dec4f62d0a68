// Public surface of the losses module: batch-shaping and L0 gate losses, and their weight schedule.
// The priors (betaPrior, ...) live in ops; the package root re-exports both modules.
export { type BatchShapingLossOptions, batchShapingLoss } from './batch_shaping_loss.js';
export { checkGateProbs } from './check_gate_probs.js';
export { GATE_LOSS_REDUCTIONS, type GateLossReduction } from './gate_loss_reduction.js';
export * from './generalized_batch_shaping_loss.js';
export { type L0GateLossOptions, l0GateLoss } from './l0_gate_loss.js';
export {
  type AnnealShape,
  DEFAULT_LOSS_SCHEDULE,
  type LossSchedule,
  lossSchedule,
  lossWeightsAt,
} from './loss_schedule.js';
