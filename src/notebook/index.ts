// Public surface of the notebook module: display helpers for tslab notebooks (figures, tables, images,
// progress). tslab is loaded lazily on first use, so importing the library never requires it.
export {
  figureHtml,
  injectPlotly,
  PLOTLY_MIME,
  plotlyLibraryShown,
  resetPlotlyLibrary,
  type ShowFigureOptions,
  showFigure,
} from './display_figure.js';
export { showHtml, showImages, showTable, tableHtml } from './display_html.js';
export {
  type NotebookProgress,
  notebookProgress,
  type ProgressOptions,
  progressHtml,
} from './progress_display.js';
export {
  type DisplayContent,
  type DisplayWriter,
  setTslabBridge,
  type TslabDisplay,
  type TslabModule,
} from './tslab_bridge.js';
