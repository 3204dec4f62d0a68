// `batch-shaping verify <path>`: checks a prepared dataset folder, a run folder or one checkpoint file for damage
// (digests recorded when they were written, structure, value ranges) and lists every damaged file.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type VerifyReport, verifyDataset } from '../data/verify_dataset.js';
import { checkCheckpointInto, verifyRun } from '../train/verify_run.js';

/** Verifies `path` (dataset dir, run dir or .safetensors file) and returns the report. */
export async function verifyPath(path: string): Promise<VerifyReport> {
  if (!existsSync(path)) throw new Error(`verify: ${path}: no such file or folder`);
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'meta.json'))) return verifyDataset(path);
    if (existsSync(join(path, 'config.json'))) return verifyRun(path);
    throw new Error(
      `verify: ${path}: expected a prepared dataset folder (with meta.json) or a run folder (with config.json)`,
    );
  }
  const report: VerifyReport = { subject: `checkpoint ${path}`, checked: 0, notes: [], problems: [] };
  await checkCheckpointInto(report, path);
  return report;
}

/** Prints a report; returns the exit code (0 sound, 1 damaged). */
export function printVerifyReport(report: VerifyReport, print: (line: string) => void): number {
  for (const p of report.problems) print(`DAMAGED ${p}`);
  for (const n of report.notes) print(`note: ${n}`);
  const verdict = report.problems.length === 0 ? 'sound' : `${report.problems.length} damaged`;
  print(`verify: ${report.subject}: ${report.checked} file(s) sound, ${verdict}`);
  return report.problems.length === 0 ? 0 : 1;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description(
      'check a prepared dataset, a run folder or a checkpoint for damage (digests, structure, ranges)',
    )
    .argument('<path>', 'dataset folder (meta.json), run folder (config.json) or .safetensors checkpoint')
    .action(async (path: string) => {
      process.exitCode = printVerifyReport(await verifyPath(path), (l) => console.log(l));
    });
}
