// Per-sample cost against per-sample outcome: do wrong predictions cost more than right ones, do harder
// samples (higher loss, lower confidence, higher synthetic difficulty) switch on more channels, and which
// samples are the cheapest and the most expensive. The paper shows the cheapest/most expensive ImageNet
// images (figure 6); the binned means and rank correlation are our quantitative version of that picture.
import type { GateRecords, SampleScalars } from './gate_records.js';
import { spearman } from './rank_correlation.js';
import { type Summary, summarize } from './summary_stats.js';

export interface MacsByCorrectness {
  correct: Summary;
  wrong: Summary;
  /** mean(wrong) / mean(correct). */
  wrongOverCorrect: number;
}

export function macsByCorrectness(records: GateRecords): MacsByCorrectness {
  const right: number[] = [];
  const wrong: number[] = [];
  for (let i = 0; i < records.count; i++) {
    (records.predictions[i] === records.labels[i] ? right : wrong).push(records.macs[i]!);
  }
  const correct = summarize(right);
  const w = summarize(wrong);
  return { correct, wrong: w, wrongOverCorrect: w.mean / correct.mean };
}

/** What "difficulty" is measured by. */
export type DifficultyMeasure = 'loss' | 'confidence' | 'difficulty';

export interface DifficultyBin {
  /** Range of the measure in this bin (inclusive). */
  lo: number;
  hi: number;
  count: number;
  meanMeasure: number;
  meanMacs: number;
  stdMacs: number;
}

export interface MacsVsDifficulty {
  by: DifficultyMeasure;
  binning: 'quantile' | 'uniform';
  bins: DifficultyBin[];
  /** Spearman's rho between the measure and the MACs over all samples. */
  spearman: number;
  samples: number;
}

export interface MacsVsDifficultyOptions {
  /** Default 'difficulty' when the records have it, else 'loss'. */
  by?: DifficultyMeasure;
  /** Number of bins, default 10. */
  bins?: number;
  /** 'quantile' (default): equal-count bins in measure order; 'uniform': equal-width bins over [min, max]. */
  binning?: 'quantile' | 'uniform';
}

/** The measure column chosen by `by` (throws when the records lack it). */
export function difficultyMeasure(records: GateRecords, by: DifficultyMeasure): Float32Array {
  if (by === 'loss') return records.losses;
  if (by === 'confidence') return records.confidences;
  if (by === 'difficulty') {
    if (!records.difficulties) {
      throw new Error(
        "difficultyMeasure: argument 'by' is 'difficulty' but these records have no difficulty column (only the synthetic dataset has one)",
      );
    }
    return records.difficulties;
  }
  throw new Error(
    `difficultyMeasure: argument 'by' must be 'loss', 'confidence' or 'difficulty'; got ${String(by)}`,
  );
}

/** Binned mean MACs against a difficulty measure, plus the rank correlation. Empty bins are omitted. */
export function macsVsDifficulty(
  records: GateRecords,
  options: MacsVsDifficultyOptions = {},
): MacsVsDifficulty {
  const fn = 'macsVsDifficulty';
  const by = options.by ?? (records.difficulties ? 'difficulty' : 'loss');
  const nBins = options.bins ?? 10;
  const binning = options.binning ?? 'quantile';
  if (!Number.isInteger(nBins) || nBins < 1) {
    throw new Error(`${fn}: option 'bins' must be a positive integer; got ${nBins}`);
  }
  if (binning !== 'quantile' && binning !== 'uniform') {
    throw new Error(`${fn}: option 'binning' must be 'quantile' or 'uniform'; got ${String(binning)}`);
  }
  const x = difficultyMeasure(records, by);
  const n = records.count;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a]! - x[b]! || a - b);
  const groups: number[][] = Array.from({ length: nBins }, () => []);
  if (binning === 'quantile') {
    // Bin b takes the samples at sorted positions [b n / B, (b + 1) n / B).
    order.forEach((i, pos) => {
      groups[Math.floor((pos * nBins) / n)]!.push(i);
    });
  } else if (n > 0) {
    const lo = x[order[0]!]!;
    const hi = x[order[n - 1]!]!;
    const width = (hi - lo) / nBins;
    for (const i of order) {
      const b = width > 0 ? Math.min(nBins - 1, Math.floor((x[i]! - lo) / width)) : 0;
      groups[b]!.push(i);
    }
  }
  const bins: DifficultyBin[] = [];
  for (const g of groups) {
    if (g.length === 0) continue;
    const macs = summarize(g.map((i) => records.macs[i]!));
    bins.push({
      lo: Math.min(...g.map((i) => x[i]!)),
      hi: Math.max(...g.map((i) => x[i]!)),
      count: g.length,
      meanMeasure: g.reduce((a, i) => a + x[i]!, 0) / g.length,
      meanMacs: macs.mean,
      stdMacs: macs.std,
    });
  }
  return { by, binning, bins, spearman: spearman(x, records.macs), samples: n };
}

/** One sample's scalar fields and its index in the records. */
export interface SampleSummary extends SampleScalars {
  index: number;
}

export function sampleSummary(records: GateRecords, i: number): SampleSummary {
  const s: SampleSummary = {
    index: i,
    id: records.ids[i]!,
    label: records.labels[i]!,
    prediction: records.predictions[i]!,
    confidence: records.confidences[i]!,
    loss: records.losses[i]!,
    macs: records.macs[i]!,
  };
  if (records.difficulties) s.difficulty = records.difficulties[i]!;
  return s;
}

export interface ExtremeSamples {
  /** The k cheapest samples, cheapest first (ties: earlier sample first). */
  lowest: SampleSummary[];
  /** The k most expensive samples, most expensive first (ties: earlier sample first). */
  highest: SampleSummary[];
}

export function extremeSamples(records: GateRecords, k = 8): ExtremeSamples {
  if (!Number.isInteger(k) || k < 0) {
    throw new Error(`extremeSamples: argument 'k' must be an integer >= 0; got ${k}`);
  }
  const idx = Array.from({ length: records.count }, (_, i) => i);
  const m = records.macs;
  const asc = [...idx].sort((a, b) => m[a]! - m[b]! || a - b);
  const desc = [...idx].sort((a, b) => m[b]! - m[a]! || a - b);
  return {
    lowest: asc.slice(0, k).map((i) => sampleSummary(records, i)),
    highest: desc.slice(0, k).map((i) => sampleSummary(records, i)),
  };
}
