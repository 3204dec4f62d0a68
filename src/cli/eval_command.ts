// `batch-shaping eval`: evaluates a run's final (or last) checkpoint, or any checkpoint the trainer wrote,
// with deterministic gates: accuracy (or mIoU) and per-sample MACs as a fraction of the dense network.
import { existsSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { BACKEND_NAMES, type BackendChoice } from '../backend/backend_names.js';
import { initBackend } from '../backend/init_backend.js';
import { readMeta } from '../data/meta_file.js';
import { terminalProgress } from '../io/terminal_progress.js';
import type { EvalResult } from '../train/evaluate.js';
import { checkModelClasses, loadTrainedModel } from '../train/load_trained_model.js';
import { describeEval, runEvaluation } from '../train/run_evaluation.js';
import { runPaths } from '../train/run_paths.js';
import { nonNegativeInt } from './int_flags.js';

export interface EvalCliOptions {
  run?: string;
  checkpoint?: string;
  data?: string;
  split?: string;
  samples?: number;
  backend?: string;
  json?: boolean;
  quiet?: boolean;
}

/** Evaluates and returns the result (also printed unless quiet). */
export async function runEvalCommand(
  o: EvalCliOptions,
  print: (line: string) => void = console.log,
): Promise<EvalResult> {
  if ((o.run === undefined) === (o.checkpoint === undefined)) {
    throw new Error('eval: pass exactly one of --run <runDir> or --checkpoint <path>');
  }
  let path: string;
  if (o.run !== undefined) {
    const p = runPaths(o.run);
    path = existsSync(p.finalCheckpoint) ? p.finalCheckpoint : p.lastCheckpoint;
    if (!existsSync(path)) throw new Error(`eval: --run ${o.run}: no checkpoint in ${p.checkpointsDir}`);
  } else {
    path = o.checkpoint!;
    if (!existsSync(path)) throw new Error(`eval: --checkpoint ${path}: no such file`);
  }
  await initBackend((o.backend ?? 'auto') as BackendChoice);
  const { model, trainConfig, note } = await loadTrainedModel(path);
  if (note !== undefined) console.error(`note: ${note}`);
  if (trainConfig === undefined) {
    model.dispose();
    throw new Error(`eval: ${path} was not written by 'batch-shaping train' (no training config inside)`);
  }
  const cfg = structuredClone(trainConfig);
  if (o.data !== undefined) cfg.data.dir = o.data;
  if (o.split !== undefined) cfg.data.evalSplit = o.split;
  if (o.samples !== undefined) cfg.data.maxEvalSamples = o.samples === 0 ? null : o.samples;
  try {
    const meta = await readMeta(cfg.data.dir);
    checkModelClasses(model, path, meta, cfg.data.dir);
    const result = await runEvaluation(
      model,
      cfg,
      meta,
      !o.quiet && process.stderr.isTTY === true ? terminalProgress : undefined,
    );
    if (o.json) print(JSON.stringify(result, null, 2));
    else if (!o.quiet) print(`${path}: ${describeEval(result)}`);
    return result;
  } finally {
    model.dispose();
  }
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description(
      'evaluate a trained run or checkpoint with deterministic gates (accuracy or mIoU, MACs vs dense)',
    )
    .option('--run <runDir>', 'a run directory (uses checkpoints/final, else checkpoints/last)')
    .option('--checkpoint <path>', 'a checkpoint written by train')
    .option('--data <dir>', 'prepared dataset folder (default: the one the run trained on)')
    .option('--split <name>', "split to evaluate (default: the run's eval split)")
    .option('--samples <n>', 'cap on evaluated samples (0: the whole split)', nonNegativeInt('--samples'))
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['auto', ...BACKEND_NAMES]))
    .option('--json', 'print the full result as JSON')
    .option('--quiet', 'print nothing')
    .action(async (opts: EvalCliOptions) => {
      await runEvalCommand(opts);
    });
}
