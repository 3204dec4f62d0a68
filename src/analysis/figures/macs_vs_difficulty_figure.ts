// Binned mean MACs (+- one std) against a difficulty measure, with Spearman's rho in the title.
import type { MacsVsDifficulty } from '../macs_statistics.js';
import { baseLayout, COLORS, macsUnit, type PlotlyFigure, round6 } from './plotly_figure.js';

const AXIS: Record<MacsVsDifficulty['by'], string> = {
  loss: 'cross-entropy loss (bin mean)',
  confidence: 'confidence (bin mean)',
  difficulty: 'synthetic difficulty (bin mean)',
};

export function macsVsDifficultyFigure(stats: MacsVsDifficulty, title?: string): PlotlyFigure {
  // rho is undefined when either side is constant (e.g. every gate always on).
  const rho = Number.isNaN(stats.spearman)
    ? 'Spearman rho undefined: constant values'
    : `Spearman rho = ${round6(stats.spearman)}`;
  const unit = macsUnit(Math.max(0, ...stats.bins.map((b) => b.meanMacs)));
  return {
    data: [
      {
        type: 'scatter',
        mode: 'lines+markers',
        name: 'mean MACs',
        x: stats.bins.map((b) => round6(b.meanMeasure)),
        y: stats.bins.map((b) => round6(b.meanMacs / unit.scale)),
        error_y: {
          type: 'data',
          array: stats.bins.map((b) => round6(b.stdMacs / unit.scale)),
          visible: true,
        },
        text: stats.bins.map((b) => `${b.count} samples in [${round6(b.lo)}, ${round6(b.hi)}]`),
        marker: { color: COLORS.correct },
      },
    ],
    layout: baseLayout(title ?? `MACs vs ${stats.by} (${rho})`, {
      xaxis: { title: { text: AXIS[stats.by] } },
      yaxis: { title: { text: `${unit.label} per sample (mean +- std)` } },
    }),
  };
}
