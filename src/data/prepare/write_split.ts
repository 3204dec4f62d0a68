// Drives one split through the data core's ShardWriter: records come in a deterministic order as
// lazy `decode()` thunks, so records of shards that a previous run already completed are skipped
// without reading or decoding their pixels (resume), and the rest are decoded `concurrency` at a time
// (image workers) while staying in order. Nothing reaches disk before a shard is full and encoded; a
// failing record throws before its shard is written, so no partial shard ever exists.

import type { ProgressFactory } from '../../io/progress.js';
import { ShardWriter, type ShardWriterOptions, type SplitResult } from '../shard_writer.js';
import { orderedMap } from './image_pool.js';

interface DecodedRecord {
  /** [H, W, C] uint8, HWC. */
  image: Uint8Array;
  label?: number;
  /** [H, W] uint8, 255 = ignore. */
  mask?: Uint8Array;
}

export interface PendingRecord {
  id: string;
  /** Reads and decodes the record; throws a PrepareError naming its file on bad input. */
  decode: () => Promise<DecodedRecord>;
}

export interface WriteSplitOptions extends ShardWriterOptions {
  records: AsyncIterable<PendingRecord> | Iterable<PendingRecord>;
  /** Number of records, when known up front (for the progress bar). */
  total?: number | undefined;
  /** Decodes in flight at once (pool size x 2 keeps workers busy); 1 for in-memory sources. */
  concurrency?: number;
  progress: ProgressFactory;
}

type Item = { id: string; skip: true } | { id: string; skip: false; record: DecodedRecord };

export async function writeSplit(options: WriteSplitOptions): Promise<SplitResult> {
  const { records, total, progress, concurrency = 1, ...writerOptions } = options;
  const writer = await ShardWriter.open(writerOptions);
  const done = new Set(writer.doneShards());
  const shardSize = writerOptions.shardSize;
  let index = 0;
  const shown = progress(`${writerOptions.split}`, total);
  let written = 0;
  try {
    const items = orderedMap(records, concurrency, async (r: PendingRecord): Promise<Item> => {
      const k = Math.floor(index++ / shardSize);
      if (done.has(k)) return { id: r.id, skip: true };
      return { id: r.id, skip: false, record: await r.decode() };
    });
    for await (const item of items) {
      if (item.skip) writer.skip(item.id);
      else await writer.add({ id: item.id, ...item.record });
      shown.update(++written, total);
    }
    return await writer.close();
  } finally {
    shown.finish();
  }
}
