// `npm run site`: the project's static web site, plain files any static host serves (no CDN, no server code):
//   index.html             what the package does, the notebooks (with the mode each ran in), the README's
//                          method figures drawn interactively and as the README's PNGs
//   notebooks/<nb>.html    each executed notebook with its outputs and interactive figures
//   explorer/index.html    the gate explorer: the shipped checkpoint in the reader's browser (explorer/main.ts)
//   assets/                plotly.js (the package's bundle, loaded once per page), figures.js, site.css
//   manifest.json          the pages, their figure counts and modes (what the browser test checks)
// Usage: node --import tsx site/build_site.ts [--out _site] [--executed <dir>] [--full] [--data <dir>]
//   default: executes the six notebooks in smoke mode (scripts/run_notebooks.py), then builds;
//   --full: then executes 00, 01 and 05 in their full configuration (minutes to tens of minutes on a CPU);
//   --executed <dir>: uses notebooks already executed by scripts/run_notebooks.py (what CI does after
//   `npm test`, which executes them). Needs `npm run build` first (the notebooks import dist/).
// The site is built in a staging folder and swapped in whole. The same executed notebooks, results and
// checkpoint give the same files.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { methodFigures, readMethodResults } from '../bench/method_figures.js';
import { initBackend } from '../src/backend/init_backend.js';
import { atomicWriteFile } from '../src/io/atomic_write.js';
import { buildExplorerData } from './explorer_data.js';
import { explorerBody } from './explorer_page.js';
import { checkNotebook, type RunRecord, renderNotebook, runBanner } from './notebook_page.js';
import { escapeHtml, figureHtml, pageHtml } from './page_shell.js';

const ROOT = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
/** Notebooks whose full configuration a CPU runs in reasonable time (00 trains, 05 uses the shipped model). */
export const FULL_NOTEBOOKS = ['00', '01', '05'];

export interface SiteManifest {
  pages: { path: string; title: string; figures: number; mode?: RunRecord['mode'] }[];
  explorer: { path: string; checkpoint: string; testImages: number };
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0)
    throw new Error(`build_site: '${cmd} ${args.join(' ')}' failed (exit ${r.status ?? r.signal})`);
}

async function write(path: string, text: string): Promise<void> {
  await atomicWriteFile(path, text);
}

async function bundleExplorer(out: string): Promise<void> {
  const result = await esbuild.build({
    entryPoints: [join(ROOT, 'site', 'explorer', 'main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    legalComments: 'external',
    outfile: join(out, 'explorer', 'explorer.js'),
    logLevel: 'warning',
  });
  if (result.errors.length > 0) throw new Error('build_site: bundling the explorer failed');
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  await mkdir(join(out, 'explorer', 'wasm'), { recursive: true });
  for (const f of await readdir(wasmDir)) {
    if (f.endsWith('.wasm')) await copyFile(join(wasmDir, f), join(out, 'explorer', 'wasm', f));
  }
}

async function notebookPages(out: string, executed: string, manifest: SiteManifest) {
  const files = (await readdir(executed)).filter((f) => /^\d\d_.*\.ipynb$/.test(f)).sort();
  if (files.length === 0) throw new Error(`build_site: no executed notebooks in ${executed}`);
  const rows: string[] = [];
  for (const f of files) {
    const path = join(executed, f);
    const nb = checkNotebook(JSON.parse(await readFile(path, 'utf8')), path);
    const name = basename(f, '.ipynb');
    const r = renderNotebook(nb, name);
    const body = `<h1>${escapeHtml(r.title)}</h1>\n${runBanner(r.run, `notebooks/${f}`)}\n${r.body}`;
    await write(
      join(out, 'notebooks', `${name}.html`),
      pageHtml({ title: r.title, root: '../', body, plotly: r.figures > 0 }),
    );
    manifest.pages.push({
      path: `notebooks/${name}.html`,
      title: r.title,
      figures: r.figures,
      mode: r.run.mode,
    });
    rows.push(
      `<tr><td><a href="notebooks/${name}.html">${escapeHtml(name)}</a></td><td>${escapeHtml(r.title)}</td>` +
        `<td class="${r.run.mode}">${r.run.mode === 'full' ? 'full configuration' : 'smoke mode (not results)'}</td>` +
        `<td>${r.figures}</td></tr>`,
    );
  }
  return rows;
}

async function indexPage(out: string, rows: string[], manifest: SiteManifest): Promise<void> {
  const figs = methodFigures(await readMethodResults());
  for (const f of ['tradeoff.png', 'ablation.png']) {
    await copyFile(join(ROOT, 'docs', 'figures', f), join(out, 'figures', f));
  }
  const body = `<h1>batch-shaping</h1>
<p>Conditional channel-gated networks trained with the batch-shaping loss (Bejnordi, Blankevoort, Welling, ICLR 2020),
in TypeScript on TensorFlow.js: each input switches on only the channels it needs. This site shows the repository's
notebooks executed, the method's results on Fashion-MNIST, and a trained gated network deciding in your browser.</p>
<h2><a href="explorer/index.html">Gate explorer</a></h2>
<p>The shipped Fashion-MNIST checkpoint in your browser: pick, draw or drop an image and see which channels each block
computes, what the image costs against the dense network and the test set, and the nearest cheap and expensive test
images.</p>
<h2 id="notebooks">Notebooks</h2>
<p>Executed by <code>scripts/run_notebooks.py</code>. Smoke mode runs the same code on tiny stand-in data: its figures
show what each notebook draws, not results. <code>npm run site -- --full</code> runs ${FULL_NOTEBOOKS.join(', ')} in
their full configuration.</p>
<table class="notebooks"><thead><tr><th>notebook</th><th>title</th><th>executed in</th><th>figures</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
<h2 id="method">The method on Fashion-MNIST</h2>
<p>From the committed results of <code>bench/method_experiment.ts</code> (<code>bench/results/</code>): gated
ResNet-20 at width 0.5, the <code>npm start</code> recipe and budget, all 10,000 test images. The README explains them.</p>
${figureHtml('method-tradeoff', figs.tradeoff)}
${figureHtml('method-ablation', figs.ablation)}
<p>The same figures as the README shows them:</p>
<p><img src="figures/tradeoff.png" alt="Accuracy against MACs: gated and dense ResNet-20" class="png">
<img src="figures/ablation.png" alt="Which gates become conditional in the ablation" class="png"></p>`;
  await write(join(out, 'index.html'), pageHtml({ title: 'batch-shaping', root: '', body, plotly: true }));
  manifest.pages.unshift({ path: 'index.html', title: 'batch-shaping', figures: 2 });
}

export async function buildSite(options: {
  out: string;
  executed: string;
  data: string;
  log?: (line: string) => void;
}): Promise<SiteManifest> {
  const log = options.log ?? (() => {});
  const out = resolve(options.out);
  const staging = `${out}.staging`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(join(staging, 'assets'), { recursive: true });
  await mkdir(join(staging, 'figures'), { recursive: true });
  const manifest: SiteManifest = {
    pages: [],
    explorer: { path: 'explorer/index.html', checkpoint: '', testImages: 0 },
  };
  for (const f of ['site.css', 'figures.js']) {
    await copyFile(join(ROOT, 'site', 'assets', f), join(staging, 'assets', f));
  }
  await copyFile(require.resolve('plotly.js-dist/plotly.js'), join(staging, 'assets', 'plotly.js'));
  const rows = await notebookPages(staging, resolve(options.executed), manifest);
  await indexPage(staging, rows, manifest);
  const backend = await initBackend('wasm');
  log(`explorer data on ${backend.name}: ${backend.reason}`);
  const test = await buildExplorerData(join(staging, 'explorer'), resolve(options.data), log);
  await bundleExplorer(staging);
  await write(
    join(staging, 'explorer', 'index.html'),
    pageHtml({
      title: 'Gate explorer',
      root: '../',
      body: explorerBody(test),
      plotly: true,
      scripts: ['explorer.js'],
    }),
  );
  manifest.explorer = { path: 'explorer/index.html', checkpoint: test.checkpoint, testImages: test.count };
  manifest.pages.push({ path: 'explorer/index.html', title: 'Gate explorer', figures: 0 });
  await write(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await rm(out, { recursive: true, force: true });
  await rename(staging, out);
  return manifest;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: '_site' },
      executed: { type: 'string' },
      full: { type: 'boolean', default: false },
      data: { type: 'string', default: 'data/fashion-mnist' },
    },
  });
  if (values.executed !== undefined && values.full) {
    throw new Error('build_site: --full executes notebooks; it cannot be combined with --executed');
  }
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    throw new Error(
      'build_site: dist/index.js is missing; run `npm run build` first (the notebooks import it)',
    );
  }
  let executed = values.executed;
  if (executed === undefined) {
    // With --full, the others in smoke mode first (their full configurations need GPUs and large datasets).
    const smoke = values.full
      ? (await readdir(join(ROOT, 'notebooks')))
          .filter((f) => /^\d\d_.*\.ipynb$/.test(f) && !FULL_NOTEBOOKS.includes(f.slice(0, 2)))
          .sort()
      : [];
    if (!values.full || smoke.length > 0) run('/usr/bin/python3', ['scripts/run_notebooks.py', ...smoke]);
    if (values.full) run('/usr/bin/python3', ['scripts/run_notebooks.py', '--full', ...FULL_NOTEBOOKS]);
    executed = join(ROOT, 'artifacts', 'notebooks');
  } else if (!existsSync(executed)) {
    throw new Error(`build_site: --executed ${executed}: no such folder`);
  }
  if (!existsSync(join(values.data, 'meta.json'))) {
    run(process.execPath, ['bin/batch-shaping.js', 'prepare', 'fashion-mnist', '--out', values.data]);
  }
  const started = Date.now();
  const manifest = await buildSite({ out: values.out, executed, data: values.data, log: console.log });
  const figures = manifest.pages.reduce((a, p) => a + p.figures, 0);
  console.log(
    `site: ${manifest.pages.length} pages, ${figures} figures, in ${values.out}/ (${((Date.now() - started) / 1000).toFixed(1)} s); ` +
      `serve it with any static server, e.g. python3 -m http.server -d ${values.out}`,
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
