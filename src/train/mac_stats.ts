// Per-sample dynamic MACs as a fraction of the dense network, accumulated over an evaluation: the mean and
// the distribution (quantiles and a histogram), which is what the paper's "MACs vs accuracy" plots and our
// per-sample analysis need. The dense reference is the same network with every gate open and no gate
// modules (countMacs(model).main); the fraction counts the gate modules' own MACs too, since they are paid.
export interface MacDistribution {
  /** MACs of the dense network (all gates open, no gate modules), per sample. */
  denseMacs: number;
  /** MACs of the gate modules, per sample (always paid). */
  gateMacs: number;
  samples: number;
  /** Mean of (main_i + gates) / dense over samples. */
  meanFraction: number;
  /** Mean MACs per sample (main + gates). */
  meanMacs: number;
  min: number;
  max: number;
  /** Quantiles of the per-sample fraction at 5, 25, 50, 75, 95%. */
  quantiles: { p05: number; p25: number; p50: number; p75: number; p95: number };
  /** Histogram of the fraction over [0, 1.1] in 22 bins of 0.05 (the last catches fractions above 1.05). */
  histogram: { edges: number[]; counts: number[] };
}

export class MacAccumulator {
  private readonly fractions: number[] = [];

  constructor(
    readonly denseMacs: number,
    readonly gateMacs: number,
  ) {}

  /** Adds per-sample total MACs (main + gates), e.g. dynamicMacs(...).total. */
  add(totals: readonly number[]): void {
    for (const t of totals) this.fractions.push(t / this.denseMacs);
  }

  get count(): number {
    return this.fractions.length;
  }

  summary(): MacDistribution {
    const f = [...this.fractions].sort((a, b) => a - b);
    const n = f.length;
    const q = (p: number) =>
      n === 0 ? Number.NaN : f[Math.min(n - 1, Math.max(0, Math.round(p * (n - 1))))]!;
    const mean = n === 0 ? Number.NaN : f.reduce((s, v) => s + v, 0) / n;
    const bins = 22;
    const width = 0.05;
    const counts = new Array<number>(bins).fill(0);
    for (const v of f) counts[Math.min(bins - 1, Math.max(0, Math.floor(v / width)))]! += 1;
    return {
      denseMacs: this.denseMacs,
      gateMacs: this.gateMacs,
      samples: n,
      meanFraction: mean,
      meanMacs: mean * this.denseMacs,
      min: n === 0 ? Number.NaN : f[0]!,
      max: n === 0 ? Number.NaN : f[n - 1]!,
      quantiles: { p05: q(0.05), p25: q(0.25), p50: q(0.5), p75: q(0.75), p95: q(0.95) },
      histogram: { edges: Array.from({ length: bins + 1 }, (_, i) => +(i * width).toFixed(2)), counts },
    };
  }
}
