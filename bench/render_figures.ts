// Renders the README's figures from the committed experiment results (bench/results/method-tradeoff.json and
// method-ablation.json) to PNG: the figures are built with the library's own figure builders, drawn by the
// package's plotly.js in Debian's headless Chromium (the browser the tests use), and screenshotted. No
// number is typed by hand: rerun the experiment, then this script, and the README's pictures follow.
// Run: node --import tsx bench/render_figures.ts   (writes docs/figures/tradeoff.png, docs/figures/ablation.png)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plotlyJsSource, scriptJson } from '../src/analysis/plotly_bundle.js';
import { launchChromium } from '../test/helpers/chromium.js';
import { methodFigures, readMethodResults } from './method_figures.js';

const results = await readMethodResults();
const { tradeoff, ablation } = results;
const { tradeoff: tradeoffFig, ablation: ablationFig } = methodFigures(results);
const sweepRun = tradeoff.gated.find((r) => r.thresholdSweep !== undefined);

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
