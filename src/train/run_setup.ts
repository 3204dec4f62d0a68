// Setting up a run: the config (given, or read back from the run folder when resuming), the dataset (which
// decides the number of classes), the model, the optimiser, the training loader and the cost figures the log
// and the L0 loss need; then, when resuming, the weights, BatchNorm statistics, optimiser state and position
// from the last checkpoint. Everything else the trainer does works on the RunContext returned here.
import { existsSync } from 'node:fs';
import { BatchLoader } from '../data/batch_loader.js';
import type { DatasetMeta } from '../data/schema.js';
import { atomicWriteFile } from '../io/atomic_write.js';
import { disposeCheckpoint, loadCheckpoint, saveCheckpoint } from '../models/checkpoint.js';
import { countMacs, gateMacCosts } from '../models/macs.js';
import type { GatedModel, ModelConfig } from '../models/model_types.js';
import { createModel } from '../models/registry.js';
import { ensureDataset } from './ensure_dataset.js';
import { emptyEpochSums } from './epoch_metrics.js';
import { modelInputShape } from './input_adapter.js';
import { Optimizer } from './optimizer.js';
import type { RunLog } from './run_log.js';
import { type RunPaths, runPaths } from './run_paths.js';
import { type ResumeState, RunFolderError, readRunConfig } from './run_state.js';
import { cloneConfig, type TrainConfig, validateTrainConfig } from './train_config.js';

/** Everything a run trains with; dispose() frees the model and the optimiser state. */
export interface RunContext {
  paths: RunPaths;
  cfg: TrainConfig;
  meta: DatasetMeta;
  model: GatedModel;
  optimizer: Optimizer;
  trainLoader: BatchLoader;
  stepsPerEpoch: number;
  /** The model's input [H, W, C] (after channel adaptation). */
  inputShape: number[];
  /** MAC cost of each gate's channels, when the L0 loss is MAC-weighted. */
  l0MacWeights: number[][] | undefined;
  /** Dense MACs per sample: the main network and the gate modules. */
  dense: { main: number; gates: number };
  /** Where training continues (the start of a new run, or the last checkpoint's state). */
  state: ResumeState;
  /** The lines that open this session in the log (the new run and its data, or where it resumed). */
  notices: string[];
  /** Writes the last checkpoint (weights, buffers, optimiser, resume state `s`). */
  saveLast(s: ResumeState): Promise<void>;
  /** Writes the final checkpoint (weights and buffers, no optimiser). */
  saveFinal(s: ResumeState): Promise<void>;
  dispose(): void;
}

/** The model a TrainConfig describes (its seed defaults to the run's seed). */
export function buildModel(config: TrainConfig): GatedModel {
  const { name, ...options } = config.model;
  return createModel(name, { ...options, seed: options.seed ?? config.seed });
}

/** The config to train with: validated, or read back from the folder; refuses to overwrite a run. */
async function resolveRunConfig(config: TrainConfig | undefined, resume: boolean, paths: RunPaths) {
  if (resume) {
    const cfg = await readRunConfig(paths.dir);
    if (!existsSync(paths.lastCheckpoint)) {
      throw new RunFolderError(
        'no-checkpoint',
        paths.dir,
        `train: ${paths.dir} has no checkpoint yet (${paths.lastCheckpoint}) to resume from; start it again with its config instead of resuming`,
      );
    }
    return cfg;
  }
  if (config === undefined) throw new Error("train: argument 'config' is required unless resuming");
  if (existsSync(paths.lastCheckpoint) || existsSync(paths.reportJson)) {
    throw new RunFolderError(
      'holds-a-run',
      paths.dir,
      `train: ${paths.dir} already holds a run; continue it with { resume: true } or choose another runDir`,
    );
  }
  return validateTrainConfig(cloneConfig(config));
}

/** Restores weights, buffers, optimiser and position from the last checkpoint; returns its resume state. */
async function restoreLastCheckpoint(
  paths: RunPaths,
  model: GatedModel,
  optimizer: Optimizer,
): Promise<ResumeState> {
  const path = paths.lastCheckpoint;
  const loaded = await loadCheckpoint<ModelConfig, ResumeState>(path);
  try {
    if (JSON.stringify(loaded.config) !== JSON.stringify(model.config)) {
      throw new Error(`train: resuming ${path}: the checkpoint was written for another model config`);
    }
    try {
      model.loadStateDict(loaded.tensors);
      await optimizer.loadState(loaded.optimizer ?? {});
    } catch (err) {
      throw new Error(`train: resuming ${path}: ${(err as Error).message}`, { cause: err });
    }
    if (loaded.extra === undefined) throw new Error(`train: resuming ${path}: it has no resume state`);
    model.noise.restore(loaded.extra.noise);
    return loaded.extra;
  } finally {
    disposeCheckpoint(loaded);
  }
}

/** Sets up a new run in `runDir` (writing its config.json) or the resumption of the run there. */
export async function setupRun(
  config: TrainConfig | undefined,
  runDir: string,
  resume: boolean,
  log: RunLog,
): Promise<RunContext> {
  const paths = runPaths(runDir);
  let cfg = await resolveRunConfig(config, resume, paths);

  // Data first: the dataset decides the number of classes, and the fallback may change the data config.
  const ensured = await ensureDataset(cfg.data, (l) => void log(l));
  const meta = ensured.meta;
  if (!resume) {
    cfg = { ...cfg, data: ensured.data };
    if (cfg.model.numClasses === undefined) cfg.model = { ...cfg.model, numClasses: meta.classes.length };
    cfg = validateTrainConfig(cfg);
    await atomicWriteFile(paths.config, `${JSON.stringify(cfg, null, 2)}\n`);
  }
  const taskMatches = meta.task === (cfg.model.name.startsWith('pspnet') ? 'segmentation' : 'classification');
  if (!taskMatches) {
    throw new Error(
      `train: model ${cfg.model.name} does not fit the ${meta.task} dataset in ${cfg.data.dir}`,
    );
  }
  const modelClasses = cfg.model.numClasses ?? meta.classes.length;
  if (modelClasses !== meta.classes.length) {
    throw new Error(
      `train: model.numClasses is ${modelClasses} but the dataset in ${cfg.data.dir} has ${meta.classes.length} classes`,
    );
  }

  const model = buildModel(cfg);
  const tensors = () => model.stateDict();
  const { lr: _peakLr, ...optimizerConfig } = cfg.optim;
  const optimizer = new Optimizer(model.namedWeights(), optimizerConfig);
  const dispose = () => {
    model.dispose();
    optimizer.dispose();
  };
  try {
    const trainLoader = new BatchLoader(cfg.data.dir, meta, {
      split: cfg.data.trainSplit,
      batchSize: cfg.data.batchSize,
      shuffle: true,
      seed: cfg.seed,
      dropLast: true,
      transform: cfg.data.trainTransform,
      workers: cfg.data.workers,
    });
    const stepsPerEpoch = Math.min(
      trainLoader.stepsPerEpoch,
      cfg.data.maxStepsPerEpoch ?? Number.POSITIVE_INFINITY,
    );
    if (stepsPerEpoch < 1) {
      throw new Error(
        `train: split '${cfg.data.trainSplit}' of ${cfg.data.dir} has ${trainLoader.numSamples} samples, fewer than one batch of ${cfg.data.batchSize}`,
      );
    }
    const inputShape = modelInputShape(trainLoader.outputShape, model.config.inputChannels);
    const l0MacWeights = cfg.loss.l0MacWeighted
      ? gateMacCosts(model, inputShape).map((g) => g.costs)
      : undefined;
    const dense = countMacs(model, inputShape);

    let state: ResumeState = {
      epoch: 0,
      step: 0,
      globalStep: 0,
      noise: model.noise.state(),
      history: [],
      epochSums: emptyEpochSums(),
      trainSeconds: 0,
      trainConfig: cfg,
      completed: false,
    };
    let notices = [`run ${paths.dir}: preset ${cfg.name} (${cfg.description})`, ensured.notice];
    if (resume) {
      state = await restoreLastCheckpoint(paths, model, optimizer);
      notices = [`resumed from ${paths.lastCheckpoint} at epoch ${state.epoch + 1}, step ${state.step}`];
    }
    return {
      paths,
      cfg,
      meta,
      model,
      optimizer,
      trainLoader,
      stepsPerEpoch,
      inputShape,
      l0MacWeights,
      dense,
      state,
      notices,
      async saveLast(s) {
        const optimizerState = optimizer.state();
        try {
          await saveCheckpoint(paths.lastCheckpoint, {
            tensors: tensors(),
            config: model.config,
            optimizer: optimizerState,
            extra: s,
          });
        } finally {
          optimizerState.step?.dispose();
        }
      },
      async saveFinal(s) {
        await saveCheckpoint(paths.finalCheckpoint, { tensors: tensors(), config: model.config, extra: s });
      },
      dispose,
    };
  } catch (err) {
    dispose();
    throw err;
  }
}
