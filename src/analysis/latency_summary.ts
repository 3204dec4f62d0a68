// What measured per-sample latencies say about conditional inference: the speedup of skipping closed channels
// over computing them all (ratio of medians), the MAC reduction (dense MACs over the median sample's MACs),
// their ratio (1 = time falls exactly with MACs) and whether cheaper samples are faster (Spearman's rho
// between a sample's MACs and its latency). Plain numbers in: the points come from inference's
// measureLatency or from a benchmark JSON.
import { spearman } from './rank_correlation.js';
import { median } from './summary_stats.js';

export interface LatencyPoint {
  /** MACs of the sample with its gates. */
  macs: number;
  /** Milliseconds with closed channels skipped. */
  ms: number;
  /** Milliseconds with every channel computed (closed ones masked). */
  maskedMs: number;
}

export interface LatencySummary {
  samples: number;
  medianMs: number;
  medianMaskedMs: number;
  /** medianMaskedMs / medianMs. */
  speedup: number;
  /** denseMacs / median sample MACs. */
  macReduction: number;
  /** speedup / macReduction. */
  efficiency: number;
  /** Spearman's rho between MACs and skipping latency (NaN for fewer than 2 samples). */
  rho: number;
}

export function latencySummary(points: readonly LatencyPoint[], denseMacs: number): LatencySummary {
  if (points.length === 0) throw new Error("latencySummary: argument 'points' is empty");
  if (!(denseMacs > 0)) throw new Error(`latencySummary: argument 'denseMacs' must be > 0; got ${denseMacs}`);
  const medianMs = median(points.map((p) => p.ms));
  const medianMaskedMs = median(points.map((p) => p.maskedMs));
  const speedup = medianMaskedMs / medianMs;
  const macReduction = denseMacs / median(points.map((p) => p.macs));
  return {
    samples: points.length,
    medianMs,
    medianMaskedMs,
    speedup,
    macReduction,
    efficiency: speedup / macReduction,
    rho:
      points.length < 2
        ? Number.NaN
        : spearman(
            points.map((p) => p.macs),
            points.map((p) => p.ms),
          ),
  };
}
