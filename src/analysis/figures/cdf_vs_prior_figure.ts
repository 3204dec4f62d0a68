// The empirical CDF of the gate probabilities against the prior's CDF (the target of the batch-shaping
// loss, Bejnordi et al. 2020, Eq. 2 and figure 1).
import type { CdfVsPrior } from '../probability_cdf.js';
import { baseLayout, COLORS, type PlotlyFigure, round6 } from './plotly_figure.js';

export function cdfVsPriorFigure(cdf: CdfVsPrior, priorName = 'prior', title?: string): PlotlyFigure {
  const x = cdf.grid.map(round6);
  return {
    data: [
      {
        type: 'scatter',
        mode: 'lines',
        name: `gate probabilities (n = ${cdf.samples})`,
        x,
        y: cdf.empirical.map(round6),
        line: { color: COLORS.empirical, shape: 'hv' },
      },
      {
        type: 'scatter',
        mode: 'lines',
        name: priorName,
        x,
        y: cdf.prior.map(round6),
        line: { color: COLORS.prior, dash: 'dash' },
      },
    ],
    layout: baseLayout(title ?? `Gate-probability CDF vs ${priorName} (max gap ${round6(cdf.maxGap)})`, {
      xaxis: { title: { text: 'p = sigmoid(gate logit)' }, range: [0, 1] },
      yaxis: { title: { text: 'CDF' }, range: [0, 1] },
    }),
  };
}
