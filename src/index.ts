// batch-shaping: conditional channel-gated networks trained with the batch-shaping loss
// (Bejnordi, Blankevoort, Welling, ICLR 2020, arXiv 1907.06627), on TensorFlow.js.
//
// The package root: an explicit list of what a notebook or a user's project needs (the backend switch, models,
// losses and priors, training, evaluation and presets, checkpoints, runs, the analysis entry points and the
// display helpers). The rest is under documented subpaths, each its own entry with types:
//   batch-shaping/data       datasets: preparation, the shard format, loaders, transforms, synthetic and fake data
//   batch-shaping/analysis   gate records, statistics, Plotly figure builders, galleries, the HTML report
//   batch-shaping/inference  conditional inference (closed gates skipped for real) and latency measurement
//   batch-shaping/notebook   the notebook display layer (hosts, progress, tslab / Deno bridges)
//   batch-shaping/backend    backend probing and switches beyond initBackend
// Importing the root loads no backend and registers nothing (initBackend does, when called); see "sideEffects"
// in package.json for the files that do.

/** TensorFlow.js core, the version the library runs on (ops as functions: tf.add(a, b)). */
export * as tf from '@tensorflow/tfjs-core';
// Analysis entry points: a gate-records file (recordGates writes it) read back, its figures, summary and report.
export type { GateRecords } from './analysis/gate_records.js';
export { readGateRecords } from './analysis/gate_records_arrow.js';
export { type ReportInput, writeReport } from './analysis/html_report.js';
export { type NamedFigure, recordsFigures, recordsSummaryRows } from './analysis/records_figures.js';
export type { BackendChoice, BackendName } from './backend/backend_names.js';
export { type BackendReport, type InitBackendOptions, initBackend } from './backend/init_backend.js';
// Progress of training, evaluation, preparation and gate recording: one interface, a terminal and a notebook form.
export type { Progress, ProgressFactory } from './io/progress.js';
export { terminalProgress } from './io/terminal_progress.js';
export { type BatchShapingLossOptions, batchShapingLoss } from './losses/batch_shaping_loss.js';
export type { GateLossReduction } from './losses/gate_loss_reduction.js';
export {
  type GeneralizedBatchShapingLossOptions,
  type GeneralizedBatchShapingTerms,
  generalizedBatchShapingLoss,
  generalizedBatchShapingTerms,
  type LearnedGatePriors,
  type LearnedGatePriorsInit,
  learnedGatePriors,
} from './losses/generalized_batch_shaping_loss.js';
export { type L0GateLossOptions, l0GateLoss } from './losses/l0_gate_loss.js';
export {
  type AnnealShape,
  DEFAULT_LOSS_SCHEDULE,
  type LossSchedule,
  lossSchedule,
  lossWeightsAt,
} from './losses/loss_schedule.js';
export {
  type CheckpointData,
  type LoadedCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  verifyCheckpointFile,
} from './models/checkpoint.js';
export {
  type ApplyCheckpointOptions,
  type ApplyCheckpointReport,
  applyCheckpoint,
  disposeCheckpoint,
} from './models/checkpoint_apply.js';
export { loadCheckpointBytes, modelFromCheckpointBytes } from './models/checkpoint_bytes.js';
export {
  countMacs,
  type DynamicMacCount,
  dynamicMacs,
  dynamicMacsAsync,
  type GateMacCost,
  gateMacCosts,
  type MacCount,
} from './models/macs.js';
export type {
  ApplyOptions,
  GatedModel,
  GateRecord,
  Gating,
  ModelConfig,
  ModelName,
  ModelOptions,
  ModelOutput,
  Task,
} from './models/model_types.js';
export {
  createModel,
  createModelFromConfig,
  createModelSkeleton,
  isModelName,
  listModels,
  type ModelInfo,
  modelInfo,
} from './models/registry.js';
// Display helpers: a figure, a table, images, HTML and a progress line in a notebook cell (tslab or Deno).
export { type ShowFigureOptions, showFigure } from './notebook/display_figure.js';
export { showHtml, showImages, showTable } from './notebook/display_html.js';
export {
  type NotebookProgress,
  notebookProgress,
  notebookProgressFactory,
  type ProgressOptions,
} from './notebook/notebook_progress.js';
export { betaPrior } from './ops/beta_prior.js';
export { normalPrior } from './ops/normal_prior.js';
export type { Prior } from './ops/prior.js';
export { relaxedBernoulliPrior } from './ops/relaxed_bernoulli_prior.js';
export { type EnsuredDataset, ensureDataset } from './train/ensure_dataset.js';
export { type EvalResult, type EvaluateOptions, evaluate } from './train/evaluate.js';
// The gate recorder runs the model (so it lives in train) but starts the analysis workflow.
export {
  type GateRecorderOptions,
  loaderSource,
  type RecorderSource,
  recordGates,
} from './train/gate_recorder.js';
// Images of another channel count than the model's (Fashion-MNIST's grey into an RGB model), as evaluate does.
export { adaptChannels } from './train/input_adapter.js';
export { type LoadedRun, loadRun } from './train/load_run.js';
export { loadTrainedModel, type TrainedModel } from './train/load_trained_model.js';
export { learningRateAt } from './train/lr_schedule.js';
export { type MetricsRow, readMetricsTable } from './train/metrics_table.js';
export { Optimizer, type OptimizerConfig, type OptimizerKind } from './train/optimizer.js';
export type { ParamGroupConfig, ParamRole } from './train/param_groups.js';
export { getPreset, listPresets } from './train/presets.js';
export {
  listPretrained,
  loadPretrained,
  type PretrainedCard,
  pretrainedPath,
} from './train/pretrained.js';
export { type RunPaths, runPaths } from './train/run_paths.js';
export type { RunReport, RunStatus } from './train/run_report.js';
export { buildModel } from './train/run_setup.js';
export {
  RunFolderError,
  type RunFolderStatus,
  type RunState,
  readRunConfig,
  readRunState,
} from './train/run_state.js';
export { type SchedulePoint, scheduleCurve } from './train/schedule_curve.js';
export {
  applyOverrides,
  ConfigError,
  type DataConfig,
  type DatasetName,
  type LossConfig,
  type LrConfig,
  type LrScheduleKind,
  type OptimConfig,
  setConfigValue,
  type TrainConfig,
  trainConfigSchema,
  validateTrainConfig,
} from './train/train_config.js';
export { type TrainOrResumeOptions, trainOrResume } from './train/train_or_resume.js';
export { type StepLosses, type TrainStepOptions, taskLoss, trainStep } from './train/train_step.js';
export {
  type TrainHooks,
  type TrainOptions,
  type TrainOutcome,
  train,
} from './train/trainer.js';
export { verifyRun } from './train/verify_run.js';
