// A finished (or stopped) run directory back in memory in one call: its resolved config, the per-epoch
// metrics, the report and the trained model (weights and BatchNorm statistics from the final checkpoint, or
// from the last one of a run that has not finished). What a notebook needs after `trainOrResume`, or to look at
// a run trained earlier with `batch-shaping train`.
import { existsSync } from 'node:fs';
import type { GatedModel } from '../models/model_types.js';
import { loadTrainedModel } from './load_trained_model.js';
import { type MetricsRow, readMetricsTable } from './metrics_table.js';
import { type RunPaths, runPaths } from './run_paths.js';
import type { RunReport } from './run_report.js';
import { type RunFolderStatus, readRunState } from './run_state.js';
import type { TrainConfig } from './train_config.js';

export interface LoadedRun {
  runDir: string;
  /** Where each file of the run is (per-step metrics: `paths.steps(epoch)`). */
  paths: RunPaths;
  /** 'completed', or 'resumable' / 'diverged' for a run that stopped early. */
  state: Exclude<RunFolderStatus, 'none' | 'started'>;
  /** The resolved config the run was trained with (config.json). */
  config: TrainConfig;
  /** One row per finished epoch (metrics/epochs.arrow); empty before the first epoch ends. */
  epochs: MetricsRow[];
  /** report.json: written when the run completes or diverges. */
  report?: RunReport;
  /** The trained model; the caller disposes it. */
  model: GatedModel;
  /** The checkpoint the model was loaded from (final, or last for an unfinished run). */
  checkpoint: string;
}

/**
 * Loads the run in `runDir`. Throws, naming the folder, when it holds no run or no checkpoint yet (train or
 * resume it first: trainOrResume). The caller disposes `model`.
 */
export async function loadRun(runDir: string): Promise<LoadedRun> {
  if (typeof runDir !== 'string' || runDir === '') {
    throw new Error(`loadRun: argument 'runDir' must be a run directory path; got ${JSON.stringify(runDir)}`);
  }
  const { status: state, config, report } = await readRunState(runDir);
  if (state === 'none' || config === undefined)
    throw new Error(`loadRun: ${runDir} holds no run (no config.json)`);
  if (state === 'started') {
    throw new Error(
      `loadRun: ${runDir} has no checkpoint yet (stopped in its first epoch); train it again with trainOrResume`,
    );
  }
  const paths = runPaths(runDir);
  const epochs = existsSync(paths.epochs) ? await readMetricsTable(paths.epochs) : [];
  const checkpoint = state === 'completed' ? paths.finalCheckpoint : paths.lastCheckpoint;
  const { model } = await loadTrainedModel(checkpoint);
  return { runDir, paths, state, config, epochs, ...(report ? { report } : {}), model, checkpoint };
}
