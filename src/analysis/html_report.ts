// A standalone HTML report of one records set (and optionally a run's metrics): every figure of
// recordsFigures, a summary and per-layer table, image galleries, in one self-contained file with plotly.js
// inlined (works offline, can be mailed or archived next to a checkpoint). Written atomically.
import { atomicWriteFile } from '../io/atomic_write.js';
import type { PlotlyFigure } from './figures/plotly_figure.js';
import { round6 } from './figures/plotly_figure.js';
import { layerGateUsage } from './gate_frequency.js';
import type { GateRecords } from './gate_records.js';
import { plotlyJsSource, plotlyJsVersion, scriptJson } from './plotly_bundle.js';
import { type RecordsFiguresOptions, recordsFigures, recordsSummaryRows } from './records_figures.js';
import { escapeHtml, type GalleryItem, galleryHtml } from './sample_gallery.js';

export interface ReportInput extends RecordsFiguresOptions {
  records: GateRecords;
  title?: string;
  /**
   * Run metrics: a flat object (shown as a table) or rows of a training log, e.g. [{epoch, loss, acc}, ...]
   * (numeric columns plotted against the first of 'step' / 'epoch' / row index).
   */
  metrics?: Record<string, unknown> | Record<string, unknown>[];
  galleries?: { title: string; items: GalleryItem[] }[];
  /** Extra figures appended after the standard ones. */
  figures?: { key: string; figure: PlotlyFigure }[];
}

function table(rows: [string, string][], header?: [string, string]): string {
  const th = header ? `<tr><th>${escapeHtml(header[0])}</th><th>${escapeHtml(header[1])}</th></tr>` : '';
  return `<table>${th}${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

function formatValue(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Number(v.toPrecision(5)).toString();
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Numeric columns of training-log rows as line traces against step / epoch / row index. */
export function metricsFigure(rows: readonly Record<string, unknown>[]): PlotlyFigure | undefined {
  if (rows.length === 0) return undefined;
  const xKey = ['step', 'epoch'].find((k) => rows.every((r) => typeof r[k] === 'number'));
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter(
    (k) => k !== xKey && rows.some((r) => typeof r[k] === 'number' && Number.isFinite(r[k])),
  );
  if (keys.length === 0) return undefined;
  const x = rows.map((r, i) => (xKey ? (r[xKey] as number) : i));
  // Losses, accuracies, MAC fractions and gate-on rates share a 0..few scale and are shown; the others (lr,
  // throughput, seconds) stay one legend click away.
  const headline = /loss|ce$|bas$|l0$|acc|top1|top5|miou|macfraction|gateon/i;
  return {
    data: keys.map((k) => ({
      type: 'scatter',
      mode: 'lines+markers',
      name: k,
      ...(headline.test(k) ? {} : { visible: 'legendonly' }),
      x,
      y: rows.map((r) => (typeof r[k] === 'number' ? round6(r[k] as number) : null)),
    })),
    layout: {
      title: { text: 'Run metrics' },
      height: 400,
      xaxis: { title: { text: xKey ?? 'row' } },
    },
  };
}

function layerTable(records: GateRecords): string {
  const usage = layerGateUsage(records);
  const head =
    '<tr><th>layer</th><th>gates</th><th>always on</th><th>conditional</th><th>always off</th><th>mean on</th></tr>';
  const body = usage
    .map(
      (u) =>
        `<tr><td>${escapeHtml(u.name)}</td><td>${u.channels}</td><td>${u.alwaysOn}</td><td>${u.conditional}</td>` +
        `<td>${u.alwaysOff}</td><td>${(u.meanOnFraction * 100).toFixed(1)} %</td></tr>`,
    )
    .join('');
  return `<table>${head}${body}</table>`;
}

const STYLE = `body{font:14px Helvetica,Arial,sans-serif;margin:24px auto;max-width:1100px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
th{background:#f4f4f4}.plot{width:100%;min-height:400px;margin:12px 0}footer{color:#888;font-size:12px;margin-top:32px}`;

/** The report as one HTML string (about 10 MB: plotly.js is inlined). */
export function buildReportHtml(input: ReportInput): string {
  const { records } = input;
  const title =
    input.title ?? `Gate usage: ${records.meta.model ?? 'model'} on ${records.meta.dataset ?? 'data'}`;
  const figures = [...recordsFigures(records, input), ...(input.figures ?? [])];
  const parts: string[] = [
    `<h1>${escapeHtml(title)}</h1>`,
    '<h2>Summary</h2>',
    table(recordsSummaryRows(records)),
  ];
  const metrics = input.metrics;
  if (metrics !== undefined) {
    parts.push('<h2>Run metrics</h2>');
    if (Array.isArray(metrics)) {
      const fig = metricsFigure(metrics);
      if (fig) figures.push({ key: 'run-metrics', figure: fig });
      const last = metrics[metrics.length - 1];
      if (last)
        parts.push(
          table(
            Object.entries(last).map(([k, v]) => [k, formatValue(v)]),
            ['last row', ''],
          ),
        );
    } else {
      parts.push(table(Object.entries(metrics).map(([k, v]) => [k, formatValue(v)])));
    }
  }
  parts.push('<h2>Figures</h2>');
  figures.forEach((f, i) => {
    parts.push(`<div class="plot" id="plot-${i}" data-key="${escapeHtml(f.key)}"></div>`);
  });
  if (records.meta.layers.length > 0) parts.push('<h2>Gated layers</h2>', layerTable(records));
  for (const g of input.galleries ?? []) parts.push(galleryHtml(g.title, g.items));
  parts.push(
    `<footer>batch-shaping gate analysis; plotly.js ${escapeHtml(plotlyJsVersion())} inlined; ` +
      `${records.count} samples${records.meta.source ? ` from ${escapeHtml(records.meta.source)}` : ''}.</footer>`,
  );
  const render =
    `const FIGURES = ${scriptJson(figures.map((f) => f.figure))};\n` +
    "FIGURES.forEach((f, i) => Plotly.newPlot('plot-' + i, f.data, f.layout, {responsive: true, displaylogo: false}));";
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<style>${STYLE}</style>\n<script>${plotlyJsSource()}</script>\n</head><body>\n${parts.join('\n')}\n` +
    `<script>${render}</script>\n</body></html>\n`
  );
}

/** Writes the report to `path` atomically. */
export async function writeReport(path: string, input: ReportInput): Promise<void> {
  if (typeof path !== 'string' || path === '') {
    throw new Error(
      `writeReport: argument 'path' must be a non-empty file path; got ${JSON.stringify(path)}`,
    );
  }
  await atomicWriteFile(path, buildReportHtml(input));
}
