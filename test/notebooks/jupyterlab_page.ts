// Drives one notebook in JupyterLab's page as a person would (open it, Run > Run All Cells, scroll through it)
// and reads back what the page shows, cell by cell, for the browser test's assertions: the cell model (outputs,
// execution counts, tags) through `window.jupyterapp` (exposed by the server's LabApp.expose_app_in_browser)
// and the rendered DOM (plots, images, tables, progress displays). Functions passed to page.evaluate run in
// the browser: they use only what they declare.
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/** What one code cell shows after the run. */
export interface CellReport {
  index: number;
  tags: string[];
  executionCount: number | null;
  /** Outputs of type 'error' (tslab leaves ename/evalue empty: the message is in stderr). */
  errors: number;
  stderr: string;
  /** Outputs carrying the Plotly MIME type (showFigure's). */
  figureOutputs: number;
  /** Plots drawn by the plotly extension's MIME renderer (.jp-RenderedPlotly). */
  extensionPlots: PlotReport[];
  /** Plots drawn by showFigure's HTML fallback (.bs-plot). */
  htmlPlots: PlotReport[];
  /** Whether the model's HTML outputs hold an <img> / a <table>. */
  htmlHasImage: boolean;
  htmlHasTable: boolean;
  images: { total: number; loaded: number; visible: number };
  tables: { total: number; visible: number; rows: number };
  /** Outputs holding a progress display in the final state. */
  progressOutputs: string[];
}

export interface PlotReport {
  /** An SVG drawn by plotly.js. */
  svg: boolean;
  /** Trace marks (bars, lines, points, heatmap images) in the plot area. */
  marks: number;
  width: number;
  height: number;
  text: string;
}

/** How the progress displays changed while the notebook ran (MutationObserver over the page). */
export interface ProgressLog {
  /** Per cell index: every distinct progress text seen, in order, and the most shown at once. */
  [cell: number]: { states: string[]; maxShown: number };
}

/** Waits for JupyterLab, the notebook widget and its idle kernel; hides the file browser; returns the kernel's name. */
export async function openNotebook(page: Page, url: string): Promise<{ name: string; displayName: string }> {
  // tsx (esbuild, keepNames) wraps the named functions of this file in `__name(fn, "name")` calls, which
  // travel with them into page.evaluate; the page gets the identity function under that name.
  await page.addInitScript('window.__name = (fn) => fn;');
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(
    () => {
      // biome-ignore lint/suspicious/noExplicitAny: JupyterLab's application object, read in the page.
      const app = (window as any).jupyterapp;
      const kernel = app?.shell?.currentWidget?.sessionContext?.session?.kernel;
      return kernel?.status === 'idle' && kernel.info !== undefined;
    },
    undefined,
    { timeout: 180_000, polling: 250 },
  );
  return page.evaluate(() => {
    // biome-ignore lint/suspicious/noExplicitAny: as above.
    const app = (window as any).jupyterapp;
    app.shell.collapseLeft();
    const session = app.shell.currentWidget.sessionContext;
    return { name: session.session.kernel.name, displayName: session.kernelDisplayName };
  });
}

/** Records every state of every progress display until readProgressLog; call before running. */
export async function recordProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    // notebookProgress's output (src/notebook/notebook_progress.ts): a <progress> bar, or without a total
    // the counts and '· elapsed <time>'; never a script (plotly.js inlined in a figure holds the same words).
    const isProgress = (o: Element) =>
      o.querySelector('script') === null &&
      (o.querySelector('progress') !== null || /\u00b7 elapsed \d/.test(o.textContent ?? ''));
    (window as unknown as { bsIsProgress: unknown }).bsIsProgress = isProgress;
    const log: Record<number, { states: string[]; maxShown: number }> = {};
    const scan = () => {
      const cells = Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell'));
      cells.forEach((cell, i) => {
        const shown = Array.from(cell.querySelectorAll('.jp-OutputArea-output')).filter(isProgress);
        if (shown.length === 0) return;
        log[i] ??= { states: [], maxShown: 0 };
        const entry = log[i]!;
        entry.maxShown = Math.max(entry.maxShown, shown.length);
        for (const o of shown) {
          const text = (o.textContent ?? '').trim();
          if (entry.states[entry.states.length - 1] !== text && !entry.states.includes(text)) {
            entry.states.push(text);
          }
        }
      });
    };
    const observer = new MutationObserver(scan);
    observer.observe(document.body, {
      childList: true,
      subtree: true,
      characterData: true,
      attributes: true,
    });
    (window as unknown as { bsProgress: unknown }).bsProgress = log;
  });
}

export async function readProgressLog(page: Page): Promise<ProgressLog> {
  return page.evaluate(() => (window as unknown as { bsProgress: ProgressLog }).bsProgress);
}

/** Run > Run All Cells through the menu; resolves when every code cell ran, or a cell failed and the kernel idles. */
export async function runAllCells(page: Page, timeoutMs: number): Promise<void> {
  await page.getByRole('menuitem', { name: 'Run', exact: true }).click();
  await page.getByRole('menuitem', { name: /^Run All Cells/ }).click();
  await page.waitForFunction(
    () => {
      // biome-ignore lint/suspicious/noExplicitAny: JupyterLab's cell widgets, read in the page.
      const panel = (window as any).jupyterapp.shell.currentWidget;
      // biome-ignore lint/suspicious/noExplicitAny: as above.
      const code = panel.content.widgets.filter((c: any) => c.model.type === 'code');
      // biome-ignore lint/suspicious/noExplicitAny: as above.
      const outputs = (c: any) =>
        Array.from({ length: c.model.outputs.length }, (_, i) => c.model.outputs.get(i));
      // biome-ignore lint/suspicious/noExplicitAny: as above.
      const failed = code.some((c: any) => outputs(c).some((o: any) => o.type === 'error'));
      const idle = panel.sessionContext.session?.kernel?.status === 'idle';
      // biome-ignore lint/suspicious/noExplicitAny: as above.
      const allRan = code.every((c: any) => typeof c.model.executionCount === 'number');
      return idle && (allRan || failed);
    },
    undefined,
    { timeout: timeoutMs, polling: 500 },
  );
}

/** Scrolls every code cell into view (as a reader would) and reports what it shows. */
export async function inspectCells(page: Page): Promise<CellReport[]> {
  return page.evaluate(async () => {
    const frame = () => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok)));
    const plot = (el: Element): PlotReportIn => {
      const rect = el.getBoundingClientRect();
      return {
        svg: el.querySelector('svg.main-svg') !== null,
        // Traces live under .cartesianlayer .overplot (plotly.js 3+) or .plot (older): bars, lines, points
        // are paths with a shape, heatmaps an image.
        marks: Array.from(
          el.querySelectorAll(
            '.cartesianlayer .trace path, .cartesianlayer .trace image, .cartesianlayer .hm image',
          ),
        ).filter((m) => (m.tagName === 'path' ? (m.getAttribute('d') ?? '').length > 2 : true)).length,
        width: Math.round(rect.width),
        height: Math.round(rect.height),
        text: (el.textContent ?? '').slice(0, 200),
      };
    };
    type PlotReportIn = { svg: boolean; marks: number; width: number; height: number; text: string };
    // biome-ignore lint/suspicious/noExplicitAny: JupyterLab's cell widgets, read in the page.
    const panel = (window as any).jupyterapp.shell.currentWidget;
    const reports = [];
    // biome-ignore lint/suspicious/noExplicitAny: as above.
    const widgets: any[] = panel.content.widgets;
    for (let index = 0; index < widgets.length; index++) {
      const cell = widgets[index];
      if (cell.model.type !== 'code') continue;
      const node = cell.node as HTMLElement;
      node.scrollIntoView({ block: 'start' });
      await frame();
      const outputs = Array.from({ length: cell.model.outputs.length }, (_, i) =>
        cell.model.outputs.get(i).toJSON(),
      ) as { output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown> }[];
      const html = outputs
        .map((o) => o.data?.['text/html'])
        .map((h) => (Array.isArray(h) ? h.join('') : typeof h === 'string' ? h : ''))
        .join('');
      const images = Array.from(node.querySelectorAll('.jp-RenderedHTML img')) as HTMLImageElement[];
      const tables = Array.from(node.querySelectorAll('.jp-RenderedHTML table')) as HTMLTableElement[];
      const tags = cell.model.getMetadata ? cell.model.getMetadata('tags') : cell.model.metadata?.tags;
      reports.push({
        index,
        tags: Array.isArray(tags) ? tags : [],
        executionCount: typeof cell.model.executionCount === 'number' ? cell.model.executionCount : null,
        errors: outputs.filter((o) => o.output_type === 'error').length,
        stderr: outputs
          .filter((o) => o.output_type === 'stream' && o.name === 'stderr')
          .map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? '')))
          .join(''),
        figureOutputs: outputs.filter((o) => o.data?.['application/vnd.plotly.v1+json'] !== undefined).length,
        extensionPlots: Array.from(node.querySelectorAll('.jp-RenderedPlotly')).map(plot),
        htmlPlots: Array.from(node.querySelectorAll('.jp-RenderedHTML .bs-plot')).map(plot),
        htmlHasImage: html.includes('<img'),
        htmlHasTable: html.includes('<table'),
        images: {
          total: images.length,
          loaded: images.filter((i) => i.complete && i.naturalWidth > 0).length,
          visible: images.filter(
            (i) => i.getBoundingClientRect().width > 0 && i.getBoundingClientRect().height > 0,
          ).length,
        },
        tables: {
          total: tables.length,
          visible: tables.filter((t) => t.getBoundingClientRect().height > 0).length,
          rows: tables.reduce((n, t) => n + t.rows.length, 0),
        },
        progressOutputs: Array.from(node.querySelectorAll('.jp-OutputArea-output'))
          .filter((window as unknown as { bsIsProgress: (o: Element) => boolean }).bsIsProgress)
          .map((o) => (o.textContent ?? '').trim()),
      });
    }
    return reports;
  });
}

/**
 * Screenshots of the notebook as a reader scrolls through it: each code cell with outputs, input and outputs
 * together, as `<dir>/cell-NN.png` (the notebook renders cells lazily, so one tall shot shows blank cells).
 * Returns the files written.
 */
export async function screenshotCells(page: Page, dir: string): Promise<string[]> {
  const withOutputs = await page.evaluate(() => {
    // biome-ignore lint/suspicious/noExplicitAny: JupyterLab's cell widgets, read in the page.
    const widgets: any[] = (window as any).jupyterapp.shell.currentWidget.content.widgets;
    return widgets.flatMap((c, i) => (c.model.type === 'code' && c.model.outputs.length > 0 ? [i] : []));
  });
  const cells = page.locator('.jp-Notebook .jp-Cell');
  const files: string[] = [];
  for (const i of withOutputs) {
    const file = join(dir, `cell-${String(i).padStart(2, '0')}.png`);
    await cells.nth(i).scrollIntoViewIfNeeded();
    await page.waitForTimeout(100);
    await cells.nth(i).screenshot({ path: file });
    files.push(file);
  }
  return files;
}
