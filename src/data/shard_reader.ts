// Reads one Arrow shard file (schema.ts) into flat typed arrays, zero-copy where Arrow allows it.
// One shard at a time is the unit of I/O of the loader: it never holds more than its shuffle window.
import { readFile } from 'node:fs/promises';
import { type Data, type Table, tableFromIPC } from 'apache-arrow';
import { sha256Hex } from '../io/file_digest.js';
import { checkShardSchema, type ShardLayout } from './schema.js';

/** The columns of one shard as flat row-major arrays. */
export interface ShardData {
  /** Rows in the shard. */
  rows: number;
  /** [rows, H, W, C] uint8, a view of the file buffer when the shard has a single record batch. */
  images: Uint8Array;
  /** Classification: [rows]. */
  labels?: Int32Array;
  /** Segmentation: [rows, Hm, Wm] uint8, 255 = ignore. */
  masks?: Uint8Array;
  ids: string[];
  /** [rows] when the dataset has the difficulty column. */
  difficulties?: Float32Array;
}

// The values of a FixedSizeList<Uint8> column chunk, sliced to its rows (Arrow pads buffers to 8 bytes).
function byteListValues(chunk: Data): Uint8Array {
  const child = chunk.children[0];
  if (child === undefined) throw new Error('readShard: a FixedSizeList column chunk has no child values');
  const size = child.length / chunk.length || 0;
  const start = (child.offset + chunk.offset * size) | 0;
  return (child.values as Uint8Array).subarray(start, start + chunk.length * size);
}

function primitiveValues<T extends Int32Array | Float32Array>(chunk: Data): T {
  const v = chunk.values as T;
  return v.subarray(chunk.offset, chunk.offset + chunk.length) as T;
}

function concat<T extends Uint8Array | Int32Array | Float32Array>(parts: T[]): T {
  const first = parts[0];
  if (first === undefined) throw new Error('readShard: a column has no chunks');
  if (parts.length === 1) return first;
  const total = parts.reduce((n, p) => n + p.length, 0);
  const Ctor = first.constructor as new (n: number) => T;
  const out = new Ctor(total);
  let at = 0;
  for (const p of parts) {
    out.set(p as never, at);
    at += p.length;
  }
  return out;
}

/**
 * Labels (classification) must lie in 0..C-1 and mask values in 0..C-1 or the ignore index: a label out of
 * range would otherwise change the accuracy (or the loss) without a word.
 */
function checkTargets(data: ShardData, layout: ShardLayout, file: string): void {
  const numClasses = layout.numClasses;
  if (numClasses === undefined) return;
  if (data.labels !== undefined) {
    for (let i = 0; i < data.labels.length; i++) {
      const label = data.labels[i]!;
      if (label < 0 || label >= numClasses) {
        throw new Error(
          `readShard: ${file}: row ${i} (id ${JSON.stringify(data.ids[i])}) has label ${label}; expected 0..${numClasses - 1} (meta.json lists ${numClasses} classes). Prepare the dataset again.`,
        );
      }
    }
  }
  if (data.masks !== undefined) {
    const ignore = layout.ignoreIndex ?? 255;
    for (let i = 0; i < data.masks.length; i++) {
      const v = data.masks[i]!;
      if (v >= numClasses && v !== ignore) {
        const per = data.masks.length / Math.max(1, data.rows);
        const row = Math.floor(i / per);
        throw new Error(
          `readShard: ${file}: row ${row} (id ${JSON.stringify(data.ids[row])}) has mask value ${v}; expected 0..${numClasses - 1} or ${ignore} (ignore). Prepare the dataset again.`,
        );
      }
    }
  }
}

/** Extracts the columns of a shard table already in memory; checks its schema against `layout`. */
export function shardDataFromTable(table: Table, layout: ShardLayout, file = 'shard'): ShardData {
  checkShardSchema(table.schema, layout, file);
  const col = (name: string) => table.getChild(name)!.data;
  const data: ShardData = {
    rows: table.numRows,
    images: concat(col('image').map(byteListValues)),
    ids: table.getChild('id')!.toArray() as string[],
  };
  if (layout.task === 'classification')
    data.labels = concat(col('label').map((d) => primitiveValues<Int32Array>(d)));
  else data.masks = concat(col('mask').map(byteListValues));
  if (layout.difficulty)
    data.difficulties = concat(col('difficulty').map((d) => primitiveValues<Float32Array>(d)));
  const [h, w, c] = layout.imageShape;
  if (data.images.length !== data.rows * h * w * c) {
    throw new Error(
      `readShard: ${file}: image column holds ${data.images.length} bytes, expected ${data.rows}*${h}*${w}*${c}`,
    );
  }
  checkTargets(data, layout, file);
  return data;
}

/**
 * Reads and checks one shard file. With `expectedSha256` (meta.json's digest of the shard) the file's bytes
 * are checked against it before they are parsed.
 */
export async function readShard(
  path: string,
  layout: ShardLayout,
  expectedSha256?: string,
): Promise<ShardData> {
  let table: Table;
  const bytes = await readFile(path);
  if (expectedSha256 !== undefined) {
    const actual = sha256Hex(bytes);
    if (actual !== expectedSha256) {
      throw new Error(
        `readShard: ${path} is damaged: its SHA-256 (${actual.slice(0, 12)}...) is not the one meta.json recorded when the dataset was prepared (${expectedSha256.slice(0, 12)}...); prepare the dataset again`,
      );
    }
  }
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    throw new Error(`readShard: ${path}: not a readable Arrow IPC file (${(err as Error).message})`);
  }
  return shardDataFromTable(table, layout, path);
}
