// Per gated layer, how many gates are always on, conditional and always off, as stacked bars (the split
// Bejnordi et al. 2020 show per layer for ResNet-34 in figure 4, there as gate-activation histograms).
import type { LayerGateUsage } from '../gate_frequency.js';
import { baseLayout, COLORS, type PlotlyFigure } from './plotly_figure.js';

export function layerUsageFigure(usage: readonly LayerGateUsage[], title = 'Gates per layer'): PlotlyFigure {
  const x = usage.map((u) => u.name);
  const bar = (name: string, y: number[], color: string) => ({ type: 'bar', name, x, y, marker: { color } });
  return {
    data: [
      bar(
        'always on (>= 99%)',
        usage.map((u) => u.alwaysOn),
        COLORS.on,
      ),
      bar(
        'conditional',
        usage.map((u) => u.conditional),
        COLORS.conditional,
      ),
      bar(
        'always off (<= 1%)',
        usage.map((u) => u.alwaysOff),
        COLORS.off,
      ),
    ],
    layout: baseLayout(title, {
      barmode: 'stack',
      xaxis: { title: { text: 'gated layer' }, tickangle: -45, automargin: true },
      yaxis: { title: { text: 'gates' } },
    }),
  };
}
