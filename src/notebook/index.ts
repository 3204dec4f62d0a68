// Public surface of the notebook module: display helpers for notebooks (figures, tables, images, progress) on
// tslab or on Deno's Jupyter kernel. tslab is loaded lazily on first use, and Deno.jupyter read on use, so
// importing the library requires neither.
export { type DenoJupyter, denoJupyter, setDenoJupyterBridge } from './deno_jupyter_bridge.js';
export {
  figureHtml,
  injectPlotly,
  PLOTLY_MIME,
  plotlyLibraryParts,
  plotlyLibraryShown,
  resetPlotlyLibrary,
  type ShowFigureOptions,
  showFigure,
} from './display_figure.js';
export { showHtml, showImages, showTable, tableHtml } from './display_html.js';
export {
  bundleChars,
  DENO_MAX_MESSAGE_CHARS,
  DENO_SEND_CHARS_PER_MS,
  denoHost,
  type MimeBundle,
  type NotebookHost,
  notebookHost,
  type UpdatableDisplay,
} from './notebook_host.js';
export {
  type NotebookProgress,
  notebookProgress,
  notebookProgressFactory,
  type ProgressOptions,
  progressHtml,
} from './notebook_progress.js';
export {
  type DisplayContent,
  type DisplayWriter,
  setTslabBridge,
  type TslabDisplay,
  type TslabModule,
} from './tslab_bridge.js';
