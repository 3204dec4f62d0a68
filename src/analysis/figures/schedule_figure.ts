// A run's schedules over training: the learning rate (left axis) and the gate-loss weights gamma
// (batch-shaping) and lambda (L0) (right axis), against the fraction of training done. The paper's recipe
// reads at a glance: gamma annealed to 0 early, lambda ramped in after it, the lr steps or cosine.
import { baseLayout, COLORS, type PlotlyFigure, round6 } from './plotly_figure.js';

export interface ScheduleFigurePoint {
  progress: number;
  lr: number;
  gamma: number;
  lambda: number;
}

export function scheduleFigure(points: readonly ScheduleFigurePoint[], title = 'Schedules'): PlotlyFigure {
  if (points.length < 2) {
    throw new Error(`scheduleFigure: argument 'points' must hold >= 2 points; got ${points.length}`);
  }
  const x = points.map((p) => round6(p.progress * 100));
  const line = (name: string, y: number[], color: string, yaxis: string) => ({
    type: 'scatter',
    mode: 'lines',
    name,
    x,
    y: y.map(round6),
    line: { color },
    yaxis,
  });
  return {
    data: [
      line(
        'learning rate',
        points.map((p) => p.lr),
        COLORS.baseline,
        'y',
      ),
      line(
        'gamma (batch-shaping)',
        points.map((p) => p.gamma),
        COLORS.conditional,
        'y2',
      ),
      line(
        'lambda (L0)',
        points.map((p) => p.lambda),
        COLORS.correct,
        'y2',
      ),
    ],
    layout: baseLayout(title, {
      xaxis: { title: { text: 'training done (%)' } },
      yaxis: { title: { text: 'learning rate' }, rangemode: 'tozero' },
      yaxis2: { title: { text: 'loss weight' }, overlaying: 'y', side: 'right', rangemode: 'tozero' },
    }),
  };
}
