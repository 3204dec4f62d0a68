// Test helper: reads a prepared split back with apache-arrow (independently of the data core's
// readers) and lists files that must not survive a failed run.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Table, tableFromIPC } from 'apache-arrow';

export interface SplitRows {
  ids: string[];
  /** One HWC uint8 array per row. */
  images: Uint8Array[];
  labels: number[];
  masks: Uint8Array[];
  shardFiles: string[];
}

function bytesOfColumn(table: Table, name: string): Uint8Array[] {
  const col = table.getChild(name);
  if (!col) return [];
  const out: Uint8Array[] = [];
  for (const data of col.data) {
    const size = (data.type as { listSize: number }).listSize;
    const values = data.children[0]!.values as Uint8Array;
    for (let r = 0; r < data.length; r++)
      out.push(values.slice((data.offset + r) * size, (data.offset + r + 1) * size));
  }
  return out;
}

export function readSplit(dir: string, split: string): SplitRows {
  const shardFiles = readdirSync(dir)
    .filter((f) => f.startsWith(`${split}-`) && f.endsWith('.arrow'))
    .sort();
  const rows: SplitRows = { ids: [], images: [], labels: [], masks: [], shardFiles };
  for (const f of shardFiles) {
    const table = tableFromIPC(readFileSync(join(dir, f)));
    rows.ids.push(...(table.getChild('id')!.toArray() as string[]));
    rows.images.push(...bytesOfColumn(table, 'image'));
    rows.masks.push(...bytesOfColumn(table, 'mask'));
    const labels = table.getChild('label');
    if (labels) rows.labels.push(...Array.from(labels.toArray() as Int32Array));
  }
  return rows;
}

export function readMetaJson(dir: string): Record<string, unknown> & {
  classes: string[];
  imageShape: number[];
  splits: Record<string, { count: number; shards: { file: string; count: number }[] }>;
} {
  return JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
}

/** Files a failed run must not leave: any shard, temporary file, or meta.json. */
export function leftovers(dir: string): string[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files.filter(
    (f) => f.endsWith('.arrow') || f.endsWith('.tmp') || f === 'meta.json' || f.endsWith('.part'),
  );
}
