// MACs per sample against the model's confidence, right and wrong predictions in two colours: whether the
// network spends more on inputs it is unsure about. SVG scatter (not WebGL) so it renders everywhere,
// including headless browsers without a GPU; large sets are thinned deterministically to `maxPoints`.
import type { GateRecords } from '../gate_records.js';
import { baseLayout, COLORS, macsUnit, type PlotlyFigure, round6, strideIndices } from './plotly_figure.js';

export interface MacsVsConfidenceOptions {
  /** Default 5000. */
  maxPoints?: number;
  title?: string;
}

export function macsVsConfidenceFigure(
  records: GateRecords,
  options: MacsVsConfidenceOptions = {},
): PlotlyFigure {
  const idx = strideIndices(records.count, options.maxPoints ?? 5000);
  let max = 0;
  for (const m of records.macs) max = Math.max(max, m);
  const unit = macsUnit(max);
  const trace = (name: string, right: boolean, color: string) => {
    const pts = idx.filter((i) => (records.predictions[i] === records.labels[i]) === right);
    return {
      type: 'scatter',
      mode: 'markers',
      name,
      x: pts.map((i) => round6(records.confidences[i]!)),
      y: pts.map((i) => round6(records.macs[i]! / unit.scale)),
      text: pts.map((i) => records.ids[i]!),
      hovertemplate: '%{text}<br>confidence %{x}<br>%{y}<extra></extra>',
      marker: { color, size: 5, opacity: 0.6 },
    };
  };
  const shown = idx.length < records.count ? ` (${idx.length} of ${records.count} samples)` : '';
  return {
    data: [trace('correct', true, COLORS.correct), trace('wrong', false, COLORS.wrong)],
    layout: baseLayout(options.title ?? `MACs vs confidence${shown}`, {
      xaxis: { title: { text: 'confidence (softmax of the predicted class)' } },
      yaxis: { title: { text: `${unit.label} per sample` } },
    }),
  };
}
