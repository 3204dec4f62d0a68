// What a run folder holds, read without training: its config (config.json), the resume state in its last
// checkpoint (header only, no tensor is read) and its report. readRunState is the entry point for code that
// decides whether to start, resume or just load a run (trainOrResume, loadRun, notebooks); train() itself reads
// the same files when it resumes.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { NoiseState } from '../gates/noise_source.js';
import { readCheckpointInfo } from '../models/checkpoint.js';
import type { EpochSums } from './epoch_metrics.js';
import type { EvalResult } from './evaluate.js';
import type { MetricsRow } from './metrics_table.js';
import { runPaths } from './run_paths.js';
import type { RunReport } from './run_report.js';
import { type TrainConfig, validateTrainConfig } from './train_config.js';

/** The JSON resume state stored in a checkpoint's extra field. */
export interface ResumeState {
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

/**
 * Where a run folder stands:
 * - 'none': no config.json (not a run folder, or nothing started yet): start it with train(config, ...);
 * - 'started': config.json but no checkpoint yet (stopped or killed in its first epoch): start it again;
 * - 'resumable': a last checkpoint of an unfinished run: train(undefined, { runDir, resume: true });
 * - 'completed': trained to the end; its final checkpoint and report are there;
 * - 'diverged': its report says the loss stopped being finite; the last checkpoint is the last good state
 *   (resuming as it is would diverge again: change the config, e.g. a lower learning rate).
 */
export type RunFolderStatus = 'none' | 'started' | 'resumable' | 'completed' | 'diverged';

export interface RunState {
  runDir: string;
  status: RunFolderStatus;
  /** The run's config (absent when status is 'none'). */
  config?: TrainConfig;
  /** The last checkpoint's resume state (status 'resumable' or 'completed'). */
  resume?: ResumeState;
  /** report.json, once the run completed, diverged or was stopped after a report (checked: readRunReport). */
  report?: RunReport;
}

/** Why train() refused a run folder; the CLI words its own hint from `reason`. */
export class RunFolderError extends Error {
  constructor(
    readonly reason: 'not-a-run' | 'holds-a-run' | 'no-checkpoint',
    readonly runDir: string,
    message: string,
  ) {
    super(message);
    this.name = 'RunFolderError';
  }
}

/** Reads a run directory's resolved config (config.json), validated; errors name the file. */
export async function readRunConfig(runDir: string): Promise<TrainConfig> {
  const paths = runPaths(runDir);
  let text: string;
  try {
    text = await readFile(paths.config, 'utf8');
  } catch {
    throw new RunFolderError('not-a-run', runDir, `train: ${runDir} is not a run directory (no config.json)`);
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

/** The resume state of a checkpoint the trainer wrote, from its header alone. */
export async function readResumeState(checkpointPath: string): Promise<ResumeState> {
  const info = await readCheckpointInfo<unknown, ResumeState>(checkpointPath);
  const extra = info.extra;
  if (typeof extra !== 'object' || extra === null || typeof extra.epoch !== 'number') {
    throw new Error(`train: ${checkpointPath} has no resume state (not a checkpoint train wrote?)`);
  }
  return extra;
}

/** Reads a run's report.json; the error names the file. */
async function readRunReport(path: string): Promise<RunReport> {
  let report: unknown;
  try {
    report = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(
      `${path}: not a readable run report (JSON written by train; truncated or edited?): ${(err as Error).message}`,
      { cause: err },
    );
  }
  const status = (report as { status?: unknown } | null)?.status;
  if (status !== 'completed' && status !== 'interrupted' && status !== 'diverged') {
    throw new Error(
      `${path}: expected a run report with status 'completed', 'interrupted' or 'diverged'; got status ${JSON.stringify(status)}`,
    );
  }
  return report as RunReport;
}

/** Where the run in `runDir` stands, and its config, resume state and report when present. */
export async function readRunState(runDir: string): Promise<RunState> {
  const paths = runPaths(runDir);
  if (!existsSync(paths.config)) return { runDir, status: 'none' };
  const config = await readRunConfig(runDir);
  const state: RunState = { runDir, status: 'started', config };
  if (existsSync(paths.reportJson)) state.report = await readRunReport(paths.reportJson);
  if (existsSync(paths.lastCheckpoint)) {
    state.resume = await readResumeState(paths.lastCheckpoint);
    state.status = state.resume.completed && existsSync(paths.finalCheckpoint) ? 'completed' : 'resumable';
  }
  if (state.report?.status === 'diverged') state.status = 'diverged';
  return state;
}
