// The notebooks as our users see them: JupyterLab (the project's pinned one, .venv from scripts/python_env.sh)
// with the project's tslab kernel, in headless Chromium (Debian's, driven by playwright-core). For
// 00_quickstart and 05_gate_analysis: open the notebook, Run > Run All Cells in smoke mode
// (BATCH_SHAPING_SMOKE=1), scroll through it, and check what the page shows:
//   - every code cell ran, none produced an error or stderr output, and the page threw no error;
//   - every cell tagged `figure` shows one drawn plot per figure output (an SVG with bars, lines, points or a
//     heatmap, of a real size), never the "plotly.js is not loaded" placeholder or an empty div;
//   - every image of an HTML output has loaded and is visible, every table is visible and has rows;
//   - each progress display was updated in place: several states shown one after another in one output,
//     never two at once, and one left at the end.
// Twice: with the plotly extension (plotly >= 6.1 in the venv: figures drawn by the Plotly MIME renderer) and
// with it disabled (figures drawn by showFigure's offline HTML fallback, plotly.js inlined in the output).
// Screenshots of every cell with outputs: artifacts/jupyterlab/<mode>/<notebook>/cell-NN.png.
//
// Not a *.test.ts file: `npm run test:unit` would otherwise pick it up; `npm run test:notebooks` runs it
// after the headless nbclient runs. Skipped, saying why, when Chromium, .venv or dist/ is missing (under CI a
// missing .venv fails it: test/helpers/python_env.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.js';
import { REPO_ROOT, skipWithoutPython } from '../helpers/python_env.js';
import {
  type CellReport,
  inspectCells,
  openNotebook,
  readProgressLog,
  recordProgress,
  runAllCells,
  screenshotCells,
} from './jupyterlab_page.js';
import { type JupyterLab, NOTEBOOKS, startJupyterLab } from './jupyterlab_server.js';

const BOOKS = ['00_quickstart', '05_gate_analysis'];
const ARTIFACTS = join(REPO_ROOT, 'artifacts', 'jupyterlab');
/** The fallback's text when plotly.js never loaded (src/notebook/display_figure.ts). */
const PLACEHOLDER = 'plotly.js is not loaded';

function skipReason(): string | false {
  if (skipWithoutChromium) return skipWithoutChromium;
  const python = skipWithoutPython(['jupyterlab', 'plotly']);
  if (python) return python;
  if (!existsSync(join(REPO_ROOT, 'dist', 'index.js'))) return 'dist/ is missing (npm run build)';
  return false;
}
const skip = skipReason();

function describeCell(c: CellReport): string {
  return JSON.stringify(c, null, 1).slice(0, 1500);
}

function checkCell(c: CellReport, mode: 'extension' | 'fallback'): void {
  const where = `cell ${c.index}`;
  assert.equal(typeof c.executionCount, 'number', `${where} did not run: ${describeCell(c)}`);
  assert.equal(c.errors, 0, `${where} has an error output; stderr: ${c.stderr}`);
  assert.equal(c.stderr, '', `${where} wrote to stderr`);
  if (c.tags.includes('figure')) {
    assert.ok(c.figureOutputs > 0, `${where} is tagged figure but has no figure output`);
  }
  const plots = mode === 'extension' ? c.extensionPlots : c.htmlPlots;
  const others = mode === 'extension' ? c.htmlPlots : c.extensionPlots;
  assert.equal(
    plots.length,
    c.figureOutputs,
    `${where}: ${c.figureOutputs} figure outputs, ${plots.length} ${mode} plots`,
  );
  assert.equal(others.length, 0, `${where}: plots drawn by the other renderer (${mode} expected)`);
  for (const [k, p] of plots.entries()) {
    assert.ok(!p.text.includes(PLACEHOLDER), `${where}, plot ${k} is the placeholder: ${p.text}`);
    assert.ok(p.svg, `${where}, plot ${k} has no plotly SVG`);
    assert.ok(p.marks > 0, `${where}, plot ${k} has no bars, lines, points or heatmap`);
    assert.ok(p.width >= 200 && p.height >= 150, `${where}, plot ${k} is ${p.width}x${p.height} px`);
  }
  if (c.htmlHasImage) assert.ok(c.images.total > 0, `${where}: its HTML has images, none rendered`);
  assert.equal(
    c.images.loaded,
    c.images.total,
    `${where}: ${c.images.total - c.images.loaded} images did not load`,
  );
  assert.equal(c.images.visible, c.images.total, `${where}: images of zero size`);
  if (c.htmlHasTable) assert.ok(c.tables.total > 0, `${where}: its HTML has a table, none rendered`);
  assert.equal(c.tables.visible, c.tables.total, `${where}: tables of zero size`);
  assert.ok(c.tables.rows >= 2 * c.tables.total, `${where}: tables without data rows`);
}

for (const mode of ['extension', 'fallback'] as const) {
  const title =
    mode === 'extension'
      ? 'notebooks in JupyterLab with the plotly extension'
      : 'notebooks in JupyterLab without the plotly extension (HTML fallback)';
  describe(title, { skip }, () => {
    let lab: JupyterLab | undefined;
    let context: Awaited<ReturnType<typeof launchChromium>> | undefined;
    let profile: string | undefined;
    before(async () => {
      const setup = spawnSync(process.execPath, [
        join(REPO_ROOT, 'scripts', 'kernel_install.mjs'),
        '--quiet',
      ]);
      assert.equal(setup.status, 0, `kernel_install failed: ${setup.stderr}`);
      // Smoke runs reuse nothing (as scripts/run_notebooks.py): preparation and training run from scratch.
      for (const d of ['data/smoke', 'runs/smoke'])
        rmSync(join(REPO_ROOT, d), { recursive: true, force: true });
      lab = await startJupyterLab({ plotly: mode === 'extension' });
      profile = mkdtempSync(join(tmpdir(), 'bs-chromium-'));
      context = await launchChromium(profile, { width: 1280, height: 1000 });
    });
    after(async () => {
      await context?.close();
      await lab?.stop();
      if (profile) rmSync(profile, { recursive: true, force: true });
    });

    for (const book of BOOKS) {
      it(`${book}: runs all cells and shows every figure, image, table and progress display`, {
        timeout: 420_000,
      }, async (t) => {
        // A copy in the same folder (the kernel's working directory and the notebook's relative paths are the
        // real ones): JupyterLab may save into the notebook it has open, and committed notebooks stay without
        // outputs. notebooks/.gitignore lists browser-test-*.ipynb.
        const copy = `browser-test-${mode}-${book}.ipynb`;
        copyFileSync(join(NOTEBOOKS, `${book}.ipynb`), join(NOTEBOOKS, copy));
        const page = await context!.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (e) => pageErrors.push(e.message));
        try {
          const kernel = await openNotebook(page, lab!.url(copy));
          assert.deepEqual(kernel, { name: 'tslab', displayName: 'TypeScript (tslab, batch-shaping)' });
          await recordProgress(page);
          await runAllCells(page, 360_000);
          const cells = await inspectCells(page);
          const progress = await readProgressLog(page);
          const shots = join(ARTIFACTS, mode, book);
          rmSync(shots, { recursive: true, force: true });
          mkdirSync(shots, { recursive: true });
          await screenshotCells(page, shots);

          for (const c of cells) checkCell(c, mode);
          const figures = cells.filter((c) => c.tags.includes('figure'));
          assert.ok(figures.length >= 4, `${book}: ${figures.length} figure cells`);
          assert.ok(
            cells.some((c) => c.images.total > 0),
            `${book}: no cell shows images`,
          );
          assert.ok(
            cells.some((c) => c.tables.total > 0),
            `${book}: no cell shows a table`,
          );
          const withProgress = cells.filter((c) => c.progressOutputs.length > 0);
          assert.ok(withProgress.length > 0, `${book}: no progress display`);
          for (const c of withProgress) {
            const seen = progress[c.index];
            assert.ok(seen, `cell ${c.index}: its progress display was never seen while running`);
            assert.equal(seen.maxShown, 1, `cell ${c.index}: ${seen.maxShown} progress displays at once`);
            assert.equal(
              c.progressOutputs.length,
              1,
              `cell ${c.index}: ${c.progressOutputs.length} progress outputs`,
            );
            assert.ok(
              seen.states.length >= 2,
              `cell ${c.index}: the progress display showed ${seen.states.length} state(s): ${seen.states.join(' | ')}`,
            );
            assert.equal(
              seen.states.at(-1),
              c.progressOutputs[0],
              `cell ${c.index}: the last state is the one left`,
            );
          }
          assert.deepEqual(pageErrors, [], `page errors: ${pageErrors.join('\n')}`);
          const sum = (f: (c: CellReport) => number) => cells.reduce((n, c) => n + f(c), 0);
          t.diagnostic(
            `${cells.length} code cells ran; ${figures.length} figure cells drew ` +
              `${sum((c) => (mode === 'extension' ? c.extensionPlots : c.htmlPlots).length)} plots (${mode}); ` +
              `${sum((c) => c.images.loaded)} images, ${sum((c) => c.tables.total)} tables; progress states: ` +
              withProgress.map((c) => progress[c.index]!.states.length).join(', '),
          );
        } finally {
          await page.close();
          rmSync(join(NOTEBOOKS, copy), { force: true });
        }
      });
    }
  });
}
