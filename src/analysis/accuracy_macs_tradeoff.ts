// Accuracy against mean MACs across checkpoints, gate thresholds or models: the paper's headline figures
// (Bejnordi et al. 2020, figures 2 and 3) plot exactly this, gated models as curves and dense baselines
// as points. One point per records file; the Pareto front is the points no other point beats on both axes.
import type { GateRecords } from './gate_records.js';
import { mean } from './summary_stats.js';

export interface TradeoffPoint {
  /** Label of the point (checkpoint, threshold, model). */
  name: string;
  /** Top-1 accuracy in [0, 1]. */
  accuracy: number;
  /** Mean MACs per sample. */
  macs: number;
}

export interface RecordsSummary extends TradeoffPoint {
  samples: number;
  /** MACs with every gate open, when the records know it. */
  denseMacs?: number;
  /** mean MACs / dense MACs. */
  macsFraction?: number;
}

/** Accuracy and mean MACs of one records set. */
export function summarizeRecords(
  records: GateRecords,
  name = records.meta.source ?? 'records',
): RecordsSummary {
  let right = 0;
  for (let i = 0; i < records.count; i++) if (records.predictions[i] === records.labels[i]) right++;
  const s: RecordsSummary = {
    name,
    accuracy: records.count > 0 ? right / records.count : Number.NaN,
    macs: mean(records.macs),
    samples: records.count,
  };
  const dense = records.meta.denseMacs;
  if (dense !== undefined) {
    s.denseMacs = dense + (records.meta.gateModuleMacs ?? 0);
    s.macsFraction = s.macs / s.denseMacs;
  }
  return s;
}

export interface TradeoffCurve {
  /** Points sorted by MACs (ties: by accuracy, descending; then by name). */
  points: TradeoffPoint[];
  /** pareto[i]: no other point has macs <= and accuracy >= points[i] with one strictly better. */
  pareto: boolean[];
}

export function tradeoffCurve(points: readonly TradeoffPoint[]): TradeoffCurve {
  for (const p of points) {
    if (typeof p?.name !== 'string' || !Number.isFinite(p.accuracy) || !Number.isFinite(p.macs)) {
      throw new Error(
        `tradeoffCurve: every point must be {name: string, accuracy: finite, macs: finite}; got ${JSON.stringify(p)}`,
      );
    }
  }
  const sorted = [...points].sort(
    (a, b) => a.macs - b.macs || b.accuracy - a.accuracy || a.name.localeCompare(b.name),
  );
  const pareto = sorted.map(
    (p) =>
      !sorted.some(
        (q) =>
          q !== p &&
          q.macs <= p.macs &&
          q.accuracy >= p.accuracy &&
          (q.macs < p.macs || q.accuracy > p.accuracy),
      ),
  );
  return { points: sorted, pareto };
}

/** Where a point stands against a curve of baselines: the curve's accuracy at the point's MACs. */
export interface CurveStanding {
  /** The baselines' accuracy at `macs`, linear between the two neighbouring baselines; undefined outside. */
  curveAccuracy?: number;
  /** point accuracy - curveAccuracy (positive: the point beats the curve). */
  margin?: number;
  /** 'inside' the curve's MAC range, or below / above it (then no interpolation). */
  position: 'below' | 'inside' | 'above';
}

/** The accuracy of a baseline curve (e.g. dense networks of several widths) at `point.macs`. */
export function standingAgainstCurve(
  point: TradeoffPoint,
  baselines: readonly TradeoffPoint[],
): CurveStanding {
  if (baselines.length < 2) {
    throw new Error(
      `standingAgainstCurve: argument 'baselines' must hold >= 2 points; got ${baselines.length}`,
    );
  }
  const pts = [...baselines].sort((a, b) => a.macs - b.macs);
  if (point.macs < pts[0]!.macs) return { position: 'below' };
  if (point.macs > pts.at(-1)!.macs) return { position: 'above' };
  let i = 0;
  while (i < pts.length - 2 && pts[i + 1]!.macs < point.macs) i++;
  const a = pts[i]!;
  const b = pts[i + 1]!;
  const r = b.macs === a.macs ? 0 : (point.macs - a.macs) / (b.macs - a.macs);
  const curveAccuracy = a.accuracy + r * (b.accuracy - a.accuracy);
  return { curveAccuracy, margin: point.accuracy - curveAccuracy, position: 'inside' };
}
