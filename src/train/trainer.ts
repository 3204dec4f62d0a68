// The training loop of a gated network (Bejnordi et al., ICLR 2020): the configured optimiser (optimizer.ts:
// SGD/Nesterov, Adam or AdamW over parameter groups), the learning-rate schedule (lr_schedule.ts), the gate-loss
// schedule (gamma annealed, lambda ramped in; lossWeightsAt), evaluation with deterministic gates (evaluate.ts), all kept in
// a run directory (run_paths.ts): config.json, Arrow metrics per step and per epoch, a text log, atomic
// checkpoints every epoch and on Ctrl-C, a final report.
//
// Resuming is exact: a checkpoint holds the weights, BatchNorm statistics, optimizer state and, in its
// extra JSON, the position (epoch, step), the gate-noise RNG state, the metric history and the running sums
// of the unfinished epoch. Learning rate and loss weights are pure functions of the position, and the data
// loader is seeded per (seed, epoch, sample), so a resumed run replays the same batches and noise and ends
// with the same weights as an uninterrupted one. A run killed with SIGKILL restarts from its last epoch
// checkpoint (losing at most that epoch); a NaN/Inf loss stops the run before the update is applied, and
// nothing is saved after it, so the last checkpoint on disk is the last good state.
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type Batch, BatchLoader } from '../data/batch_loader.js';
import { batchToTensors } from '../data/batch_tensors.js';
import type { DatasetMeta } from '../data/schema.js';
import type { NoiseState } from '../gates/noise_source.js';
import { atomicWriteFile, removeStaleTempFiles } from '../io/atomic_write.js';
import { withFolderLock } from '../io/folder_lock.js';
import { lossWeightsAt } from '../losses/loss_schedule.js';
import { disposeCheckpoint, loadCheckpoint, saveCheckpoint } from '../models/checkpoint.js';
import { countMacs, gateMacCosts } from '../models/macs.js';
import type { GatedModel, ModelConfig } from '../models/model_types.js';
import { createModel } from '../models/registry.js';
import { ensureDataset } from './ensure_dataset.js';
import { type EvalResult, evaluate } from './evaluate.js';
import { adaptChannels, modelInputShape } from './input_adapter.js';
import { learningRateAt } from './lr_schedule.js';
import { type MetricsRow, readMetricsTable, writeMetricsTable } from './metrics_table.js';
import { Optimizer } from './optimizer.js';
import { createProgressDisplay, type ProgressDisplay } from './progress_display.js';
import { type RunPaths, runPaths } from './run_paths.js';
import { formatReport, type RunReport } from './run_report.js';
import { cloneConfig, type TrainConfig, validateTrainConfig } from './train_config.js';
import { gatedLossGradients } from './train_step.js';

export type RunStatus = 'completed' | 'interrupted' | 'diverged';

/** Running sums over the steps of one epoch. */
interface EpochSums {
  steps: number;
  images: number;
  loss: number;
  ce: number;
  bas: number;
  l0: number;
  correct: number;
  counted: number;
  gateOn: number;
  seconds: number;
}

/** The JSON resume state stored in a checkpoint's extra field. */
interface ResumeState {
  /** Epoch (0-based) and step within it at which training continues. */
  epoch: number;
  step: number;
  globalStep: number;
  noise: NoiseState;
  /** Epoch metric rows so far. */
  history: MetricsRow[];
  /** Sums of the unfinished epoch's steps (zero at an epoch boundary). */
  epochSums: EpochSums;
  /** Training seconds so far (excluding evaluation). */
  trainSeconds: number;
  /** The run's TrainConfig, so `eval --checkpoint` can rebuild the evaluation data. */
  trainConfig: TrainConfig;
  /** The last evaluation, if any. */
  lastEval?: EvalResult;
  completed: boolean;
}

export interface TrainHooks {
  /** Sees (and may replace) every training batch before it is uploaded: tests inject faults here. */
  mapBatch?: (batch: Batch) => Batch;
  /** Called after each end-of-epoch checkpoint is on disk. */
  afterCheckpoint?: (epoch: number, path: string) => void | Promise<void>;
}

export interface TrainOptions {
  /** The run directory (created). */
  runDir: string;
  /** Continue the run in runDir from its last checkpoint (the config is read from runDir/config.json). */
  resume?: boolean;
  /** No progress bar and no console lines (the log file is still written). */
  quiet?: boolean;
  /** Console output (default console.log). */
  print?: (line: string) => void;
  /** Install SIGINT/SIGTERM handlers that checkpoint and stop (default true). */
  handleSignals?: boolean;
  hooks?: TrainHooks;
  /** Free text written to the log head (e.g. which backend the CLI chose and why). */
  backendNote?: string;
}

export interface TrainOutcome {
  status: RunStatus;
  runDir: string;
  message: string;
  report?: RunReport;
}

function emptySums(): EpochSums {
  return {
    steps: 0,
    images: 0,
    loss: 0,
    ce: 0,
    bas: 0,
    l0: 0,
    correct: 0,
    counted: 0,
    gateOn: 0,
    seconds: 0,
  };
}

/** The model a TrainConfig describes, for a dataset with `numClasses` classes. */
export function buildModel(config: TrainConfig): GatedModel {
  const { name, ...options } = config.model;
  return createModel(name, { ...options, seed: options.seed ?? config.seed });
}

/** Reads a run directory's resolved config. */
export async function readRunConfig(runDir: string): Promise<TrainConfig> {
  const paths = runPaths(runDir);
  let text: string;
  try {
    text = await readFile(paths.config, 'utf8');
  } catch {
    throw new Error(`train: ${runDir} is not a run directory (no config.json)`);
  }
  if (text.trim() === '') {
    throw new Error(
      `train: ${paths.config} is empty; expected the run's training config (JSON) that train wrote`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(
      `train: ${paths.config} is not valid JSON (${(err as Error).message}); expected the run's training config that train wrote (truncated or edited?)`,
    );
  }
  try {
    return validateTrainConfig(value);
  } catch (err) {
    throw new Error(`train: ${paths.config}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Trains `config` in options.runDir (or resumes the run there). The run folder is locked (`<run>/.lock`)
 * while training: a second process training into it is refused, naming this one.
 */
export async function train(config: TrainConfig | undefined, options: TrainOptions): Promise<TrainOutcome> {
  const paths = runPaths(options.runDir);
  if (options.resume) await readRunConfig(paths.dir); // a clear error before anything is created
  await mkdir(paths.dir, { recursive: true });
  return withFolderLock(join(paths.dir, '.lock'), `run folder ${paths.dir}`, async () => {
    // Temporary files of writes that a kill interrupted (we hold the lock, so no live writer owns them).
    for (const dir of [paths.dir, paths.checkpointsDir, paths.metricsDir]) {
      if (existsSync(dir)) await removeStaleTempFiles(dir, () => true);
    }
    return trainLocked(config, options);
  });
}

async function trainLocked(config: TrainConfig | undefined, options: TrainOptions): Promise<TrainOutcome> {
  const paths = runPaths(options.runDir);
  const print = options.quiet ? () => {} : (options.print ?? ((l: string) => console.log(l)));
  await mkdir(paths.checkpointsDir, { recursive: true });
  await mkdir(paths.metricsDir, { recursive: true });
  const log = async (line: string, toConsole = true) => {
    await appendFile(paths.log, `[${new Date().toISOString()}] ${line}\n`);
    if (toConsole) print(line);
  };

  let cfg: TrainConfig;
  if (options.resume) {
    cfg = await readRunConfig(paths.dir);
    if (!existsSync(paths.lastCheckpoint)) {
      throw new Error(
        `train --resume: ${paths.dir} has no checkpoint yet (${paths.lastCheckpoint}); start it again without --resume`,
      );
    }
  } else {
    if (config === undefined) throw new Error("train: argument 'config' is required unless resuming");
    cfg = validateTrainConfig(cloneConfig(config));
    if (existsSync(paths.lastCheckpoint) || existsSync(paths.reportJson)) {
      throw new Error(
        `train: ${paths.dir} already holds a run; continue it with --resume ${paths.dir} or choose another --out`,
      );
    }
  }

  // Data first: the dataset decides the number of classes, and the fallback may change the data config.
  const ensured = await ensureDataset(cfg.data, (l) => void log(l));
  const meta = ensured.meta;
  if (!options.resume) {
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
  const params = model.namedWeights();
  const { lr: _peakLr, ...optimizerConfig } = cfg.optim;
  const optimizer = new Optimizer(params, optimizerConfig);
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
    epochSums: emptySums(),
    trainSeconds: 0,
    trainConfig: cfg,
    completed: false,
  };
  if (options.resume) {
    const loaded = await loadCheckpoint<ModelConfig, ResumeState>(paths.lastCheckpoint);
    try {
      if (JSON.stringify(loaded.config) !== JSON.stringify(model.config)) {
        throw new Error(`train --resume: ${paths.lastCheckpoint} was written for another model config`);
      }
      try {
        model.loadStateDict(loaded.tensors);
        await optimizer.loadState(loaded.optimizer ?? {});
      } catch (err) {
        throw new Error(`train --resume: ${paths.lastCheckpoint}: ${(err as Error).message}`, { cause: err });
      }
      if (loaded.extra === undefined)
        throw new Error(`train --resume: ${paths.lastCheckpoint} has no resume state`);
      state = loaded.extra;
      model.noise.restore(state.noise);
    } finally {
      disposeCheckpoint(loaded);
    }
    if (state.completed) {
      model.dispose();
      optimizer.dispose();
      return { status: 'completed', runDir: paths.dir, message: `train: ${paths.dir} is already complete` };
    }
    await log(`resumed from ${paths.lastCheckpoint} at epoch ${state.epoch + 1}, step ${state.step}`);
  } else {
    await log(`run ${paths.dir}: preset ${cfg.name} (${cfg.description})`);
    await log(ensured.notice);
  }
  if (options.backendNote) await log(options.backendNote);
  await log(
    `model ${model.config.name} width ${model.config.widthMultiplier}, ${model.parameterCount()} parameters, ` +
      `${(dense.main / 1e6).toFixed(2)} MMAC dense + ${(dense.gates / 1e6).toFixed(3)} MMAC gates at ${inputShape.join('x')}; ` +
      `${cfg.epochs} epochs x ${stepsPerEpoch} steps x ${cfg.data.batchSize} images; tfjs backend ${tf.getBackend()}`,
  );

  // Ctrl-C / SIGTERM: finish the current step, checkpoint, stop. A second Ctrl-C exits at once.
  let stopRequested: string | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopRequested !== null) process.exit(130);
    stopRequested = sig;
  };
  if (options.handleSignals ?? true) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const removeSignals = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };

  const saveLast = async (s: ResumeState) => {
    const optimizerState = optimizer.state();
    try {
      await saveCheckpoint(paths.lastCheckpoint, {
        tensors: model.stateDict(),
        config: model.config,
        optimizer: optimizerState,
        extra: s,
      });
    } finally {
      optimizerState.step?.dispose();
    }
  };

  const totalSteps = cfg.epochs * stepsPerEpoch;
  const showBar = !options.quiet && process.stderr.isTTY === true;
  let display: ProgressDisplay | undefined;
  try {
    for (let epoch = state.epoch; epoch < cfg.epochs; epoch++) {
      const startStep = epoch === state.epoch ? state.step : 0;
      const sums = epoch === state.epoch ? state.epochSums : emptySums();
      let stepRows: MetricsRow[] = [];
      if (startStep > 0 && existsSync(paths.steps(epoch))) {
        stepRows = (await readMetricsTable(paths.steps(epoch))).filter((r) => r.step! < startStep);
      }
      display = showBar ? createProgressDisplay(stepsPerEpoch, epoch, cfg.epochs, startStep) : undefined;
      const batches = trainLoader.epoch(epoch, { startStep });
      let step = startStep;
      let diverged: string | null = null;
      try {
        while (step < stepsPerEpoch) {
          if (stopRequested !== null) break;
          const next = await batches.next();
          if (next.done) break;
          const batch = options.hooks?.mapBatch ? options.hooks.mapBatch(next.value) : next.value;
          const t0 = performance.now();
          const position = epoch + step / stepsPerEpoch;
          const lr = learningRateAt(cfg, position);
          const weights = lossWeightsAt(cfg.loss, Math.min(1, position / cfg.epochs));
          const t = batchToTensors(batch);
          const images = adaptChannels(t.images, model.config.inputChannels);
          const r = gatedLossGradients(
            model,
            { images, ...(t.labels ? { labels: t.labels } : {}), ...(t.masks ? { masks: t.masks } : {}) },
            {
              weights,
              basReduction: cfg.loss.basReduction,
              l0Reduction: cfg.loss.l0Reduction,
              ...(l0MacWeights ? { l0MacWeights } : {}),
            },
          );
          const scalar = async (x: tf.Tensor) => (await x.data())[0] ?? Number.NaN;
          const [total, ce, bas, l0, correct, counted, gateOn] = await Promise.all([
            scalar(r.total),
            scalar(r.ce),
            scalar(r.bas),
            scalar(r.l0),
            scalar(r.correct),
            scalar(r.counted),
            scalar(r.gateOn),
          ]);
          const finite = [total, ce, bas, l0].every((v) => Number.isFinite(v));
          if (finite) optimizer.step(r.grads, lr);
          tf.dispose([...Object.values(r.grads), r.total, r.ce, r.bas, r.l0, r.correct, r.counted, r.gateOn]);
          tf.dispose([t.images, t.labels, t.masks, images].filter((x) => x !== undefined));
          if (!finite) {
            diverged =
              `train: the loss is not finite at epoch ${epoch + 1}, step ${step} (total ${total}, ce ${ce}, ` +
              `bas ${bas}, l0 ${l0}, lr ${lr.toExponential(3)}); the run stopped without applying this step. ` +
              `The last good checkpoint is ${existsSync(paths.lastCheckpoint) ? paths.lastCheckpoint : '(none yet: no epoch finished)'}. ` +
              'Try a lower learning rate (--set optim.lr=...) or a longer warm-up (--set lr.warmupEpochs=...).';
            break;
          }
          // Read after the update (await data() above made the step complete): the step's real cost.
          const seconds = (performance.now() - t0) / 1000;
          sums.steps += 1;
          sums.images += batch.size;
          sums.loss += total;
          sums.ce += ce;
          sums.bas += bas;
          sums.l0 += l0;
          sums.correct += correct;
          sums.counted += counted;
          sums.gateOn += gateOn;
          sums.seconds += seconds;
          state.trainSeconds += seconds;
          stepRows.push({
            epoch,
            step,
            globalStep: state.globalStep,
            lr,
            gamma: weights.gamma,
            lambda: weights.lambda,
            loss: total,
            ce,
            bas,
            l0,
            accuracy: correct / Math.max(1, counted),
            gateOn,
            imagesPerSecond: batch.size / seconds,
          });
          step += 1;
          state.globalStep += 1;
          display?.update(step, {
            ips: sums.images / sums.seconds,
            loss: total,
            ce,
            bas,
            l0,
            acc: sums.correct / Math.max(1, sums.counted),
            gates: sums.gateOn / sums.steps,
            lr,
          });
          if (step % cfg.logEverySteps === 0 || step === stepsPerEpoch) {
            await log(
              `epoch ${epoch + 1}/${cfg.epochs} step ${step}/${stepsPerEpoch} (global ${state.globalStep}/${totalSteps}): ` +
                `loss ${total.toFixed(4)} ce ${ce.toFixed(4)} bas ${bas.toFixed(4)} l0 ${l0.toFixed(4)} ` +
                `acc ${(correct / Math.max(1, counted)).toFixed(3)} gates-on ${gateOn.toFixed(3)} lr ${lr.toExponential(3)} ` +
                `gamma ${weights.gamma.toFixed(3)} lambda ${weights.lambda} ${(batch.size / seconds).toFixed(1)} img/s`,
              !showBar, // without a TTY bar (CI logs, pipes) the step lines are the progress
            );
          }
          if (step % 100 === 0) await writeMetricsTable(paths.steps(epoch), stepRows);
        }
      } finally {
        await batches.return?.(undefined);
        display?.stop();
      }
      if (stepRows.length > 0) await writeMetricsTable(paths.steps(epoch), stepRows);
      if (diverged !== null) {
        await log(diverged);
        await writeReportFiles(paths, {
          status: 'diverged',
          message: diverged,
          cfg,
          state,
          model,
          dense,
          inputShape,
        });
        return { status: 'diverged', runDir: paths.dir, message: diverged };
      }
      if (stopRequested !== null) {
        const s: ResumeState = { ...state, epoch, step, noise: model.noise.state(), epochSums: sums };
        await saveLast(s);
        const message = `train: stopped by ${stopRequested} at epoch ${epoch + 1}, step ${step}; checkpoint ${paths.lastCheckpoint}; continue with --resume ${paths.dir}`;
        await log(message);
        return { status: 'interrupted', runDir: paths.dir, message };
      }
      // End of epoch: evaluate when due, record the epoch, checkpoint.
      const last = epoch === cfg.epochs - 1;
      const due = last || (cfg.evalEveryEpochs > 0 && (epoch + 1) % cfg.evalEveryEpochs === 0);
      let ev: EvalResult | undefined;
      if (due) {
        ev = await runEvaluation(model, cfg, meta, options.quiet !== true && showBar);
        state.lastEval = ev;
      }
      const row: MetricsRow = {
        epoch,
        lr: learningRateAt(cfg, Math.min(cfg.epochs, epoch + 1)),
        trainLoss: sums.loss / Math.max(1, sums.steps),
        trainCe: sums.ce / Math.max(1, sums.steps),
        trainBas: sums.bas / Math.max(1, sums.steps),
        trainL0: sums.l0 / Math.max(1, sums.steps),
        trainAccuracy: sums.correct / Math.max(1, sums.counted),
        trainGateOn: sums.gateOn / Math.max(1, sums.steps),
        trainImagesPerSecond: sums.images / Math.max(1e-9, sums.seconds),
        trainSeconds: sums.seconds,
        evalTop1: ev?.top1 ?? Number.NaN,
        evalTop5: ev?.top5 ?? Number.NaN,
        evalMeanIoU: ev?.meanIoU ?? Number.NaN,
        evalLoss: ev?.loss ?? Number.NaN,
        evalMacFraction: ev?.macs.meanFraction ?? Number.NaN,
        evalSeconds: ev?.seconds ?? Number.NaN,
      };
      state.history = [...state.history.filter((h) => h.epoch! < epoch), row];
      await writeMetricsTable(paths.epochs, state.history);
      state = {
        ...state,
        epoch: epoch + 1,
        step: 0,
        noise: model.noise.state(),
        epochSums: emptySums(),
        completed: last,
      };
      await saveLast(state);
      await log(
        `epoch ${epoch + 1}/${cfg.epochs}: train loss ${row.trainLoss!.toFixed(4)} acc ${row.trainAccuracy!.toFixed(4)} ` +
          `gates-on ${row.trainGateOn!.toFixed(3)} ${row.trainImagesPerSecond!.toFixed(1)} img/s` +
          (ev ? `; eval ${describeEval(ev)}` : ''),
      );
      await options.hooks?.afterCheckpoint?.(epoch, paths.lastCheckpoint);
    }
    await saveCheckpoint(paths.finalCheckpoint, {
      tensors: model.stateDict(),
      config: model.config,
      extra: state,
    });
    const report = await writeReportFiles(paths, {
      status: 'completed',
      message: 'completed',
      cfg,
      state,
      model,
      dense,
      inputShape,
    });
    print(formatReport(report));
    return { status: 'completed', runDir: paths.dir, message: 'completed', report };
  } finally {
    removeSignals();
    model.dispose();
    optimizer.dispose();
  }
}

/** One line: accuracy (or mIoU) and MACs. */
export function describeEval(ev: EvalResult): string {
  const task =
    ev.task === 'classification'
      ? `top-1 ${(ev.top1! * 100).toFixed(2)}% top-5 ${(ev.top5! * 100).toFixed(2)}%`
      : `mIoU ${(ev.meanIoU! * 100).toFixed(2)}% pixel acc ${(ev.pixelAccuracy! * 100).toFixed(2)}%`;
  return `${task}, MACs ${(ev.macs.meanFraction * 100).toFixed(1)}% of dense (median ${(ev.macs.quantiles.p50 * 100).toFixed(1)}%) on ${ev.samples} samples`;
}

/** Evaluates `model` on the config's evaluation split with deterministic gates. */
export async function runEvaluation(
  model: GatedModel,
  cfg: TrainConfig,
  meta: DatasetMeta,
  showBar = false,
): Promise<EvalResult> {
  const loader = new BatchLoader(cfg.data.dir, meta, {
    split: cfg.data.evalSplit,
    batchSize: cfg.data.evalBatchSize,
    shuffle: false,
    transform: cfg.data.evalTransform,
    workers: cfg.data.workers,
  });
  const total = Math.min(loader.numSamples, cfg.data.maxEvalSamples ?? Number.POSITIVE_INFINITY);
  const display = showBar ? createProgressDisplay(total, -1, 0, 0) : undefined;
  const batches = loader.epoch(0);
  try {
    return await evaluate(model, batches, {
      maxSamples: cfg.data.maxEvalSamples,
      onBatch: (done) => display?.update(done, {}),
    });
  } finally {
    await batches.return?.(undefined);
    display?.stop();
  }
}

interface ReportInput {
  status: RunStatus;
  message: string;
  cfg: TrainConfig;
  state: ResumeState;
  model: GatedModel;
  dense: { main: number; gates: number };
  inputShape: number[];
}

async function writeReportFiles(paths: RunPaths, r: ReportInput): Promise<RunReport> {
  const report: RunReport = {
    status: r.status,
    message: r.message,
    preset: r.cfg.name,
    runDir: paths.dir,
    model: r.model.config,
    parameters: r.model.parameterCount(),
    inputShape: r.inputShape,
    denseMacs: r.dense.main,
    gateMacs: r.dense.gates,
    epochsDone: r.state.epoch,
    steps: r.state.globalStep,
    trainSeconds: r.state.trainSeconds,
    backend: tf.getBackend(),
    dataset: r.cfg.data.dataset,
    history: r.state.history,
    ...(r.state.lastEval ? { eval: r.state.lastEval } : {}),
  };
  await atomicWriteFile(paths.reportJson, `${JSON.stringify(report, null, 2)}\n`);
  await atomicWriteFile(paths.reportText, `${formatReport(report)}\n`);
  return report;
}
