// The quickstart notebook as a person uses it: Debian's classic Jupyter Notebook server (jupyter-notebook)
// with this project's tslab kernel, opened in headless Chromium, Cell > Run All in smoke mode
// (BATCH_SHAPING_SMOKE=1), then: no cell errored, every cell ran, and the Plotly figures were drawn in the
// page (`.js-plotly-plot .main-svg`). The classic notebook ignores the Plotly MIME type, so this exercises
// the offline text/html fallback of showFigure (plotly.js inlined, no CDN), which runs because outputs
// produced in the live session are trusted. A screenshot is saved to artifacts/notebook-00.png.
//
// Not a *.test.ts file: `npm run test:unit` would otherwise pick it up; `npm run test:notebooks` runs it
// (node --import tsx --test test/notebooks/quickstart_browser.e2e.ts) after the headless nbclient runs.
// Skipped, saying why, when chromium or jupyter-notebook is not installed.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

const JUPYTER_NOTEBOOK = '/usr/bin/jupyter-notebook';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NOTEBOOKS = join(ROOT, 'notebooks');
// A copy in the same folder (so the kernel's working directory and the notebook's relative paths are the
// real ones): the server may autosave outputs into the notebook it has open, and the committed notebooks
// stay without outputs. notebooks/.gitignore lists it; it is removed afterwards.
const COPY_NAME = 'browser-test-00_quickstart.ipynb';
const SCREENSHOT = join(ROOT, 'artifacts', 'notebook-00.png');

function skipReason(): string | false {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is absent (apt-get install chromium)`;
  if (!existsSync(JUPYTER_NOTEBOOK))
    return `${JUPYTER_NOTEBOOK} is absent (apt-get install jupyter-notebook)`;
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) return 'dist/ is missing (npm run build)';
  return false;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

async function waitForServer(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`jupyter-notebook exited (${server.exitCode}):\n${log()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`jupyter-notebook did not answer ${url} within 60 s:\n${log()}`);
}

async function stopServer(server: ChildProcess, base: string, token: string): Promise<void> {
  if (server.exitCode !== null) return;
  // The server's own shutdown also stops its kernels; SIGTERM, then SIGKILL, if it does not exit.
  try {
    await fetch(`${base}api/shutdown`, { method: 'POST', headers: { Authorization: `token ${token}` } });
  } catch {
    // already gone
  }
  const exited = new Promise<void>((ok) => server.once('exit', () => ok()));
  const timer = setTimeout(() => server.kill('SIGTERM'), 5_000);
  const killer = setTimeout(() => server.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
  clearTimeout(killer);
}

/** The parts of the classic notebook's JavaScript API the test reads (window.Jupyter). */
interface ClassicCell {
  cell_type: string;
  input_prompt_number: number | string | null | undefined;
  output_area?: { outputs: { output_type: string; name?: string; text?: string }[] };
  metadata: { tags?: string[] };
}
interface ClassicJupyter {
  notebook?: {
    kernel?: { is_connected(): boolean; info_reply?: unknown };
    get_cells(): ClassicCell[];
    execute_all_cells(): void;
    set_autosave_interval(ms: number): void;
    trusted: boolean;
  };
}
type JupyterWindow = Window & { Jupyter?: ClassicJupyter };

describe('notebooks in a browser', () => {
  it('00_quickstart runs in the classic Jupyter Notebook and draws its figures', {
    skip: skipReason(),
    timeout: 600_000,
  }, async () => {
    const setup = spawnSync(process.execPath, [join(ROOT, 'scripts', 'kernel_install.mjs'), '--quiet']);
    assert.equal(setup.status, 0, `kernel_install failed: ${setup.stderr}`);
    copyFileSync(join(NOTEBOOKS, '00_quickstart.ipynb'), join(NOTEBOOKS, COPY_NAME));
    const home = mkdtempSync(join(tmpdir(), 'bs-jupyter-'));
    const port = await freePort();
    const token = Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
    const base = `http://127.0.0.1:${port}/`;
    let serverLog = '';
    const server = spawn(
      JUPYTER_NOTEBOOK,
      [
        '--no-browser',
        '--allow-root',
        '--ip=127.0.0.1',
        `--port=${port}`,
        '--port-retries=0',
        `--NotebookApp.token=${token}`,
        `--notebook-dir=${NOTEBOOKS}`,
      ],
      {
        cwd: NOTEBOOKS,
        env: {
          ...process.env,
          BATCH_SHAPING_SMOKE: '1',
          JUPYTER_PATH: join(NOTEBOOKS, '.jupyter'),
          // A fresh Jupyter home: no user config, trust database or runtime files leak in or out.
          JUPYTER_CONFIG_DIR: join(home, 'config'),
          JUPYTER_DATA_DIR: join(home, 'data'),
          JUPYTER_RUNTIME_DIR: join(home, 'runtime'),
          IPYTHONDIR: join(home, 'ipython'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const collect = (b: Buffer) => {
      serverLog = (serverLog + b.toString()).slice(-20_000);
    };
    server.stdout?.on('data', collect);
    server.stderr?.on('data', collect);
    const profile = mkdtempSync(join(tmpdir(), 'bs-chromium-'));
    let context: Awaited<ReturnType<typeof launchChromium>> | undefined;
    try {
      await waitForServer(`${base}api?token=${token}`, server, () => serverLog);
      context = await launchChromium(profile, { width: 1280, height: 1000 });
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(`${base}notebooks/${COPY_NAME}?token=${token}`, { waitUntil: 'load' });
      await page.waitForFunction(
        () => (window as JupyterWindow).Jupyter?.notebook?.kernel?.info_reply !== undefined,
        undefined,
        { timeout: 120_000 },
      );
      // Cell > Run All, through the notebook's own action; no autosave into the copy while it runs.
      await page.evaluate(() => {
        const nb = (window as JupyterWindow).Jupyter!.notebook!;
        nb.set_autosave_interval(0);
        nb.execute_all_cells();
      });
      // Done when every code cell has an execution number, or as soon as one shows an error.
      await page.waitForFunction(
        () => {
          const cells = (window as JupyterWindow).Jupyter!.notebook!.get_cells();
          const code = cells.filter((c) => c.cell_type === 'code');
          const errored = code.some((c) => c.output_area?.outputs.some((o) => o.output_type === 'error'));
          return errored || code.every((c) => typeof c.input_prompt_number === 'number');
        },
        undefined,
        { timeout: 420_000, polling: 500 },
      );
      const state = await page.evaluate(() => {
        const nb = (window as JupyterWindow).Jupyter!.notebook!;
        const code = nb.get_cells().filter((c) => c.cell_type === 'code');
        return {
          trusted: nb.trusted,
          figureCells: code.filter((c) => c.metadata.tags?.includes('figure')).length,
          errors: code
            .map((c, i) => ({
              i,
              stderr: (c.output_area?.outputs ?? [])
                .filter((o) => o.output_type === 'error' || o.name === 'stderr')
                .map((o) => o.text ?? o.output_type)
                .join(''),
              failed: (c.output_area?.outputs ?? []).some((o) => o.output_type === 'error'),
            }))
            .filter((c) => c.failed),
        };
      });
      assert.deepEqual(state.errors, [], `cells failed:\n${JSON.stringify(state.errors, null, 2)}`);
      assert.ok(state.figureCells >= 3, `expected figure cells, found ${state.figureCells}`);
      // The HTML fallback draws once plotly.js (inlined in the first figure's output) has loaded.
      await page.waitForFunction(
        (n) => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n,
        state.figureCells,
        { timeout: 60_000 },
      );
      const drawn = await page.evaluate(() => ({
        plots: document.querySelectorAll('.js-plotly-plot').length,
        marks: document.querySelectorAll(
          '.js-plotly-plot .bars path, .js-plotly-plot .js-line, .js-plotly-plot .point',
        ).length,
        missing: Array.from(document.querySelectorAll('.bs-plot'))
          .filter((d) => d.querySelector('.main-svg') === null)
          .map((d) => d.textContent ?? d.id),
      }));
      assert.deepEqual(drawn.missing, [], 'every figure div holds a drawn plot');
      assert.ok(
        drawn.plots >= state.figureCells,
        `${drawn.plots} plots for ${state.figureCells} figure cells`,
      );
      assert.ok(drawn.marks > 0, 'the plots contain bars, lines or points');
      assert.deepEqual(pageErrors, [], `page errors: ${pageErrors.join('\n')}`);
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      // The classic notebook scrolls inside #site; let the page grow so the screenshot shows every cell.
      await page.addStyleTag({
        content:
          '#site{height:auto!important;overflow:visible!important} html,body{height:auto!important;overflow:visible!important}',
      });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    } finally {
      await context?.close();
      await stopServer(server, base, token);
      rmSync(join(NOTEBOOKS, COPY_NAME), { force: true });
      rmSync(profile, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    }
  });
});
