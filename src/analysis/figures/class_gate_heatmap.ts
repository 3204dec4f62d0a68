// Per-class on-frequency of the gates as a heatmap (rows: classes; columns: gates in forward order, or
// layers): class-specific channels show up as columns bright for a few rows only. Our addition; the paper
// discusses class-dependent gates for ImageNet in words.
import type { ClassGateFrequency } from '../gate_frequency.js';
import type { GateLayerInfo } from '../gate_records.js';
import { baseLayout, type PlotlyFigure, round6 } from './plotly_figure.js';

export interface ClassGateHeatmapOptions {
  /** 'gate' (default): one column per gate channel; 'layer': one column per layer (mean on-fraction). */
  level?: 'gate' | 'layer';
  title?: string;
}

export function classGateHeatmapFigure(
  freq: ClassGateFrequency,
  layers: readonly GateLayerInfo[],
  options: ClassGateHeatmapOptions = {},
): PlotlyFigure {
  const level = options.level ?? 'gate';
  const x =
    level === 'layer'
      ? layers.map((l) => l.name)
      : layers.flatMap((l) => Array.from({ length: l.channels }, (_, c) => `${l.name}[${c}]`));
  const z = (level === 'layer' ? freq.layerFrequency : freq.frequency).map((row) => row.map(round6));
  // Layer boundaries as vertical lines (gate level only), so a reader can tell the layers apart.
  const shapes: Record<string, unknown>[] = [];
  if (level === 'gate') {
    let at = 0;
    for (const l of layers.slice(0, -1)) {
      at += l.channels;
      shapes.push({
        type: 'line',
        xref: 'x',
        yref: 'paper',
        x0: at - 0.5,
        x1: at - 0.5,
        y0: 0,
        y1: 1,
        line: { color: '#ffffff', width: 1 },
      });
    }
  }
  return {
    data: [
      {
        type: 'heatmap',
        x: level === 'gate' ? x.map((_, i) => i) : x,
        y: freq.classNames,
        z,
        zmin: 0,
        zmax: 1,
        colorscale: 'Viridis',
        colorbar: { title: { text: 'on-frequency' } },
        ...(level === 'gate'
          ? {
              text: freq.classNames.map(() => x),
              hovertemplate: '%{text}<br>class %{y}: %{z}<extra></extra>',
            }
          : {}),
      },
    ],
    layout: baseLayout(options.title ?? 'Gate on-frequency per class', {
      xaxis: {
        title: { text: level === 'gate' ? 'gate (forward order; lines separate layers)' : 'gated layer' },
      },
      yaxis: { title: { text: 'class' }, type: 'category', automargin: true },
      shapes,
    }),
  };
}
