// Shows a Plotly figure in a notebook (tslab or Deno's kernel, notebook_host.ts). One display_data message
// carries two representations:
//   application/vnd.plotly.v1+json  the figure JSON; VS Code renders it natively, JupyterLab with the plotly
//                                   extension (plotly >= 6.1 in the Jupyter environment) too;
//   text/html                       a div + script drawing it with plotly.js, for every other frontend
//                                   (trusted notebooks only, as any HTML with scripts).
// The HTML works offline: plotly.js comes from the installed plotly.js-dist and is inlined, never a CDN.
// It is inlined once per kernel session: the first figure's HTML carries the library (about 10 MB, stored
// in the notebook with that output), later ones wait for window.Plotly and reuse it. If the first output
// is cleared, call injectPlotly() (or showFigure(..., {library: true})) once again. A host with a message size
// limit (Deno's kernel) gets the library as separate outputs just before the figure, each below the limit,
// which put the source together in the page and run it (plotlyLibraryParts).

import type { PlotlyFigure } from '../analysis/figures/plotly_figure.js';
import { plotlyJsSource, scriptJson } from '../analysis/plotly_bundle.js';
import { type NotebookHost, notebookHost } from './notebook_host.js';

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

export interface ShowFigureOptions {
  /** Include the text/html fallback (default true). */
  html?: boolean;
  /** Force (true) or suppress (false) inlining plotly.js in this figure's HTML; default: first figure only. */
  library?: boolean;
  /** Div height in pixels for the HTML fallback (default: layout.height, else 420). */
  height?: number;
}

let libraryShown = false;
let counter = 0;
// Per-process prefix: div ids stay unique across kernel restarts within one saved notebook.
const session = Math.random().toString(36).slice(2, 8);

/** Forgets that plotly.js was sent (e.g. after outputs were cleared); the next figure inlines it again. */
export function resetPlotlyLibrary(): void {
  libraryShown = false;
}

/** Whether plotly.js has been sent to the notebook in this kernel session. */
export function plotlyLibraryShown(): boolean {
  return libraryShown;
}

/**
 * The HTML fallback of a figure: a div and a script that draws into it once window.Plotly exists (polling
 * briefly, so figures whose library output renders later still draw), with plotly.js inlined when asked.
 */
export function figureHtml(
  figure: PlotlyFigure,
  options: { library: boolean; divId: string; height?: number | undefined },
): string {
  const height = options.height ?? (typeof figure.layout.height === 'number' ? figure.layout.height : 420);
  const lib = options.library ? `<script>${plotlyJsSource()}</script>\n` : '';
  const id = JSON.stringify(options.divId);
  const draw =
    '(function(){' +
    `var id=${id},fig=${scriptJson(figure)},tries=0;` +
    'function draw(){var el=document.getElementById(id);if(!el)return;' +
    'if(window.Plotly){window.Plotly.newPlot(el,fig.data,fig.layout,{responsive:true,displaylogo:false});}' +
    'else if(tries++<200){setTimeout(draw,50);}' +
    "else{el.textContent='plotly.js is not loaded in this page: run injectPlotly() (batch-shaping) in a cell, then re-run this one.';}}" +
    'draw();})();';
  return `<div id="${options.divId}" class="bs-plot" style="width:100%;height:${height}px"></div>\n${lib}<script>${draw}</script>`;
}

/** Where the parts of plotly.js collect in the page until the last one runs them. */
const PARTS_GLOBAL = '__batchShapingPlotlyParts';

/**
 * plotly.js as `count` HTML outputs of at most about `maxChars` characters each: every part stores its slice of
 * the source in the page, and the one that completes the set runs it (defining window.Plotly), whatever order
 * the frontend runs them in. For hosts that cannot take the library in one message.
 */
export function plotlyLibraryParts(maxChars: number): string[] {
  if (!(Number.isInteger(maxChars) && maxChars >= 1000)) {
    throw new Error(`plotlyLibraryParts: argument 'maxChars' must be an integer >= 1000; got ${maxChars}`);
  }
  const source = plotlyJsSource();
  // scriptJson can grow a slice (escapes), so slices leave room for it and for the wrapper.
  const slice = Math.floor(maxChars / 2);
  const count = Math.ceil(source.length / slice);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const text = scriptJson(source.slice(i * slice, (i + 1) * slice));
    parts.push(
      '<script>(function(){' +
        `var p=window.${PARTS_GLOBAL}=window.${PARTS_GLOBAL}||{};p[${i}]=${text};` +
        `for(var k=0;k<${count};k++){if(typeof p[k]!=='string')return;}` +
        `var src='';for(var j=0;j<${count};j++){src+=p[j];}delete window.${PARTS_GLOBAL};` +
        'if(!window.Plotly){(0,eval)(src);}' +
        '})();</script>',
    );
  }
  return parts;
}

/** Sends plotly.js on its own: in one output, or in parts where the host limits message size. */
function sendLibrary(host: NotebookHost): void {
  if (host.maxMessageChars === undefined) {
    host.html(`<script>${plotlyJsSource()}</script>`);
    return;
  }
  for (const part of plotlyLibraryParts(host.maxMessageChars)) host.html(part);
}

/** Shows a figure (Plotly MIME + HTML fallback in one message where the kernel allows it). */
export function showFigure(figure: PlotlyFigure, options: ShowFigureOptions = {}): void {
  if (figure === null || typeof figure !== 'object' || !Array.isArray(figure.data)) {
    throw new Error(
      `showFigure: argument 'figure' must be a Plotly figure {data: [...], layout: {...}}; got ${String(figure)}`,
    );
  }
  const withHtml = options.html ?? true;
  const library = withHtml && (options.library ?? !libraryShown);
  const host = notebookHost();
  // A host with a size limit gets the library first, on its own and in parts.
  const separateLibrary = library && host.maxMessageChars !== undefined;
  if (separateLibrary) sendLibrary(host);
  const divId = `bs-plot-${session}-${++counter}`;
  const html = withHtml
    ? figureHtml(figure, { library: library && !separateLibrary, divId, height: options.height })
    : undefined;
  const data: Record<string, unknown> = { [PLOTLY_MIME]: { data: figure.data, layout: figure.layout } };
  if (html !== undefined) data['text/html'] = html;
  data['text/plain'] = `<Plotly figure: ${figure.data.length} trace(s)>`;
  if (!host.bundle(data)) {
    if (html !== undefined) {
      // Public tslab API: one MIME type per message. HTML works in every trusted frontend.
      host.html(html);
    } else {
      host.raw(PLOTLY_MIME, JSON.stringify({ data: figure.data, layout: figure.layout }));
    }
  }
  if (library) libraryShown = true;
}

/** Sends plotly.js alone (once), e.g. at the top of a notebook or after its first figure output was cleared. */
export function injectPlotly(): void {
  sendLibrary(notebookHost());
  libraryShown = true;
}
