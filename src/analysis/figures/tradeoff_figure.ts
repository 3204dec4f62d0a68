// Accuracy against mean MACs: gated points (checkpoints, thresholds) as a curve with the Pareto front
// marked, dense baselines as separate markers (Bejnordi et al. 2020, figures 2-3).
import type { TradeoffCurve, TradeoffPoint } from '../accuracy_macs_tradeoff.js';
import { baseLayout, COLORS, macsUnit, type PlotlyFigure, round6 } from './plotly_figure.js';

export function tradeoffFigure(
  curve: TradeoffCurve,
  baselines: readonly TradeoffPoint[] = [],
  title = 'Accuracy vs MACs',
): PlotlyFigure {
  const unit = macsUnit(Math.max(0, ...curve.points.map((p) => p.macs), ...baselines.map((p) => p.macs)));
  const pts = curve.points;
  const front = pts.filter((_, i) => curve.pareto[i]);
  const data: Record<string, unknown>[] = [
    {
      type: 'scatter',
      mode: 'markers+text',
      name: 'gated',
      x: pts.map((p) => round6(p.macs / unit.scale)),
      y: pts.map((p) => round6(p.accuracy * 100)),
      text: pts.map((p) => p.name),
      textposition: 'top center',
      marker: { color: COLORS.correct, size: 8 },
    },
    {
      type: 'scatter',
      mode: 'lines',
      name: 'Pareto front',
      x: front.map((p) => round6(p.macs / unit.scale)),
      y: front.map((p) => round6(p.accuracy * 100)),
      line: { color: COLORS.correct },
    },
  ];
  if (baselines.length > 0) {
    data.push({
      type: 'scatter',
      mode: 'markers+text',
      name: 'dense baselines',
      x: baselines.map((p) => round6(p.macs / unit.scale)),
      y: baselines.map((p) => round6(p.accuracy * 100)),
      text: baselines.map((p) => p.name),
      textposition: 'bottom center',
      marker: { color: COLORS.baseline, symbol: 'square', size: 9 },
    });
  }
  return {
    data,
    layout: baseLayout(title, {
      xaxis: { title: { text: `mean ${unit.label} per sample` } },
      yaxis: { title: { text: 'top-1 accuracy (%)' } },
    }),
  };
}
