// Where a run directory stands, from the files the trainer leaves (run_paths.ts): nothing yet, started (a config
// but no checkpoint: killed in its first epoch), partial (a resumable checkpoint), complete (the final checkpoint
// and a report saying completed) or diverged (a report saying so; the last checkpoint is the last good state).
// What trainOrResume and loadRun decide on.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { runPaths } from './run_paths.js';
import type { RunReport } from './run_report.js';

export type RunState = 'absent' | 'started' | 'partial' | 'complete' | 'diverged';

/** Reads a run's report.json; the error names the file. */
export async function readRunReport(path: string): Promise<RunReport> {
  let report: unknown;
  try {
    report = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(
      `${path}: not a readable run report (JSON written by train; truncated or edited?): ${(err as Error).message}`,
      { cause: err },
    );
  }
  const status = (report as { status?: unknown } | null)?.status;
  if (status !== 'completed' && status !== 'interrupted' && status !== 'diverged') {
    throw new Error(
      `${path}: expected a run report with status 'completed', 'interrupted' or 'diverged'; got status ${JSON.stringify(status)}`,
    );
  }
  return report as RunReport;
}

/** The state of the run in `runDir` (see the file header). */
export async function runState(runDir: string): Promise<RunState> {
  const paths = runPaths(runDir);
  if (existsSync(paths.reportJson)) {
    const report = await readRunReport(paths.reportJson);
    if (report.status === 'diverged') return 'diverged';
    if (report.status === 'completed' && existsSync(paths.finalCheckpoint)) return 'complete';
  }
  if (existsSync(paths.lastCheckpoint)) return 'partial';
  return existsSync(paths.config) ? 'started' : 'absent';
}
