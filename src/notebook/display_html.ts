// HTML outputs for notebooks (tslab or Deno's kernel): tables (summary statistics, per-layer gate usage) and
// image galleries.
import {
  escapeHtml,
  type GalleryItem,
  galleryHtml,
  imageDataUrl,
  type SampleImage,
} from '../analysis/sample_gallery.js';
import { notebookHost } from './notebook_host.js';

type Cell = string | number | boolean | null | undefined;

function cell(v: Cell): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  return escapeHtml(v === null || v === undefined ? '' : String(v));
}

/** An HTML table of rows (objects: columns are the union of their keys, in first-seen order). */
export function tableHtml(rows: readonly Record<string, Cell>[], title?: string): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const style = 'border:1px solid #ddd;padding:2px 8px;text-align:right';
  const head = columns.map((c) => `<th style="${style}">${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${columns.map((c) => `<td style="${style}">${cell(r[c])}</td>`).join('')}</tr>`)
    .join('');
  const caption = title
    ? `<caption style="font-weight:600;text-align:left">${escapeHtml(title)}</caption>`
    : '';
  return `<table style="border-collapse:collapse;font:12px Helvetica,Arial,sans-serif">${caption}<tr>${head}</tr>${body}</table>`;
}

/** Shows rows as a table. */
export function showTable(rows: readonly Record<string, Cell>[], title?: string): void {
  notebookHost().html(tableHtml(rows, title));
}

/** Shows HTML as is (e.g. galleryHtml output). */
export function showHtml(html: string): void {
  notebookHost().html(html);
}

/** Shows images with captions as a gallery (images become PNG data URLs). */
export async function showImages(
  title: string,
  images: readonly { image: SampleImage; caption: string[] }[],
  options: { minSide?: number } = {},
): Promise<void> {
  const items: GalleryItem[] = await Promise.all(
    images.map(async (x) => ({ src: await imageDataUrl(x.image, options), caption: x.caption })),
  );
  notebookHost().html(galleryHtml(title, items));
}
