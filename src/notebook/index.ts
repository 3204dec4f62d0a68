// `batch-shaping/notebook`: the display layer under the root's display helpers (showFigure, showTable,
// showImages, showHtml, notebookProgress), for code that renders its own outputs or runs on another kernel:
// the same figures, tables and progress lines as HTML, the notebook host (tslab or Deno's Jupyter kernel) with
// updatable displays, and the bridges that tests and other hosts set. tslab is loaded lazily on first use and
// Deno.jupyter read on use, so importing the library requires neither.
export { type DenoJupyter, setDenoJupyterBridge } from './deno_jupyter_bridge.js';
export { figureHtml, injectPlotly, PLOTLY_MIME } from './display_figure.js';
export { tableHtml } from './display_html.js';
export {
  denoHost,
  type MimeBundle,
  type NotebookHost,
  notebookHost,
  type UpdatableDisplay,
} from './notebook_host.js';
export { progressHtml } from './notebook_progress.js';
export {
  type DisplayContent,
  type DisplayWriter,
  setTslabBridge,
  type TslabDisplay,
  type TslabModule,
} from './tslab_bridge.js';
