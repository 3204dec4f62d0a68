// Metrics on disk as Arrow IPC files (apache-arrow for every table the project writes): one row per step per
// epoch file (metrics/steps_epoch_NNNN.arrow) and one row per epoch (metrics/epochs.arrow), every column
// float64 (NaN where a value does not apply), written atomically so a kill never leaves half a table.
// pyarrow.ipc.open_file / pandas.read_feather read them as they are.
import { readFile } from 'node:fs/promises';
import { type Table, tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { probeArrowFile } from '../io/arrow_probe.js';
import { atomicWriteFile } from '../io/atomic_write.js';

export type MetricsRow = Record<string, number>;

/** Writes `rows` (all with the same keys, numbers) as an Arrow IPC file, atomically. */
export async function writeMetricsTable(
  path: string,
  rows: readonly MetricsRow[],
  columns?: readonly string[],
): Promise<void> {
  const keys = columns ?? (rows.length > 0 ? Object.keys(rows[0]!) : []);
  const arrays: Record<string, Float64Array> = {};
  for (const k of keys)
    arrays[k] = Float64Array.from(rows, (r) => (typeof r[k] === 'number' ? r[k]! : Number.NaN));
  const table = tableFromArrays(arrays);
  await atomicWriteFile(path, tableToIPC(table, 'file'));
}

/** Reads a table written by writeMetricsTable back into rows. */
export async function readMetricsTable(path: string): Promise<MetricsRow[]> {
  let table: Table;
  try {
    const bytes = await readFile(path);
    await probeArrowFile(bytes, path);
    table = tableFromIPC(bytes);
    if (table.schema.fields.length === 0) throw new Error('no columns');
  } catch (err) {
    throw new Error(
      `readMetricsTable: ${path}: not a readable metrics table (an Arrow IPC file written by train; truncated or damaged?): ${(err as Error).message}`,
      { cause: err },
    );
  }
  const names = table.schema.fields.map((f) => f.name);
  const cols = names.map((n) => table.getChild(n)!.toArray() as Float64Array);
  const rows: MetricsRow[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const row: MetricsRow = {};
    names.forEach((n, j) => {
      row[n] = Number(cols[j]![i]);
    });
    rows.push(row);
  }
  return rows;
}
