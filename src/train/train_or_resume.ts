// The notebook verb for a training run that may already exist: train `config` in `runDir` if nothing is
// there, resume it exactly if it stopped part-way (a killed kernel, a closed laptop), load it if it is complete;
// then return it as loadRun does. A run folder holding another config is refused, naming the fields that differ,
// so an edited notebook cell never shows the results of the old config.
import { type LoadedRun, loadRun } from './load_run.js';
import { readRunState } from './run_state.js';
import { cloneConfig, type TrainConfig, validateTrainConfig } from './train_config.js';
import { train } from './trainer.js';

export interface TrainOrResumeOptions {
  /** No console lines (the run's train.log is still written). */
  quiet?: boolean;
  /** Console output (default console.log). */
  print?: (line: string) => void;
}

/**
 * Execution choices that do not change what a run computes (or only by rounding): a run trained with another
 * value is still the run asked for. Every other field must match.
 */
const EXECUTION_FIELDS = new Set(['description', 'backend', 'data.workers']);

function leaves(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leaves(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

/**
 * Fields of `requested` whose value differs in `stored` (the resolved config a run saved). Fields the request
 * leaves out (e.g. model.numClasses, filled in from the dataset) are not compared.
 */
export function configDifferences(requested: TrainConfig, stored: TrainConfig): string[] {
  const have = leaves(stored, '', new Map());
  const diffs: string[] = [];
  for (const [path, value] of leaves(requested, '', new Map())) {
    if (value === undefined || EXECUTION_FIELDS.has(path)) continue;
    const old = have.get(path);
    if (JSON.stringify(old) !== JSON.stringify(value)) {
      diffs.push(`${path}: run has ${JSON.stringify(old)}, requested ${JSON.stringify(value)}`);
    }
  }
  return diffs;
}

/**
 * Trains `config` in `runDir`, resumes it, or loads it (see the file header), and returns the loaded run; the
 * caller disposes `run.model`. Throws when the run diverges or stops, or when `runDir` holds a run of another
 * config.
 */
export async function trainOrResume(
  runDir: string,
  config: TrainConfig,
  options: TrainOrResumeOptions = {},
): Promise<LoadedRun> {
  const fn = 'trainOrResume';
  if (typeof runDir !== 'string' || runDir === '') {
    throw new Error(`${fn}: argument 'runDir' must be a directory path; got ${JSON.stringify(runDir)}`);
  }
  let requested: TrainConfig;
  try {
    requested = validateTrainConfig(cloneConfig(config));
  } catch (err) {
    throw new Error(`${fn}: argument 'config': ${(err as Error).message}`, { cause: err });
  }
  const state = await readRunState(runDir);
  if (state.config !== undefined && state.status !== 'started') {
    const diffs = configDifferences(requested, state.config);
    if (diffs.length > 0) {
      const shown = diffs.slice(0, 5).join('; ') + (diffs.length > 5 ? `; and ${diffs.length - 5} more` : '');
      throw new Error(
        `${fn}: ${runDir} holds a run of another config (${shown}); delete the folder or choose another runDir`,
      );
    }
  }
  if (state.status === 'diverged') {
    throw new Error(
      `${fn}: the run in ${runDir} diverged (${state.report?.message}); delete the folder or change the config`,
    );
  }
  if (state.status !== 'completed') {
    const resume = state.status === 'resumable';
    const trainOptions = { runDir, resume, ...options };
    const outcome = await train(resume ? undefined : requested, trainOptions);
    if (outcome.status !== 'completed') {
      throw new Error(`${fn}: the run in ${runDir} ${outcome.status}: ${outcome.message}`);
    }
  }
  return loadRun(runDir);
}
