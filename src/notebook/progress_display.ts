// Progress of long notebook work (recording gates, evaluation, training epochs) as one output updated in
// place (tslab.newDisplay(), or a display id on Deno's kernel; both send update_display_data), throttled so
// a fast loop does not flood the frontend with messages. The counterpart of the CLI's progress bar.
import { escapeHtml } from '../analysis/sample_gallery.js';
import { notebookHost, type UpdatableDisplay } from './notebook_host.js';

export interface ProgressOptions {
  /** Minimum milliseconds between two updates (default 200); the first and the final update always show. */
  intervalMs?: number;
  /** Clock, for tests (default Date.now). */
  now?: () => number;
}

export interface NotebookProgress {
  /** Reports `done` of `total` (total may change, e.g. when first known) and an optional status text. */
  update(done: number, total?: number, status?: string): void;
  /** Shows the final state (always rendered) with an optional message. */
  finish(message?: string): void;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m ${Math.round(s % 60)}s` : `${s.toFixed(1)}s`;
}

/** The HTML of one progress state (pure; exported for tests). */
export function progressHtml(
  label: string,
  done: number,
  total: number | undefined,
  elapsedS: number,
  status?: string,
): string {
  const frac = total && total > 0 ? Math.min(1, done / total) : undefined;
  const eta = frac !== undefined && frac > 0 ? (elapsedS * (1 - frac)) / frac : Number.NaN;
  const bar =
    frac !== undefined
      ? `<progress value="${done}" max="${total}" style="width:300px;vertical-align:middle"></progress> `
      : '';
  const counts = total !== undefined ? `${done} / ${total} (${((frac ?? 0) * 100).toFixed(1)}%)` : `${done}`;
  const timing = `elapsed ${formatSeconds(elapsedS)}${frac !== undefined && frac < 1 ? `, eta ${formatSeconds(eta)}` : ''}`;
  const extra = status ? ` &middot; ${escapeHtml(status)}` : '';
  return `<div style="font:12px monospace">${escapeHtml(label)} ${bar}${counts} &middot; ${timing}${extra}</div>`;
}

/** A progress output in the current cell, updated in place. */
export function notebookProgress(label: string, options: ProgressOptions = {}): NotebookProgress {
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 200;
  const display: UpdatableDisplay = notebookHost().newDisplay();
  const start = now();
  let last = Number.NEGATIVE_INFINITY;
  let state = { done: 0, total: undefined as number | undefined, status: undefined as string | undefined };
  const render = () =>
    display.html(progressHtml(label, state.done, state.total, (now() - start) / 1000, state.status));
  return {
    update(done, total, status) {
      state = { done, total: total ?? state.total, status };
      const t = now();
      if (t - last >= interval) {
        last = t;
        render();
      }
    },
    finish(message) {
      state = { ...state, status: message ?? 'done' };
      render();
    },
  };
}
