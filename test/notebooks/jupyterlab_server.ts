// A JupyterLab server for the browser test of the notebooks: the project's pinned JupyterLab (.venv, made by
// scripts/python_env.sh) on loopback, serving notebooks/ with the project's tslab kernelspec (JUPYTER_PATH =
// notebooks/.jupyter, written by scripts/kernel_install.mjs) and BATCH_SHAPING_SMOKE=1, exactly as README
// "Notebooks" starts it, plus what a test needs: a random token and port, a fresh Jupyter home (no user
// settings, workspaces or trust database leak in or out), nothing that reaches for the network (news,
// update checks, the extension manager's index), and `window.jupyterapp` exposed so the test can read cell
// models. `plotly: false` disables the plotly extension (jupyterlab-plotly) through the page config, as
// `jupyter labextension disable` would (see PLOTLY_EXTENSION): the figures then show their HTML fallback.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, VENV_JUPYTER_LAB } from '../helpers/python_env.js';

export const NOTEBOOKS = join(REPO_ROOT, 'notebooks');
/**
 * The plotly package's JupyterLab extension (renders application/vnd.plotly.v1+json): its package name, and
 * the id of its one plugin. JupyterLab disables a plugin whose id starts with a disabled name and ':', and the
 * plugin's id does not start with the package name, so `jupyter labextension disable jupyterlab-plotly`
 * (which writes the package name) leaves the renderer on; disabling the plugin id turns it off.
 */
export const PLOTLY_EXTENSION = ['jupyterlab-plotly', '@jupyterlab/plotly-extension:factory'];

export interface JupyterLab {
  /** http://127.0.0.1:<port>/ */
  base: string;
  token: string;
  /** The URL that opens `notebook` (a path under notebooks/) in JupyterLab. */
  url(notebook: string): string;
  /** The server's recent log (for failure messages). */
  log(): string;
  stop(): Promise<void>;
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
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`jupyter-lab exited (${server.exitCode}):\n${log()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`jupyter-lab did not answer ${url} within 90 s:\n${log()}`);
}

/** Starts JupyterLab; the caller stops it. */
export async function startJupyterLab(options: { plotly: boolean }): Promise<JupyterLab> {
  const home = mkdtempSync(join(tmpdir(), 'bs-jupyterlab-'));
  const config = join(home, 'config');
  // Page config read by JupyterLab at startup: the extensions this run goes without. The news announcements
  // would otherwise fetch from the internet and pop a question over the screenshots.
  const disabled: Record<string, boolean> = { '@jupyterlab/apputils-extension:announcements': true };
  if (!options.plotly) for (const id of PLOTLY_EXTENSION) disabled[id] = true;
  mkdirSync(join(config, 'labconfig'), { recursive: true });
  writeFileSync(
    join(config, 'labconfig', 'page_config.json'),
    `${JSON.stringify({ disabledExtensions: disabled }, null, 2)}\n`,
  );
  const port = await freePort();
  const token = Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  const base = `http://127.0.0.1:${port}/`;
  let serverLog = '';
  const server = spawn(
    VENV_JUPYTER_LAB,
    [
      '--no-browser',
      '--allow-root',
      '--ip=127.0.0.1',
      `--port=${port}`,
      '--port-retries=0',
      `--IdentityProvider.token=${token}`,
      `--ServerApp.root_dir=${NOTEBOOKS}`,
      '--LabApp.expose_app_in_browser=True',
      '--LabApp.news_url=None',
      '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
      '--LabApp.extension_manager=readonly',
    ],
    {
      cwd: NOTEBOOKS,
      env: {
        ...process.env,
        BATCH_SHAPING_SMOKE: '1',
        JUPYTER_PATH: join(NOTEBOOKS, '.jupyter'),
        JUPYTER_CONFIG_DIR: config,
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
  const stop = async () => {
    if (server.exitCode === null) {
      // The server's own shutdown also stops its kernels; SIGTERM, then SIGKILL, if it does not exit.
      const exited = new Promise<void>((ok) => server.once('exit', () => ok()));
      try {
        await fetch(`${base}api/shutdown`, { method: 'POST', headers: { Authorization: `token ${token}` } });
      } catch {
        // already gone
      }
      const term = setTimeout(() => server.kill('SIGTERM'), 5_000);
      const kill = setTimeout(() => server.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(term);
      clearTimeout(kill);
    }
    rmSync(home, { recursive: true, force: true });
  };
  try {
    await waitForServer(`${base}api?token=${token}`, server, () => serverLog);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    base,
    token,
    url: (notebook) => `${base}lab/tree/${encodeURIComponent(notebook)}?token=${token}`,
    log: () => serverLog,
    stop,
  };
}
