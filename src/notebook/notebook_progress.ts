// Progress of long notebook work (recording gates, evaluation, training epochs) as one output updated in
// place (tslab.newDisplay(), or a display id on Deno's kernel; both send update_display_data), throttled so
// a fast loop does not flood the frontend with messages. The notebook form of the library's one progress
// interface (io/progress.ts); the CLI's form is io/terminal_progress.ts, so `train({ progress })` takes either.
import { escapeHtml } from '../analysis/sample_gallery.js';
import type { Progress, ProgressFactory } from '../io/progress.js';
import { notebookHost, type UpdatableDisplay } from './notebook_host.js';

export interface ProgressOptions {
  /** Minimum milliseconds between two updates (default 200); the first and the final update always show. */
  intervalMs?: number;
  /** Clock, for tests (default Date.now). */
  now?: () => number;
}

/** The progress interface (io/progress.ts); `finish` always renders the final state. */
export type NotebookProgress = Progress;

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
  let state: { done: number; total: number | undefined; status: string | undefined } = {
    done: 0,
    total: undefined,
    status: undefined,
  };
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

/**
 * notebookProgress as a ProgressFactory, for `train(config, { runDir, progress: notebookProgressFactory })`
 * and runEvaluation: one output per epoch (and per evaluation), updated in place.
 */
export const notebookProgressFactory: ProgressFactory = (label, total, start) => {
  const progress = notebookProgress(label);
  progress.update(start ?? 0, total);
  return progress;
};
