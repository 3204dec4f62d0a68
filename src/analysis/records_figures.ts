// The standard analysis of one records set: every statistic of this module computed once and turned into
// its figure. Shared by the standalone report and the notebooks so both show the same things.
import { summarizeRecords, type TradeoffPoint, tradeoffCurve } from './accuracy_macs_tradeoff.js';
import { cdfVsPriorFigure } from './figures/cdf_vs_prior_figure.js';
import { classGateHeatmapFigure } from './figures/class_gate_heatmap.js';
import { layerUsageFigure } from './figures/layer_usage_figure.js';
import { macsHistogramFigure } from './figures/macs_histogram.js';
import { macsVsConfidenceFigure } from './figures/macs_vs_confidence_figure.js';
import { macsVsDifficultyFigure } from './figures/macs_vs_difficulty_figure.js';
import { macsUnit, type PlotlyFigure } from './figures/plotly_figure.js';
import { tradeoffFigure } from './figures/tradeoff_figure.js';
import { classGateFrequency, layerGateUsage } from './gate_frequency.js';
import { type GateRecords, totalGates } from './gate_records.js';
import { type DifficultyMeasure, macsByCorrectness, macsVsDifficulty } from './macs_statistics.js';
import { cdfVsPrior } from './probability_cdf.js';

/** A prior's CDF evaluated on a grid (e.g. `grid.map(betaPrior().cdfHost)`): numbers, no tfjs. */
export interface PriorCdfValues {
  name: string;
  grid: number[];
  cdf: number[];
}

export interface RecordsFiguresOptions {
  prior?: PriorCdfValues;
  /** Difficulty measures to plot MACs against; default: 'difficulty' when recorded, 'loss', 'confidence'. */
  difficultyBy?: DifficultyMeasure[];
  /** Above this many (class, gate) cells the per-class heatmap shows layers instead of gates (100 000). */
  maxHeatmapCells?: number;
  /** The probability CDF uses at most this many values, a strided subsample beyond (2 000 000). */
  maxCdfValues?: number;
  /** Accuracy-vs-MACs points (e.g. several checkpoints) and dense baselines. */
  tradeoff?: { points: TradeoffPoint[]; baselines?: TradeoffPoint[] };
}

export interface NamedFigure {
  key: string;
  figure: PlotlyFigure;
}

/** Headline numbers of a records set, for a summary table. */
export function recordsSummaryRows(records: GateRecords): [string, string][] {
  const s = summarizeRecords(records);
  const byRight = macsByCorrectness(records);
  const fmt = (v: number | undefined, digits = 4) =>
    v === undefined || !Number.isFinite(v) ? 'n/a' : v.toPrecision(digits);
  const unit = macsUnit(Math.max(s.macs, s.denseMacs ?? 0));
  const macs = (v: number | undefined) =>
    v === undefined || !Number.isFinite(v) ? 'n/a' : `${(v / unit.scale).toPrecision(4)} ${unit.label}`;
  const rows: [string, string][] = [
    ['samples', String(s.samples)],
    ['model', records.meta.model ?? 'n/a'],
    ['dataset / split', `${records.meta.dataset ?? 'n/a'} / ${records.meta.split ?? 'n/a'}`],
    ['top-1 accuracy', `${fmt(s.accuracy * 100)} %`],
    ['mean MACs per sample', macs(s.macs)],
    ['MACs, all gates open', macs(s.denseMacs)],
    ['mean MACs / all open', fmt(s.macsFraction)],
    ['mean MACs, correct | wrong', `${macs(byRight.correct.mean)} | ${macs(byRight.wrong.mean)}`],
    [
      'gated layers / gates',
      `${records.meta.layers.length} / ${records.meta.layers.reduce((a, l) => a + l.channels, 0)}`,
    ],
  ];
  return rows;
}

export function recordsFigures(records: GateRecords, options: RecordsFiguresOptions = {}): NamedFigure[] {
  const out: NamedFigure[] = [{ key: 'macs-histogram', figure: macsHistogramFigure(records) }];
  if (records.meta.layers.length > 0) {
    out.push({ key: 'layer-usage', figure: layerUsageFigure(layerGateUsage(records)) });
    const freq = classGateFrequency(records);
    // One cell per (class, gate) is readable and light for CIFAR-sized nets; ImageNet ResNet-50 would be
    // 1000 x 3776 cells (tens of MB of JSON), so large tables fall back to one column per layer.
    const cells = freq.classes.length * totalGates(records.meta);
    const level = cells <= (options.maxHeatmapCells ?? 100_000) ? 'gate' : 'layer';
    out.push({
      key: 'class-gate-heatmap',
      figure: classGateHeatmapFigure(freq, records.meta.layers, { level }),
    });
  }
  if (options.prior && records.probs) {
    // A deterministic subsample keeps the sort cheap for ImageNet-sized records (millions of probabilities).
    const maxValues = options.maxCdfValues ?? 2_000_000;
    const step = Math.ceil(records.probs.length / maxValues);
    const values = step > 1 ? records.probs.filter((_, i) => i % step === 0) : records.probs;
    const cdf = cdfVsPrior(values, options.prior.grid, options.prior.cdf);
    out.push({ key: 'cdf-vs-prior', figure: cdfVsPriorFigure(cdf, options.prior.name) });
  }
  out.push({ key: 'macs-vs-confidence', figure: macsVsConfidenceFigure(records) });
  const measures = options.difficultyBy ?? [
    ...(records.difficulties ? (['difficulty'] as const) : []),
    'loss' as const,
  ];
  for (const by of measures) {
    out.push({ key: `macs-vs-${by}`, figure: macsVsDifficultyFigure(macsVsDifficulty(records, { by })) });
  }
  if (options.tradeoff && options.tradeoff.points.length > 0) {
    out.push({
      key: 'accuracy-vs-macs',
      figure: tradeoffFigure(tradeoffCurve(options.tradeoff.points), options.tradeoff.baselines ?? []),
    });
  }
  return out;
}
