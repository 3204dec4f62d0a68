// Evaluation inside a run: the config's evaluation split through `evaluate` (deterministic gates), with an
// optional progress display, and the one-line summary the log and the CLI print.
import { BatchLoader } from '../data/batch_loader.js';
import type { DatasetMeta } from '../data/schema.js';
import type { ProgressFactory } from '../io/progress.js';
import type { GatedModel } from '../models/model_types.js';
import { type EvalResult, evaluate } from './evaluate.js';
import type { TrainConfig } from './train_config.js';

const pct = (v: number | undefined) => (v === undefined ? '-' : `${(v * 100).toFixed(2)}%`);

/** One line: accuracy (or mIoU) and MACs. */
export function describeEval(ev: EvalResult): string {
  const task =
    ev.task === 'classification'
      ? `top-1 ${pct(ev.top1)} top-5 ${pct(ev.top5)}`
      : `mIoU ${pct(ev.meanIoU)} pixel acc ${pct(ev.pixelAccuracy)}`;
  return `${task}, MACs ${(ev.macs.meanFraction * 100).toFixed(1)}% of dense (median ${(ev.macs.quantiles.p50 * 100).toFixed(1)}%) on ${ev.samples} samples`;
}

/**
 * Evaluates `model` on the config's evaluation split with deterministic gates; `progress` (e.g.
 * terminalProgress or notebookProgress) shows the samples done.
 */
export async function runEvaluation(
  model: GatedModel,
  cfg: TrainConfig,
  meta: DatasetMeta,
  progress?: ProgressFactory,
): Promise<EvalResult> {
  const loader = new BatchLoader(cfg.data.dir, meta, {
    split: cfg.data.evalSplit,
    batchSize: cfg.data.evalBatchSize,
    shuffle: false,
    transform: cfg.data.evalTransform,
    workers: cfg.data.workers,
  });
  const total = Math.min(loader.numSamples, cfg.data.maxEvalSamples ?? Number.POSITIVE_INFINITY);
  const display = progress?.('eval      ', total, 0);
  const batches = loader.epoch(0);
  try {
    return await evaluate(model, batches, {
      maxSamples: cfg.data.maxEvalSamples,
      onBatch: (done) => display?.update(done, total, 'samples'),
    });
  } finally {
    await batches.return?.(undefined);
    display?.finish();
  }
}
