// The figures of the README's section "The method on Fashion-MNIST", built from the committed experiment results
// (bench/results/method-tradeoff.json and method-ablation.json) with the library's own figure builders:
// bench/render_figures.ts renders them to the README's PNGs, and the site (site/build_site.ts) draws them
// interactively.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tradeoffCurve } from '../src/analysis/accuracy_macs_tradeoff.js';
import type { PlotlyFigure } from '../src/analysis/figures/plotly_figure.js';
import { tradeoffFigure } from '../src/analysis/figures/tradeoff_figure.js';

export interface Run {
  id: string;
  label: string;
  top1: number;
  meanMacs: number;
  gates?: { alwaysOn: number; alwaysOff: number; conditional: number; cdfGapPooled: number };
  thresholdSweep?: { threshold: number; top1: number; meanMacs: number }[];
}

export interface MethodResults {
  tradeoff: { gated: Run[]; dense: Run[] };
  ablation: { runs: Run[] };
}

/** Reads the committed results. */
export async function readMethodResults(): Promise<MethodResults> {
  const results = join(import.meta.dirname, 'results');
  const read = async (name: string) => JSON.parse(await readFile(join(results, name), 'utf8'));
  return { tradeoff: await read('method-tradeoff.json'), ablation: await read('method-ablation.json') };
}

/** The accuracy/MACs trade-off (tradeoff.png) and the ablation's gate split (ablation.png). */
export function methodFigures({ tradeoff, ablation }: MethodResults): {
  tradeoff: PlotlyFigure;
  ablation: PlotlyFigure;
} {
  const point = (name: string, r: { top1: number; meanMacs: number }) => ({
    name,
    accuracy: r.top1,
    macs: r.meanMacs,
  });
  const sweepRun = tradeoff.gated.find((r) => r.thresholdSweep !== undefined);
  const gatedPoints = [
    ...tradeoff.gated.map((r) => point(r.label.replace(/^gated, /, ''), r)),
    ...(sweepRun?.thresholdSweep ?? [])
      .filter((s) => s.threshold !== 0.5)
      .map((s) => point(`t=${s.threshold}`, s)),
  ];
  const tradeoffFig = tradeoffFigure(
    tradeoffCurve(gatedPoints),
    tradeoff.dense.map((r) => point(r.label.replace(/^dense, /, ''), r)),
    'Fashion-MNIST, ResNet-20: gated (lambda, threshold t) vs dense (width), same recipe and budget',
  );

  const gated = ablation.runs.filter((r) => r.gates !== undefined);
  const bar = (name: string, key: 'alwaysOn' | 'conditional' | 'alwaysOff', color: string) => ({
    type: 'bar',
    name,
    x: gated.map((r) => r.label),
    y: gated.map((r) => Number((100 * r.gates![key]).toFixed(2))),
    marker: { color },
  });
  const ablationFig: PlotlyFigure = {
    data: [
      bar('always on', 'alwaysOn', '#2ca02c'),
      bar('conditional', 'conditional', '#ff7f0e'),
      bar('always off', 'alwaysOff', '#7f7f7f'),
    ],
    layout: {
      title: { text: 'Which gates become conditional (test set, % of gates)' },
      barmode: 'stack',
      yaxis: { title: { text: '% of gates' } },
      font: { family: 'Helvetica, Arial, sans-serif', size: 12 },
    },
  };
  return { tradeoff: tradeoffFig, ablation: ablationFig };
}
