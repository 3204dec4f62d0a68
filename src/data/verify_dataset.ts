// `batch-shaping verify <dataset dir>`: the whole dataset checked against its meta.json without training on
// it: every listed shard exists, matches the SHA-256 recorded when it was prepared, parses as an Arrow shard of
// the dataset's layout, holds the row count meta.json says, and has labels (or mask values) in range.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readMeta } from './meta_file.js';
import { layoutOf, parseShardFileName } from './schema.js';
import { readShard } from './shard_reader.js';

export interface VerifyReport {
  /** What was checked, e.g. "dataset data/cifar10 (3 splits, 12 shards)". */
  subject: string;
  /** Files checked and found sound (digest verified where one is recorded). */
  checked: number;
  /** Things worth knowing that are not damage: files without a digest to check, stray files. */
  notes: string[];
  /** One line per problem, each naming its file. Empty when everything is sound. */
  problems: string[];
}

/** Verifies the prepared dataset in `dir` (see the file header). Never throws for a damaged file: reports it. */
export async function verifyDataset(dir: string): Promise<VerifyReport> {
  const meta = await readMeta(dir); // a damaged meta.json is the one error that stops everything
  const layout = layoutOf(meta);
  const report: VerifyReport = { subject: '', checked: 0, notes: [], problems: [] };
  let shards = 0;
  const listed = new Set<string>();
  for (const [split, s] of Object.entries(meta.splits)) {
    for (const shard of s.shards) {
      shards++;
      listed.add(shard.file);
      const path = join(dir, shard.file);
      if (!existsSync(path)) {
        report.problems.push(`${path}: missing (meta.json lists it in split '${split}')`);
        continue;
      }
      try {
        const data = await readShard(path, layout, shard.sha256);
        if (data.rows !== shard.count) {
          throw new Error(`${path}: holds ${data.rows} rows; meta.json says ${shard.count}`);
        }
        report.checked++;
        if (shard.sha256 === undefined) {
          report.notes.push(
            `${path}: sound, but meta.json records no digest for it (prepared by an older version)`,
          );
        }
      } catch (err) {
        report.problems.push((err as Error).message);
      }
    }
  }
  for (const file of await readdir(dir)) {
    const split = file.replace(/-\d{5}\.arrow$/, '');
    if (parseShardFileName(file, split) !== null && !listed.has(file)) {
      report.notes.push(`${join(dir, file)}: not listed in meta.json (left by another run; unused)`);
    }
  }
  report.subject = `dataset ${dir} (${Object.keys(meta.splits).length} splits, ${shards} shards)`;
  return report;
}
