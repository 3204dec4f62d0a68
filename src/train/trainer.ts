// The training loop of a gated network (Bejnordi et al., ICLR 2020), kept in a run directory (run_paths.ts):
// config.json, Arrow metrics per step and per epoch, a text log, atomic checkpoints every epoch and when
// stopped, a final report. The pieces: setup and resume (run_setup.ts), one epoch (train_epoch.ts), the
// epoch's metrics (epoch_metrics.ts), evaluation (run_evaluation.ts) and the report (run_report.ts); this
// file runs the epochs and the end-of-epoch work (evaluation, metrics row, checkpoint).
//
// Resuming is exact: a checkpoint holds the weights, BatchNorm statistics, optimizer state and, in its
// extra JSON, the position (epoch, step), the gate-noise RNG state, the metric history and the running sums
// of the unfinished epoch. Learning rate and loss weights are pure functions of the position, and the data
// loader is seeded per (seed, epoch, sample), so a resumed run replays the same batches and noise and ends
// with the same weights as an uninterrupted one. A run killed with SIGKILL restarts from its last epoch
// checkpoint (losing at most that epoch); a NaN/Inf loss stops the run before the update is applied, and
// nothing is saved after it, so the last checkpoint on disk is the last good state.
//
// train() is a library call: it installs no signal handler and never exits the process. To stop it, abort
// `options.signal`: the current step finishes, a checkpoint is written and the outcome is 'interrupted'
// (the CLI aborts on Ctrl-C / SIGTERM, src/cli/stop_signals.ts).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../data/batch_loader.js';
import { removeStaleTempFiles } from '../io/atomic_write.js';
import { withFolderLock } from '../io/folder_lock.js';
import type { ProgressFactory } from '../io/progress.js';
import { terminalProgress } from '../io/terminal_progress.js';
import type { EpochMetrics } from './epoch_metrics.js';
import { emptyEpochSums } from './epoch_metrics.js';
import type { EvalResult } from './evaluate.js';
import { learningRateAt } from './lr_schedule.js';
import { type MetricsRow, writeMetricsTable } from './metrics_table.js';
import { describeEval, runEvaluation } from './run_evaluation.js';
import { type RunLog, runLog } from './run_log.js';
import { runPaths } from './run_paths.js';
import { formatReport, type RunReport, type RunStatus, writeRunReport } from './run_report.js';
import { type RunContext, setupRun } from './run_setup.js';
import { readRunConfig } from './run_state.js';
import type { TrainConfig } from './train_config.js';
import { type EpochResult, trainEpoch } from './train_epoch.js';

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
  /** No progress display and no console lines (the log file is still written). */
  quiet?: boolean;
  /** Console output (default console.log). */
  print?: (line: string) => void;
  /**
   * Stops the run when aborted: the current step finishes, the last checkpoint is written and train()
   * returns status 'interrupted' (resume it with `resume: true`). The abort reason, when a string (e.g.
   * 'SIGINT'), is named in the message.
   */
  signal?: AbortSignal;
  /**
   * Progress of each epoch and evaluation (e.g. notebookProgress). Default: a terminal bar when stderr is
   * a terminal and not quiet, else none (the step lines of the log are then printed instead).
   */
  progress?: ProgressFactory;
  hooks?: TrainHooks;
  /** Free text written to the log head (e.g. which backend the CLI chose and why). */
  backendNote?: string;
}

export interface TrainOutcome {
  status: RunStatus;
  runDir: string;
  /** What happened, with advice worded for library callers. */
  message: string;
  /** What happened, without the advice (the CLI adds its own, worded as flags). */
  reason?: string;
  report?: RunReport;
  /** Where an interrupted run stopped (resume continues there), or the step whose loss was not finite. */
  stoppedAt?: { epoch: number; step: number };
}

/** The config fields a user changes after a non-finite loss (the CLI words them as --set flags). */
export const DIVERGENCE_FIELDS = ['optim.lr', 'lr.warmupEpochs'] as const;

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

function stopReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  return 'its abort signal';
}

async function trainLocked(config: TrainConfig | undefined, options: TrainOptions): Promise<TrainOutcome> {
  const paths = runPaths(options.runDir);
  const print = options.quiet ? () => {} : (options.print ?? ((l: string) => console.log(l)));
  await mkdir(paths.checkpointsDir, { recursive: true });
  await mkdir(paths.metricsDir, { recursive: true });
  const log = runLog(paths.log, print);
  const resume = options.resume === true;
  const run = await setupRun(config, paths.dir, resume, log);
  try {
    const { cfg, model, state, stepsPerEpoch, inputShape, dense } = run;
    if (state.completed) {
      return { status: 'completed', runDir: paths.dir, message: `train: ${paths.dir} is already complete` };
    }
    for (const notice of run.notices) await log(notice);
    if (options.backendNote) await log(options.backendNote);
    await log(
      `model ${model.config.name} width ${model.config.widthMultiplier}, ${model.parameterCount()} parameters, ` +
        `${(dense.main / 1e6).toFixed(2)} MMAC dense + ${(dense.gates / 1e6).toFixed(3)} MMAC gates at ${inputShape.join('x')}; ` +
        `${cfg.epochs} epochs x ${stepsPerEpoch} steps x ${cfg.data.batchSize} images; tfjs backend ${tf.getBackend()}`,
    );
    const progress =
      options.progress ?? (!options.quiet && process.stderr.isTTY === true ? terminalProgress : undefined);
    for (let epoch = run.state.epoch; epoch < cfg.epochs; epoch++) {
      const result = await trainEpoch(run, epoch, {
        signal: options.signal,
        mapBatch: options.hooks?.mapBatch,
        progress,
        log,
        // without a progress display (CI logs, pipes) the step lines are the progress
        stepLinesToConsole: progress === undefined,
      });
      if (result.kind === 'diverged') return await diverged(run, epoch, result, log);
      if (result.kind === 'stopped') return await stopped(run, epoch, result, options.signal, log);
      await finishEpoch(run, epoch, result.metrics, progress, log);
      await options.hooks?.afterCheckpoint?.(epoch, paths.lastCheckpoint);
    }
    await run.saveFinal(run.state);
    const report = await writeRunReport(run, 'completed', 'completed');
    print(formatReport(report));
    return { status: 'completed', runDir: paths.dir, message: 'completed', report };
  } finally {
    run.dispose();
  }
}

/** A non-finite loss: the log line and the report say where, and what to change. */
async function diverged(
  run: RunContext,
  epoch: number,
  result: Extract<EpochResult, { kind: 'diverged' }>,
  log: RunLog,
): Promise<TrainOutcome> {
  const { paths } = run;
  const l = result.losses;
  const reason =
    `train: the loss is not finite at epoch ${epoch + 1}, step ${result.step} (total ${l.total}, ce ${l.ce}, ` +
    `bas ${l.bas}, l0 ${l.l0}, lr ${l.lr.toExponential(3)}); the run stopped without applying this step. ` +
    `The last good checkpoint is ${existsSync(paths.lastCheckpoint) ? paths.lastCheckpoint : '(none yet: no epoch finished)'}.`;
  const message = `${reason} Try a lower learning rate (config field ${DIVERGENCE_FIELDS[0]}) or a longer warm-up (${DIVERGENCE_FIELDS[1]}).`;
  await log(message);
  await writeRunReport(run, 'diverged', message);
  return { status: 'diverged', runDir: paths.dir, message, reason, stoppedAt: { epoch, step: result.step } };
}

/** A stop by the signal: checkpoint where the epoch stopped (its sums too), so a resume continues there. */
async function stopped(
  run: RunContext,
  epoch: number,
  result: Extract<EpochResult, { kind: 'stopped' }>,
  signal: AbortSignal | undefined,
  log: RunLog,
): Promise<TrainOutcome> {
  const { paths } = run;
  await run.saveLast({
    ...run.state,
    epoch,
    step: result.step,
    noise: run.model.noise.state(),
    epochSums: result.metrics.snapshot(),
  });
  const reason = `train: stopped by ${stopReason(signal)} at epoch ${epoch + 1}, step ${result.step}; checkpoint ${paths.lastCheckpoint}`;
  const message = `${reason}; continue with train(undefined, { runDir: '${paths.dir}', resume: true })`;
  await log(message);
  return {
    status: 'interrupted',
    runDir: paths.dir,
    message,
    reason,
    stoppedAt: { epoch, step: result.step },
  };
}

/** End of an epoch: evaluate when due, record the epoch row, checkpoint, log the summary. */
async function finishEpoch(
  run: RunContext,
  epoch: number,
  metrics: EpochMetrics,
  progress: ProgressFactory | undefined,
  log: RunLog,
): Promise<void> {
  const { cfg, model, paths } = run;
  const last = epoch === cfg.epochs - 1;
  const due = last || (cfg.evalEveryEpochs > 0 && (epoch + 1) % cfg.evalEveryEpochs === 0);
  let ev: EvalResult | undefined;
  if (due) {
    ev = await runEvaluation(model, cfg, run.meta, progress);
    run.state.lastEval = ev;
  }
  const train = metrics.trainColumns();
  const row: MetricsRow = {
    epoch,
    lr: learningRateAt(cfg, Math.min(cfg.epochs, epoch + 1)),
    ...train,
    evalTop1: ev?.top1 ?? Number.NaN,
    evalTop5: ev?.top5 ?? Number.NaN,
    evalMeanIoU: ev?.meanIoU ?? Number.NaN,
    evalLoss: ev?.loss ?? Number.NaN,
    evalMacFraction: ev?.macs.meanFraction ?? Number.NaN,
    evalSeconds: ev?.seconds ?? Number.NaN,
  };
  const history = [...run.state.history.filter((h) => (h.epoch ?? -1) < epoch), row];
  await writeMetricsTable(paths.epochs, history);
  run.state = {
    ...run.state,
    history,
    epoch: epoch + 1,
    step: 0,
    noise: model.noise.state(),
    epochSums: emptyEpochSums(),
    completed: last,
  };
  await run.saveLast(run.state);
  await log(
    `epoch ${epoch + 1}/${cfg.epochs}: train loss ${train.trainLoss.toFixed(4)} acc ${train.trainAccuracy.toFixed(4)} ` +
      `gates-on ${train.trainGateOn.toFixed(3)} ${train.trainImagesPerSecond.toFixed(1)} img/s` +
      (ev ? `; eval ${describeEval(ev)}` : ''),
  );
}
