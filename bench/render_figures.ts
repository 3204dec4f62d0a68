// Renders the README's figures from the committed experiment results (bench/results/method-tradeoff.json and
// method-ablation.json) to PNG: the figures are built with the library's own figure builders, drawn by the
// package's plotly.js in Debian's headless Chromium (the browser the tests use), and screenshotted. No
// number is typed by hand: rerun the experiment, then this script, and the README's pictures follow.
// Run: node --import tsx bench/render_figures.ts   (writes docs/figures/tradeoff.png, docs/figures/ablation.png)
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tradeoffCurve } from '../src/analysis/accuracy_macs_tradeoff.js';
import type { PlotlyFigure } from '../src/analysis/figures/plotly_figure.js';
import { tradeoffFigure } from '../src/analysis/figures/tradeoff_figure.js';
import { plotlyJsSource, scriptJson } from '../src/analysis/plotly_bundle.js';
import { launchChromium } from '../test/helpers/chromium.js';

interface Run {
  id: string;
  label: string;
  top1: number;
  meanMacs: number;
  gates?: { alwaysOn: number; alwaysOff: number; conditional: number; cdfGapPooled: number };
  thresholdSweep?: { threshold: number; top1: number; meanMacs: number }[];
}

const results = join(import.meta.dirname, 'results');
const read = async (name: string) => JSON.parse(await readFile(join(results, name), 'utf8'));
const tradeoff = (await read('method-tradeoff.json')) as { gated: Run[]; dense: Run[] };
const ablation = (await read('method-ablation.json')) as { runs: Run[] };

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

// The README's tables, printed for pasting (the numbers as the JSON has them, rounded).
const pct = (v: number | undefined, digits = 1) => (v === undefined ? '-' : (100 * v).toFixed(digits));
const mmac = (v: number) => (v / 1e6).toFixed(2);
console.log('| run | top-1 % | mean MMAC | always on % | conditional % | always off % | CDF gap |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of ablation.runs) {
  const g = r.gates;
  console.log(
    `| ${r.label} | ${pct(r.top1, 2)} | ${mmac(r.meanMacs)} | ${pct(g?.alwaysOn)} | ${pct(g?.conditional)} | ${pct(g?.alwaysOff)} | ${g ? g.cdfGapPooled.toFixed(3) : '-'} |`,
  );
}
console.log('\n| model | top-1 % | mean MMAC |');
console.log('| --- | --- | --- |');
for (const r of [...tradeoff.gated, ...tradeoff.dense])
  console.log(`| ${r.label} | ${pct(r.top1, 2)} | ${mmac(r.meanMacs)} |`);
for (const s of sweepRun?.thresholdSweep ?? []) {
  console.log(`| ${sweepRun!.label}, threshold ${s.threshold} | ${pct(s.top1, 2)} | ${mmac(s.meanMacs)} |`);
}

const profile = await mkdtemp(join(tmpdir(), 'render-figures-'));
const context = await launchChromium(profile, { width: 900, height: 560 });
try {
  for (const [name, fig] of [
    ['tradeoff', tradeoffFig],
    ['ablation', ablationFig],
  ] as const) {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setContent(
      `<!doctype html><html><body style="margin:0"><div id="f" style="width:900px;height:560px"></div>` +
        `<script>${plotlyJsSource()}</script><script>const fig = ${scriptJson(fig)};` +
        `Plotly.newPlot('f', fig.data, fig.layout, {staticPlot: true}).then(() => { window.done = true; });</script></body></html>`,
    );
    await page.waitForFunction('window.done === true', undefined, { timeout: 30000 });
    if (errors.length > 0) throw new Error(`render_figures: ${name}: ${errors.join('; ')}`);
    const out = join(import.meta.dirname, '..', 'docs', 'figures', `${name}.png`);
    await page.locator('#f').screenshot({ path: out });
    console.log(`wrote ${out}`);
    await page.close();
  }
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
