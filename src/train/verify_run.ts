// `batch-shaping verify <run dir>`: a training run checked file by file without loading it into a model: the
// config parses and validates, every checkpoint matches the digest recorded when it was written, every metrics
// table and gate-records file reads back whole. Damage is reported per file, never thrown.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readGateRecords } from '../analysis/gate_records_arrow.js';
import type { VerifyReport } from '../data/verify_dataset.js';
import { verifyCheckpointFile } from '../models/checkpoint.js';
import { readMetricsTable } from './metrics_table.js';
import { runPaths } from './run_paths.js';
import { readRunConfig } from './run_state.js';

async function filesIn(dir: string, suffix: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir))
    .filter((f) => f.endsWith(suffix) && !f.startsWith('.'))
    .sort()
    .map((f) => join(dir, f));
}

/** Runs `read` on `path`, counting it sound or recording its damage (named by the file) in `report`. */
async function checkFile(report: VerifyReport, path: string, read: () => Promise<unknown>): Promise<void> {
  try {
    await read();
    report.checked++;
  } catch (err) {
    const message = (err as Error).message;
    report.problems.push(message.includes(path) ? message : `${path}: ${message}`);
  }
}

/** Checks one checkpoint file's digest into `report` (a file without a digest is a note, not damage). */
export function checkCheckpointInto(report: VerifyReport, path: string): Promise<void> {
  return checkFile(report, path, async () => {
    if ((await verifyCheckpointFile(path)) === 'no-digest') {
      report.notes.push(`${path}: carries no digest (not written by batch-shaping): not verified`);
    }
  });
}

/** Verifies the run in `dir` (see the file header). */
export async function verifyRun(dir: string): Promise<VerifyReport> {
  const paths = runPaths(dir);
  const report: VerifyReport = { subject: `run ${dir}`, checked: 0, notes: [], problems: [] };
  await checkFile(report, paths.config, () => readRunConfig(dir));
  const checkpoints = await filesIn(paths.checkpointsDir, '.safetensors');
  if (checkpoints.length === 0) report.notes.push(`${paths.checkpointsDir}: no checkpoint yet`);
  for (const path of checkpoints) await checkCheckpointInto(report, path);
  for (const path of await filesIn(paths.metricsDir, '.arrow'))
    await checkFile(report, path, () => readMetricsTable(path));
  for (const path of await filesIn(join(dir, 'analysis'), '.arrow'))
    await checkFile(report, path, () => readGateRecords(path));
  return report;
}
