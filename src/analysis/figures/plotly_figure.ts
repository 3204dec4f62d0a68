// The figure type every builder returns: Plotly's JSON figure {data, layout}, as accepted by
// `Plotly.newPlot(div, data, layout)` and by the `application/vnd.plotly.v1+json` MIME bundle. Builders are
// pure (plain numbers in, JSON out, no randomness, no plotly.js): figures are snapshot-testable and cheap.

export interface PlotlyFigure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

/** Colours shared by the figures (Plotly's default qualitative palette, fixed so snapshots are stable). */
export const COLORS = {
  on: '#2ca02c',
  conditional: '#ff7f0e',
  off: '#7f7f7f',
  correct: '#1f77b4',
  wrong: '#d62728',
  prior: '#7f7f7f',
  empirical: '#1f77b4',
  baseline: '#000000',
} as const;

/** A MAC unit for values up to `max`: G above 1e9, M above 1e6, K above 1e3, else plain. */
export function macsUnit(max: number): { scale: number; label: string } {
  if (max >= 1e9) return { scale: 1e9, label: 'GMACs' };
  if (max >= 1e6) return { scale: 1e6, label: 'MMACs' };
  if (max >= 1e3) return { scale: 1e3, label: 'KMACs' };
  return { scale: 1, label: 'MACs' };
}

/** Rounds to 6 significant digits: stable JSON, no float noise in snapshots or in the notebook file. */
export function round6(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}

/** The layout fields every figure shares, merged with the figure's own. */
export function baseLayout(title: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    title: { text: title },
    font: { family: 'Helvetica, Arial, sans-serif', size: 12 },
    margin: { l: 60, r: 20, t: 50, b: 60 },
    height: 400,
    ...extra,
  };
}

/** Deterministic subsample of at most `max` indices out of n (every k-th sample). */
export function strideIndices(n: number, max: number): number[] {
  const step = Math.max(1, Math.ceil(n / max));
  const out: number[] = [];
  for (let i = 0; i < n; i += step) out.push(i);
  return out;
}
