// The empirical CDF of gate probabilities against the prior's CDF: the batch-shaping loss (Bejnordi et al.
// 2020, Eq. 2) pulls the per-gate batch distribution of sigmoid(logit) towards the prior (Beta(0.6, 0.4) by
// default), so after training the two curves should be close. The prior enters as numbers (its CDF on the
// same grid, e.g. `grid.map(prior.cdfHost)` from src/ops), so this module needs no tfjs.
import { type GateRecords, layerOffsets, totalGates } from './gate_records.js';

/** Evenly spaced points lo..hi (inclusive), default 0..1 in 101 points. */
export function linearGrid(points = 101, lo = 0, hi = 1): number[] {
  if (!Number.isInteger(points) || points < 2) {
    throw new Error(`linearGrid: argument 'points' must be an integer >= 2; got ${points}`);
  }
  return Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
}

/** F_n(t) = #{v <= t} / n at every t of `grid`. */
export function empiricalCdf(values: ArrayLike<number>, grid: readonly number[]): number[] {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  return grid.map((t) => {
    // Upper bound: first index with sorted[idx] > t.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return n > 0 ? lo / n : Number.NaN;
  });
}

/** The recorded gate probabilities, of every layer or of the named one. */
export function recordedGateProbs(records: GateRecords, layer?: string): Float32Array {
  if (!records.probs) {
    throw new Error(
      'recordedGateProbs: these records carry no gate probabilities (record them with probs enabled)',
    );
  }
  const G = totalGates(records.meta);
  if (layer === undefined) return records.probs;
  const l = records.meta.layers.findIndex((x) => x.name === layer);
  if (l < 0) {
    throw new Error(
      `recordedGateProbs: argument 'layer' must be one of ${records.meta.layers.map((x) => x.name).join(', ')}; got ${layer}`,
    );
  }
  const offsets = layerOffsets(records.meta);
  const C = records.meta.layers[l]!.channels;
  const out = new Float32Array(records.count * C);
  for (let i = 0; i < records.count; i++) {
    out.set(records.probs.subarray(i * G + offsets[l]!, i * G + offsets[l]! + C), i * C);
  }
  return out;
}

export interface CdfVsPrior {
  grid: number[];
  empirical: number[];
  prior: number[];
  /** max over the grid of |empirical - prior| (the Kolmogorov-Smirnov distance restricted to the grid). */
  maxGap: number;
  samples: number;
}

/** Empirical CDF of `probs` on `grid` next to `priorCdf` (the prior's CDF at the same points). */
export function cdfVsPrior(
  probs: ArrayLike<number>,
  grid: readonly number[],
  priorCdf: readonly number[],
): CdfVsPrior {
  if (grid.length !== priorCdf.length) {
    throw new Error(
      `cdfVsPrior: argument 'priorCdf' must have one value per grid point (${grid.length}); got ${priorCdf.length}`,
    );
  }
  const empirical = empiricalCdf(probs, grid);
  let maxGap = 0;
  for (let i = 0; i < grid.length; i++) maxGap = Math.max(maxGap, Math.abs(empirical[i]! - priorCdf[i]!));
  return { grid: [...grid], empirical, prior: [...priorCdf], maxGap, samples: probs.length };
}
