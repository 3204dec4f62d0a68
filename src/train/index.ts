// Public surface of the train module: configs and presets, the optimiser and schedules, the training step,
// evaluation and metrics, and the run-directory trainer.
export type { Progress, ProgressFactory } from '../io/progress.js';
export { silentProgress } from '../io/progress.js';
export { terminalProgress } from '../io/terminal_progress.js';
export { ConfusionMatrix } from './confusion_matrix.js';
export { type EnsuredDataset, ensureDataset } from './ensure_dataset.js';
export { EpochMetrics, type EpochSums, type StepMeasure } from './epoch_metrics.js';
export { type EvalResult, type EvaluateOptions, evaluate } from './evaluate.js';
export { adaptChannels, modelInputShape } from './input_adapter.js';
export { loadTrainedModel, type TrainedModel } from './load_trained_model.js';
export { learningRateAt } from './lr_schedule.js';
export { MacAccumulator, type MacDistribution } from './mac_stats.js';
export { type MetricsRow, readMetricsTable, writeMetricsTable } from './metrics_table.js';
export {
  OPTIMIZER_KINDS,
  Optimizer,
  type OptimizerConfig,
  type OptimizerKind,
  UNIFORM_GROUPS,
} from './optimizer.js';
export {
  PARAM_ROLES,
  type ParamGroupConfig,
  type ParamGroups,
  type ParamRole,
  paramRoles,
} from './param_groups.js';
export { getPreset, listPresets } from './presets.js';
export {
  listPretrained,
  loadPretrained,
  type PretrainedCard,
  pretrainedDir,
  pretrainedPath,
} from './pretrained.js';
export { describeEval, runEvaluation } from './run_evaluation.js';
export { type RunPaths, runPaths } from './run_paths.js';
export { formatReport, type RunReport, type RunStatus } from './run_report.js';
export { buildModel } from './run_setup.js';
export {
  type ResumeState,
  RunFolderError,
  type RunFolderStatus,
  type RunState,
  readResumeState,
  readRunConfig,
  readRunState,
} from './run_state.js';
export { type SchedulePoint, scheduleCurve } from './schedule_curve.js';
export {
  applyOverrides,
  ConfigError,
  cloneConfig,
  DATASET_NAMES,
  type DataConfig,
  type DatasetName,
  type LossConfig,
  type LrConfig,
  type LrScheduleKind,
  type OptimConfig,
  parseOverrideValue,
  setConfigValue,
  type TrainConfig,
  trainConfigSchema,
  validateTrainConfig,
} from './train_config.js';
export {
  type DeviceBatch,
  gatedLossGradients,
  type LossWeights,
  type StepLosses,
  type StepOptions,
  type StepResult,
  type TrainStepOptions,
  taskLoss,
  trainStep,
} from './train_step.js';
export {
  DIVERGENCE_FIELDS,
  type TrainHooks,
  type TrainOptions,
  type TrainOutcome,
  train,
} from './trainer.js';
