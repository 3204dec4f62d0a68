// The final report of a run (report.json and report.txt in the run directory): status, model, dense and
// gate MACs, the last evaluation (accuracy or mIoU, dynamic MACs as a fraction of the dense network, its
// distribution, per-layer gate usage) and the epoch history.
import type { ModelConfig } from '../models/model_types.js';
import type { EvalResult } from './evaluate.js';
import type { MetricsRow } from './metrics_table.js';

export interface RunReport {
  status: 'completed' | 'interrupted' | 'diverged';
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
