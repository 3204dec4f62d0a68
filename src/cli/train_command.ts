// `batch-shaping train`: trains a preset (or a JSON config) in a run directory, with explicit flags and
// `--set path=value` overrides, `--resume <runDir>` to continue a stopped run exactly. The trainer itself
// is src/train/trainer.ts; this file maps flags onto the TrainConfig and chooses the backend.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { BACKEND_NAMES, type BackendChoice } from '../backend/backend_names.js';
import { initBackend } from '../backend/init_backend.js';
import { backendReportLine } from '../backend/report_line.js';
import { getPreset, listPresets } from '../train/presets.js';
import { runPaths } from '../train/run_paths.js';
import { RunFolderError, readRunConfig } from '../train/run_state.js';
import {
  applyOverrides,
  ConfigError,
  setConfigValue,
  type TrainConfig,
  validateTrainConfig,
} from '../train/train_config.js';
import { DIVERGENCE_FIELDS, type TrainOutcome, train } from '../train/trainer.js';
import { denseCurveNote } from './dense_curve_note.js';
import { nonNegativeInt, positiveInt } from './int_flags.js';
import { stopOnSignals } from './stop_signals.js';

export interface TrainCliOptions {
  preset?: string;
  config?: string;
  data?: string;
  out?: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  width?: number;
  seed?: number;
  maxSteps?: number;
  evalSamples?: number;
  backend?: string;
  resume?: string;
  set: string[];
  quiet?: boolean;
  printConfig?: boolean;
  listPresets?: boolean;
}

function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(Number.isFinite(n) && n > 0))
      throw new InvalidArgumentError(`${flag} expects a number > 0; got '${value}'`);
    return n;
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The TrainConfig the flags describe (without running anything). Errors name the flag at fault. */
export function resolveTrainConfig(o: TrainCliOptions): TrainConfig {
  if (o.preset !== undefined && o.config !== undefined) {
    throw new Error('train: pass either --preset or --config, not both');
  }
  let cfg: TrainConfig;
  if (o.config !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(o.config, 'utf8'));
    } catch (err) {
      throw new Error(`train: --config ${o.config}: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      cfg = validateTrainConfig(parsed);
    } catch (err) {
      throw new Error(`train: --config ${o.config}: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else {
    const name = o.preset ?? 'fashion-mnist-quick';
    if (!listPresets().includes(name)) {
      throw new Error(`train: --preset must be one of ${listPresets().join(', ')}; got '${name}'`);
    }
    cfg = getPreset(name);
  }
  const flagSets: [string, string, unknown][] = [];
  if (o.data !== undefined) flagSets.push(['--data', 'data.dir', o.data]);
  if (o.epochs !== undefined) flagSets.push(['--epochs', 'epochs', o.epochs]);
  if (o.batchSize !== undefined) flagSets.push(['--batch-size', 'data.batchSize', o.batchSize]);
  if (o.lr !== undefined) flagSets.push(['--lr', 'optim.lr', o.lr]);
  if (o.width !== undefined) flagSets.push(['--width', 'model.widthMultiplier', o.width]);
  if (o.seed !== undefined) flagSets.push(['--seed', 'seed', o.seed]);
  if (o.maxSteps !== undefined)
    flagSets.push(['--max-steps', 'data.maxStepsPerEpoch', o.maxSteps === 0 ? null : o.maxSteps]);
  if (o.evalSamples !== undefined) {
    flagSets.push(['--eval-samples', 'data.maxEvalSamples', o.evalSamples === 0 ? null : o.evalSamples]);
  }
  if (o.backend !== undefined) flagSets.push(['--backend', 'backend', o.backend]);
  for (const [flag, path, value] of flagSets) {
    try {
      cfg = validateTrainConfig(setConfigValue(cfg, path, value));
    } catch (err) {
      throw new Error(`train: ${flag}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  try {
    return validateTrainConfig(applyOverrides(cfg, o.set));
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(`train: --set ${err.field}: ${err.message}`);
    throw err;
  }
}

function defaultRunDir(name: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return join('runs', `${name}-${stamp}`);
}

export async function runTrainCommand(
  o: TrainCliOptions,
  print: (line: string) => void = console.log,
): Promise<number> {
  if (o.listPresets) {
    for (const name of listPresets()) print(`${name.padEnd(34)} ${getPreset(name).description}`);
    return 0;
  }
  let cfg: TrainConfig | undefined;
  let runDir: string;
  if (o.resume !== undefined) {
    const conflicting = (
      [
        'preset',
        'config',
        'data',
        'epochs',
        'batchSize',
        'lr',
        'width',
        'seed',
        'maxSteps',
        'evalSamples',
      ] as const
    ).filter((k) => o[k] !== undefined);
    if (conflicting.length > 0 || o.set.length > 0 || o.out !== undefined) {
      throw new Error(
        `train: --resume continues a run with its saved config; drop ${[...conflicting.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`), ...(o.set.length ? ['--set'] : []), ...(o.out ? ['--out'] : [])].join(', ')}`,
      );
    }
    runDir = o.resume;
    const saved = await readRunConfig(runDir);
    if (o.backend !== undefined) saved.backend = o.backend as BackendChoice;
    cfg = saved;
  } else {
    cfg = resolveTrainConfig(o);
    runDir = o.out ?? defaultRunDir(cfg.name);
  }
  if (o.printConfig) {
    print(JSON.stringify(cfg, null, 2));
    return 0;
  }
  const backend = await initBackend(o.backend !== undefined ? (o.backend as BackendChoice) : cfg.backend);
  const stop = stopOnSignals();
  let outcome: TrainOutcome;
  try {
    outcome = await train(o.resume !== undefined ? undefined : cfg, {
      runDir,
      resume: o.resume !== undefined,
      quiet: o.quiet === true,
      print,
      signal: stop.signal,
      backendNote: backendReportLine(backend),
    });
  } catch (err) {
    throw err instanceof RunFolderError ? new Error(cliRunFolderMessage(err), { cause: err }) : err;
  } finally {
    stop.remove();
  }
  if (outcome.status !== 'completed') {
    console.error(cliOutcomeMessage(outcome));
    return outcome.status === 'interrupted' ? 130 : 1;
  }
  if (!o.quiet) {
    const note = outcome.report ? denseCurveNote(outcome.report) : undefined;
    if (note !== undefined) print(note);
    print(`run directory: ${outcome.runDir}`);
  }
  return 0;
}

/** train()'s refusal of a run folder, worded with the CLI's flags. */
export function cliRunFolderMessage(err: RunFolderError): string {
  const dir = err.runDir;
  switch (err.reason) {
    case 'holds-a-run':
      return `train: ${dir} already holds a run; continue it with --resume ${dir} or choose another --out`;
    case 'no-checkpoint':
      return `train --resume: ${dir} has no checkpoint yet (${runPaths(dir).lastCheckpoint}); start it again without --resume`;
    case 'not-a-run':
      return err.message;
  }
}

/** A stopped or diverged run's message, with the advice worded as CLI flags. */
export function cliOutcomeMessage(outcome: TrainOutcome): string {
  if (outcome.reason === undefined) return outcome.message;
  if (outcome.status === 'interrupted') return `${outcome.reason}; continue with --resume ${outcome.runDir}`;
  if (outcome.status === 'diverged') {
    const [lr, warmup] = DIVERGENCE_FIELDS;
    return `${outcome.reason} Try a lower learning rate (--set ${lr}=...) or a longer warm-up (--set ${warmup}=...).`;
  }
  return outcome.message;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description(
      'train a gated network from a preset or config; runs are directories (config, metrics, checkpoints, report)',
    )
    .option('--preset <name>', `training preset (${listPresets().join(', ')}); default fashion-mnist-quick`)
    .option('--config <file>', "a TrainConfig JSON file (e.g. a run's config.json) instead of a preset")
    .option('--data <dir>', 'prepared dataset folder (meta.json + shards)')
    .option('--out <runDir>', 'run directory (default runs/<preset>-<time>)')
    .option('--epochs <n>', 'number of epochs', positiveInt('--epochs'))
    .option('--batch-size <n>', 'training batch size', positiveInt('--batch-size'))
    .option('--lr <x>', 'peak learning rate', positiveNumber('--lr'))
    .option('--width <x>', 'model width multiplier', positiveNumber('--width'))
    .option('--seed <n>', 'seed of weights, gate noise and data order', nonNegativeInt('--seed'))
    .option('--max-steps <n>', 'cap on steps per epoch (0: whole split)', nonNegativeInt('--max-steps'))
    .option(
      '--eval-samples <n>',
      'cap on evaluated samples (0: whole split)',
      nonNegativeInt('--eval-samples'),
    )
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['auto', ...BACKEND_NAMES]))
    .option(
      '--set <path=value>',
      'override any config field, e.g. --set loss.lambda=0.2 (repeatable)',
      collect,
      [],
    )
    .option('--resume <runDir>', 'continue a stopped run from its last checkpoint')
    .option('--print-config', 'print the resolved config as JSON and exit')
    .option('--list-presets', 'list the presets and exit')
    .option('--quiet', 'no progress bar and no console output (the run log is still written)')
    .action(async (opts: TrainCliOptions) => {
      process.exitCode = await runTrainCommand(opts);
    });
}
