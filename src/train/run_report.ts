// The final report of a run (report.json and report.txt in the run directory): status, model, dense and
// gate MACs, the last evaluation (accuracy or mIoU, dynamic MACs as a fraction of the dense network, its
// distribution, per-layer gate usage) and the epoch history. Both files are written atomically.
import * as tf from '@tensorflow/tfjs-core';
import { atomicWriteFile } from '../io/atomic_write.js';
import type { ModelConfig } from '../models/model_types.js';
import type { EvalResult } from './evaluate.js';
import type { MetricsRow } from './metrics_table.js';
import type { RunContext } from './run_setup.js';

/** How a call of train() ended. */
export type RunStatus = 'completed' | 'interrupted' | 'diverged';

export interface RunReport {
  status: RunStatus;
  message: string;
  preset: string;
  runDir: string;
  model: ModelConfig;
  parameters: number;
  inputShape: number[];
  denseMacs: number;
  gateMacs: number;
  epochsDone: number;
  steps: number;
  trainSeconds: number;
  backend: string;
  dataset: string;
  history: MetricsRow[];
  eval?: EvalResult;
}

const pct = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) ? '-' : `${(v * 100).toFixed(2)}%`;

export function formatReport(r: RunReport): string {
  const lines = [
    `run ${r.runDir}: ${r.status}${r.status === 'completed' ? '' : ` (${r.message})`}`,
    `  preset ${r.preset}, dataset ${r.dataset}, backend ${r.backend}`,
    `  model ${r.model.name} (gating ${r.model.gating}, width ${r.model.widthMultiplier}), ${r.parameters} parameters, input ${r.inputShape.join('x')}`,
    `  dense network ${(r.denseMacs / 1e6).toFixed(3)} MMAC/sample; gate modules ${(r.gateMacs / 1e6).toFixed(4)} MMAC`,
    `  trained ${r.epochsDone} epochs, ${r.steps} steps, ${r.trainSeconds.toFixed(1)} s`,
  ];
  const e = r.eval;
  if (e) {
    lines.push(
      e.task === 'classification'
        ? `  eval (${e.samples} samples, deterministic gates): top-1 ${pct(e.top1)}, top-5 ${pct(e.top5)}, loss ${e.loss.toFixed(4)}`
        : `  eval (${e.samples} images, deterministic gates): mIoU ${pct(e.meanIoU)}, pixel accuracy ${pct(e.pixelAccuracy)}`,
    );
    const q = e.macs.quantiles;
    lines.push(
      `  MACs: mean ${pct(e.macs.meanFraction)} of dense (${(e.macs.meanMacs / 1e6).toFixed(3)} MMAC incl. gates); ` +
        `per sample min ${pct(e.macs.min)} p5 ${pct(q.p05)} p50 ${pct(q.p50)} p95 ${pct(q.p95)} max ${pct(e.macs.max)}`,
    );
    lines.push(
      `  gates on per layer: ${e.gateOnRate.map((g) => `${g.name.replace(/\.gate$/, '')} ${g.rate.toFixed(2)}`).join(', ')}`,
    );
  }
  return lines.join('\n');
}

/** The report of `run` as it stands (its resume state: epochs, steps, history, last evaluation). */
function buildRunReport(run: RunContext, status: RunStatus, message: string): RunReport {
  const { cfg, state, model, dense } = run;
  return {
    status,
    message,
    preset: cfg.name,
    runDir: run.paths.dir,
    model: model.config,
    parameters: model.parameterCount(),
    inputShape: run.inputShape,
    denseMacs: dense.main,
    gateMacs: dense.gates,
    epochsDone: state.epoch,
    steps: state.globalStep,
    trainSeconds: state.trainSeconds,
    backend: tf.getBackend(),
    dataset: cfg.data.dataset,
    history: state.history,
    ...(state.lastEval ? { eval: state.lastEval } : {}),
  };
}

/** Writes report.json and report.txt of `run` (atomically) and returns the report. */
export async function writeRunReport(
  run: RunContext,
  status: RunStatus,
  message: string,
): Promise<RunReport> {
  const report = buildRunReport(run, status, message);
  await atomicWriteFile(run.paths.reportJson, `${JSON.stringify(report, null, 2)}\n`);
  await atomicWriteFile(run.paths.reportText, `${formatReport(report)}\n`);
  return report;
}
