// Measured latency of each sample against its MACs: the skipping execution (one point per sample), the same
// network computing every channel (grey), and the line "time proportional to MACs" through the masked median
// at the dense MACs - where the points would lie if every skipped MAC saved its share of the time. The title
// carries latencySummary's speedup, MAC reduction and Spearman's rho.
import { type LatencyPoint, latencySummary } from '../latency_summary.js';
import { baseLayout, COLORS, macsUnit, type PlotlyFigure, round6 } from './plotly_figure.js';

export interface LatencyVsMacsOptions {
  title?: string;
}

export function latencyVsMacsFigure(
  points: readonly LatencyPoint[],
  denseMacs: number,
  options: LatencyVsMacsOptions = {},
): PlotlyFigure {
  const s = latencySummary(points, denseMacs);
  const unit = macsUnit(denseMacs);
  const x = points.map((p) => round6(p.macs / unit.scale));
  const marker = (name: string, y: number[], color: string) => ({
    type: 'scatter',
    mode: 'markers',
    name,
    x,
    y: y.map(round6),
    hovertemplate: `%{x} ${unit.label}<br>%{y} ms<extra>${name}</extra>`,
    marker: { color, size: 7, opacity: 0.75 },
  });
  const lo = Math.min(...points.map((p) => p.macs));
  const proportional = (m: number) => (s.medianMaskedMs * m) / denseMacs;
  const title =
    options.title ??
    `Latency vs MACs per sample: ${s.speedup.toFixed(2)}x faster at ${s.macReduction.toFixed(2)}x fewer MACs ` +
      `(rho ${Number.isNaN(s.rho) ? 'n/a' : s.rho.toFixed(2)})`;
  return {
    data: [
      marker(
        'closed channels skipped',
        points.map((p) => p.ms),
        COLORS.conditional,
      ),
      marker(
        'every channel computed (masked)',
        points.map((p) => p.maskedMs),
        COLORS.off,
      ),
      {
        type: 'scatter',
        mode: 'lines',
        name: 'time proportional to MACs',
        x: [lo, denseMacs].map((m) => round6(m / unit.scale)),
        y: [lo, denseMacs].map((m) => round6(proportional(m))),
        line: { color: COLORS.baseline, dash: 'dash' },
      },
    ],
    layout: baseLayout(title, {
      xaxis: { title: { text: `${unit.label} per sample (dense: ${round6(denseMacs / unit.scale)})` } },
      yaxis: { title: { text: 'milliseconds per sample (batch 1)' }, rangemode: 'tozero' },
    }),
  };
}
