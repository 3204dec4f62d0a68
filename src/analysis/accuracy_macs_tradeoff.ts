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
