// One executed notebook as a static page: markdown cells through `marked`, code cells as code, and their
// outputs as a reader saw them in JupyterLab, except that figures are drawn from their Plotly JSON by the
// page's one copy of plotly.js (the notebook's HTML fallback carries all of plotly.js inline, 10 MB per
// notebook) and progress bars show their final state. The page says in which configuration the notebook ran
// (the `batch_shaping` metadata scripts/run_notebooks.py records): the full one, or smoke mode, whose numbers
// come from tiny stand-in data and are not results. The output depends only on the notebook: no time stamps,
// so the same executed notebooks give the same site.
import { Marked } from 'marked';
import { escapeHtml, figureHtml } from './page_shell.js';

const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

type Text = string | string[];

interface NotebookOutput {
  output_type: string;
  name?: string;
  text?: Text;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

interface NotebookCell {
  cell_type: string;
  source: Text;
  outputs?: NotebookOutput[];
}

/** What scripts/run_notebooks.py records in an executed notebook's metadata. */
export interface RunRecord {
  mode: 'smoke' | 'full';
  kernel: string;
  seconds: number;
  ok: boolean;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: { batch_shaping?: RunRecord };
}

export interface RenderedNotebook {
  /** The first markdown heading, without '#'. */
  title: string;
  body: string;
  figures: number;
  run: RunRecord;
}

const text = (t: Text | undefined): string => (Array.isArray(t) ? t.join('') : (t ?? ''));

// ANSI colour codes in tracebacks.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Checks that `value` is an executed notebook with a run record; `file` names it in errors. */
export function checkNotebook(value: unknown, file: string): Notebook {
  const nb = value as Notebook;
  if (nb === null || typeof nb !== 'object' || !Array.isArray(nb.cells)) {
    throw new Error(`${file}: not a Jupyter notebook (no cells array)`);
  }
  const run = nb.metadata?.batch_shaping;
  if (run === undefined || (run.mode !== 'smoke' && run.mode !== 'full')) {
    throw new Error(
      `${file}: no run record (metadata.batch_shaping); execute it with scripts/run_notebooks.py, which records smoke or full mode`,
    );
  }
  if (!run.ok)
    throw new Error(`${file}: a cell failed when it was executed; fix the notebook and run it again`);
  return nb;
}

function outputHtml(o: NotebookOutput, figureId: () => string): string {
  switch (o.output_type) {
    case 'stream': {
      const cls = o.name === 'stderr' ? 'stream stderr' : 'stream';
      return `<pre class="${cls}">${escapeHtml(text(o.text))}</pre>`;
    }
    case 'error':
      return `<pre class="stream stderr">${escapeHtml(
        [`${o.ename ?? ''}: ${o.evalue ?? ''}`, ...(o.traceback ?? [])].join('\n').replace(ANSI, ''),
      )}</pre>`;
    case 'display_data':
    case 'execute_result': {
      const data = o.data ?? {};
      if (data[PLOTLY_MIME] !== undefined) return figureHtml(figureId(), data[PLOTLY_MIME]);
      const html = text(data['text/html'] as Text | undefined);
      // Deno sends plotly.js in parts before its first figure: nothing to show.
      if (html.includes('__batchShapingPlotlyParts')) return '';
      if (html !== '') return `<div class="html-output">${html}</div>`;
      const png = data['image/png'];
      if (typeof png === 'string')
        return `<img class="png-output" alt="" src="data:image/png;base64,${png.trim()}">`;
      const plain = text(data['text/plain'] as Text | undefined);
      return plain === '' ? '' : `<pre class="stream">${escapeHtml(plain)}</pre>`;
    }
    default:
      return ''; // update_display_data: nbclient already applied it to the output it updates
  }
}

/** Renders an executed notebook (checked by checkNotebook); `name` makes figure ids unique on the page. */
export function renderNotebook(nb: Notebook, name: string): RenderedNotebook {
  const marked = new Marked({ gfm: true });
  const run = nb.metadata.batch_shaping!;
  let figures = 0;
  const figureId = () => `${name}-figure-${++figures}`;
  let title = name;
  const parts: string[] = [];
  for (const cell of nb.cells) {
    const source = text(cell.source);
    if (cell.cell_type === 'markdown') {
      if (title === name) {
        const heading = /^#+\s+(.+)$/m.exec(source);
        if (heading) title = heading[1]!.trim();
      }
      parts.push(`<section class="markdown">${marked.parse(source, { async: false })}</section>`);
    } else if (cell.cell_type === 'code') {
      const outputs = (cell.outputs ?? []).map((o) => outputHtml(o, figureId)).join('\n');
      parts.push(
        `<section class="code-cell"><pre class="code"><code>${escapeHtml(source)}</code></pre>` +
          (outputs === '' ? '' : `<div class="outputs">${outputs}</div>`) +
          '</section>',
      );
    }
  }
  return { title, body: parts.join('\n'), figures, run };
}

/** The banner that says how the notebook was executed. */
export function runBanner(run: RunRecord, notebookFile: string): string {
  const how = `on the ${escapeHtml(run.kernel)} kernel in ${run.seconds.toFixed(0)} s`;
  if (run.mode === 'full') {
    return `<p class="banner full">Executed in its <strong>full configuration</strong> ${how}: the numbers below are this notebook's real results.</p>`;
  }
  return (
    `<p class="banner smoke">Executed in <strong>smoke mode</strong> (<code>BATCH_SHAPING_SMOKE=1</code>) ${how}: ` +
    'the same code on tiny stand-in inputs (synthetic data or fixtures in the official file formats, tiny widths, one short epoch). ' +
    'The figures show what the notebook draws, <strong>not results</strong>; run ' +
    `<code>${escapeHtml(notebookFile)}</code> yourself, or build the site with <code>npm run site -- --full</code>, for the real ones.</p>`
  );
}
