// Histogram of dynamic MACs per sample, right and wrong predictions stacked, with the dense (all gates open)
// cost as a reference line: the distribution the paper summarises by its mean. Bins are computed here (not
// by plotly.js) so the figure JSON is self-describing and stable.
import type { GateRecords } from '../gate_records.js';
import { baseLayout, COLORS, macsUnit, type PlotlyFigure, round6 } from './plotly_figure.js';

export interface MacsHistogramOptions {
  /** Number of bins, default 30. */
  bins?: number;
  title?: string;
}

export function macsHistogramFigure(records: GateRecords, options: MacsHistogramOptions = {}): PlotlyFigure {
  const nBins = options.bins ?? 30;
  if (!Number.isInteger(nBins) || nBins < 1) {
    throw new Error(`macsHistogramFigure: option 'bins' must be a positive integer; got ${nBins}`);
  }
  const dense =
    records.meta.denseMacs !== undefined
      ? records.meta.denseMacs + (records.meta.gateModuleMacs ?? 0)
      : undefined;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const m of records.macs) {
    lo = Math.min(lo, m);
    hi = Math.max(hi, m);
  }
  if (records.count === 0) lo = hi = 0;
  if (hi === lo) {
    // Every sample costs the same (e.g. all gates open): one bin around that value, 1% wide.
    const half = Math.max(Math.abs(lo) * 0.005, 0.5);
    lo -= half;
    hi += half;
  }
  const unit = macsUnit(Math.max(hi, dense ?? 0));
  const width = (hi - lo) / nBins;
  const right = new Array<number>(nBins).fill(0);
  const wrong = new Array<number>(nBins).fill(0);
  for (let i = 0; i < records.count; i++) {
    const b = Math.min(nBins - 1, Math.floor((records.macs[i]! - lo) / width));
    (records.predictions[i] === records.labels[i] ? right : wrong)[b]!++;
  }
  const centers = Array.from({ length: nBins }, (_, b) => round6((lo + (b + 0.5) * width) / unit.scale));
  const bar = (name: string, y: number[], color: string) => ({
    type: 'bar',
    name,
    x: centers,
    y,
    width: round6(width / unit.scale),
    marker: { color },
  });
  const shapes =
    dense === undefined
      ? []
      : [
          {
            type: 'line',
            xref: 'x',
            yref: 'paper',
            x0: round6(dense / unit.scale),
            x1: round6(dense / unit.scale),
            y0: 0,
            y1: 1,
            line: { color: COLORS.baseline, dash: 'dash', width: 1.5 },
          },
        ];
  return {
    data: [bar('correct', right, COLORS.correct), bar('wrong', wrong, COLORS.wrong)],
    layout: baseLayout(options.title ?? 'MACs per sample', {
      barmode: 'stack',
      bargap: 0,
      xaxis: {
        title: { text: `${unit.label} per sample${dense === undefined ? '' : ' (dashed: all gates open)'}` },
      },
      yaxis: { title: { text: 'samples' } },
      shapes,
    }),
  };
}
