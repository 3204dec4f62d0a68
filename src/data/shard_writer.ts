// ShardWriter: records (uint8 HWC image + label or mask + id) -> `<split>-<00000>.arrow` shards in the
// format of schema.ts, each written atomically, resumable, with per-channel pixel statistics.
// Not from the paper; this is the storage side of our data pipeline (docs/architecture.md, section 4).
//
// Usage (one writer per split; records must arrive in the same deterministic order on every run):
//
//   const w = await ShardWriter.open({ outDir, split: 'train', task: 'classification',
//                                      imageShape: [32, 32, 3], numClasses: 10, shardSize: 5000 });
//   for (const item of items) {
//     if (w.nextIsDone()) { w.skip(item.id); continue; }   // optional: avoid decoding finished shards
//     await w.add({ id: item.id, image, label });          // image: Uint8Array, H*W*C bytes, HWC
//   }
//   const train = await w.close();   // { split, count, shards, sums, mean, std, reused }: a SplitMeta and more
//   ... same for 'test' ...
//   await writeMeta(outDir, {         // meta_file.ts
//     schemaVersion: SCHEMA_VERSION, name: 'cifar10', task: 'classification', classes, imageShape: [32, 32, 3],
//     splits: { train: splitMeta(train), test: splitMeta(test) },
//     mean: train.mean, std: train.std, sources: [{ name, sha256 }], difficulty: false });
//
// Segmentation: `task: 'segmentation'`, optional `maskShape` (default [H, W]), records carry
// `mask: Uint8Array` (H*W, class index or 255 = ignore) instead of `label`.
//
// Guarantees:
// - Shard k holds records k*shardSize .. (k+1)*shardSize-1 of the order of add()/skip() calls.
// - Each shard is written to a temporary file in outDir, fsynced, then renamed: a crash leaves either the
//   complete shard or none (and a stale temporary file that the next open() removes).
// - Resume: open() finds complete shards (valid footer, expected schema, shardSize rows); their records
//   are skipped, and their pixel statistics are read back from the shard's schema metadata. The short
//   last shard is always rewritten (at most shardSize records), since a run cannot know it was the last.
// - close() gives each shard's SHA-256 (meta.json's `sha256`): of the bytes written, or, for a reused shard,
//   read back once from the file. Readers (BatchLoader, `batch-shaping verify`) check it.
// - close() removes shards of this split with indices past the new end (left by an earlier, larger run).
// - writeMeta validates and writes meta.json atomically; call it after every split is closed, so a
//   directory with a meta.json is always complete.
import { open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Data,
  Float32,
  Int32,
  makeData,
  RecordBatch,
  RecordBatchReader,
  Struct,
  Table,
  tableToIPC,
  Uint8,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { type AtomicWriteHooks, atomicWriteFile, removeStaleTempFiles } from '../io/atomic_write.js';
import { digestOfFile, sha256Hex } from '../io/file_digest.js';
import {
  accumulateChannelSums,
  type ChannelSums,
  channelMeanStd,
  emptyChannelSums,
  mergeChannelSums,
} from './channel_stats.js';
import {
  checkShardSchema,
  IGNORE_INDEX,
  type ImageShape,
  type MaskShape,
  META_KEYS,
  parseShardFileName,
  type ShardLayout,
  type ShardMeta,
  type SplitMeta,
  shardFileName,
  shardSchema,
  type Task,
} from './schema.js';

export interface ShardWriterOptions {
  /** Dataset directory (must exist). */
  outDir: string;
  /** Split name: letters, digits and _ (train, val, test, ...). */
  split: string;
  task: Task;
  /** [H, W, C] of every image. */
  imageShape: ImageShape;
  /** Segmentation: [H, W] of every mask; default the image's [H, W]. */
  maskShape?: MaskShape;
  /** When given, labels (or mask values other than 255) must lie in [0, numClasses). */
  numClasses?: number;
  /** Records per shard. */
  shardSize: number;
  /** Whether records carry `difficulty` in [0, 1] (adds the difficulty column). */
  difficulty?: boolean;
  /** Test hook: runs between writing a shard's temporary file and renaming it. */
  hooks?: AtomicWriteHooks;
}

export interface ShardRecord {
  /** Stable sample id (e.g. source file name). */
  id: string;
  /** uint8 HWC pixels, exactly H*W*C bytes. The writer copies it; the caller may reuse the buffer. */
  image: Uint8Array;
  /** Classification: class index. */
  label?: number;
  /** Segmentation: uint8 class per pixel, H*W bytes, 255 = ignore. */
  mask?: Uint8Array;
  /** When the writer was opened with `difficulty: true`: a number in [0, 1]. */
  difficulty?: number;
}

/** What close() returns: the split's meta plus its pixel statistics. */
export interface SplitResult extends SplitMeta {
  split: string;
  /** Exact pixel sums over the whole split. */
  sums: ChannelSums;
  /** Per-channel mean on the [0, 1] scale. */
  mean: number[];
  /** Per-channel population std on the [0, 1] scale. */
  std: number[];
  /** Shard indices that were found complete and not rewritten. */
  reused: number[];
}

/** Strips a SplitResult down to the SplitMeta that meta.json stores. */
export function splitMeta(result: SplitMeta): SplitMeta {
  return {
    count: result.count,
    shards: result.shards.map((s) => ({
      file: s.file,
      count: s.count,
      ...(s.sha256 !== undefined ? { sha256: s.sha256 } : {}),
    })),
  };
}

interface DoneShard {
  sums: ChannelSums;
  firstId: string;
}

function fail(what: string, expected: string, got: unknown): never {
  throw new Error(
    `ShardWriter.${what}: expected ${expected}, got ${typeof got === 'string' ? got : JSON.stringify(got)}`,
  );
}

/**
 * Reads only the footer and schema of a shard (not its body) and returns its statistics when it is a
 * complete shard of `layout` with `rows` rows; null otherwise (missing, truncated, other schema...).
 */
async function inspectShard(
  path: string,
  layout: ShardLayout,
  rows: number,
  c: number,
): Promise<DoneShard | null> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return null;
    // Reading the whole shard would mean re-reading the whole dataset on every resume (ImageNet: ~190 GB);
    // the Arrow file footer holds the schema and our metadata, so a small read is enough. Atomic rename
    // means a file under the final name was completely written.
    const handle = await open(path, 'r');
    try {
      const reader = await RecordBatchReader.from(handle);
      await reader.open();
      if (!reader.isFile()) return null;
      checkShardSchema(reader.schema, layout, path);
      const md = reader.schema.metadata;
      if (Number(md.get(META_KEYS.numRows)) !== rows || reader.numRecordBatches < 1) return null;
      const sum = JSON.parse(md.get(META_KEYS.channelSum) ?? 'null');
      const sumSq = JSON.parse(md.get(META_KEYS.channelSumSq) ?? 'null');
      const firstId = md.get(META_KEYS.firstId);
      if (!Array.isArray(sum) || sum.length !== c || !Array.isArray(sumSq) || sumSq.length !== c) return null;
      if (typeof firstId !== 'string') return null;
      const [h, w] = layout.imageShape;
      return { sums: { sum, sumSq, count: rows * h * w }, firstId };
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}

export class ShardWriter {
  private readonly pixelBytes: number;
  private readonly maskBytes: number;
  private readonly layout: ShardLayout;
  private readonly done: Map<number, DoneShard>;
  /** SHA-256 of each shard this writer wrote, by index. */
  private readonly digests = new Map<number, string>();
  // Buffers of the shard being filled; reused across shards.
  private images: Uint8Array;
  private masks: Uint8Array;
  private labels: Int32Array;
  private difficulties: Float32Array;
  private ids: string[] = [];
  private shardSums: ChannelSums;
  private totalSums: ChannelSums;
  private position = 0;
  private closed = false;

  private constructor(
    readonly options: Readonly<ShardWriterOptions>,
    done: Map<number, DoneShard>,
  ) {
    const [h, w, c] = options.imageShape;
    this.pixelBytes = h * w * c;
    const ms = options.maskShape ?? [h, w];
    this.maskBytes = options.task === 'segmentation' ? ms[0] * ms[1] : 0;
    this.layout = {
      task: options.task,
      imageShape: options.imageShape,
      ...(options.task === 'segmentation' && { maskShape: ms }),
      difficulty: options.difficulty ?? false,
    };
    this.done = done;
    this.images = new Uint8Array(0);
    this.masks = new Uint8Array(0);
    this.labels = new Int32Array(0);
    this.difficulties = new Float32Array(0);
    this.shardSums = emptyChannelSums(c);
    this.totalSums = emptyChannelSums(c);
  }

  /** Validates the options, removes stale temporary files, and finds the complete shards to reuse. */
  static async open(options: ShardWriterOptions): Promise<ShardWriter> {
    const { outDir, split, task, imageShape, shardSize, numClasses, maskShape } = options;
    if (typeof split !== 'string' || !/^[A-Za-z0-9_]+$/.test(split)) {
      fail('open: options.split', 'letters, digits and _', split);
    }
    if (task !== 'classification' && task !== 'segmentation') {
      fail('open: options.task', '"classification" or "segmentation"', task);
    }
    if (
      !Array.isArray(imageShape) ||
      imageShape.length !== 3 ||
      !imageShape.every((d) => Number.isInteger(d) && d > 0)
    ) {
      fail('open: options.imageShape', '[H, W, C] of positive integers', imageShape);
    }
    if (maskShape !== undefined) {
      if (task !== 'segmentation') fail('open: options.maskShape', 'absent for classification', maskShape);
      if (
        !Array.isArray(maskShape) ||
        maskShape.length !== 2 ||
        !maskShape.every((d) => Number.isInteger(d) && d > 0)
      ) {
        fail('open: options.maskShape', '[H, W] of positive integers', maskShape);
      }
    }
    if (!Number.isInteger(shardSize) || shardSize < 1)
      fail('open: options.shardSize', 'a positive integer', shardSize);
    if (numClasses !== undefined) {
      const max = task === 'segmentation' ? IGNORE_INDEX : 2 ** 31 - 1;
      if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > max) {
        fail('open: options.numClasses', `an integer in [1, ${max}]`, numClasses);
      }
    }
    const dirInfo = await stat(outDir).catch(() => null);
    if (!dirInfo?.isDirectory()) fail('open: options.outDir', 'an existing directory', outDir);

    await removeStaleTempFiles(outDir, (target) => parseShardFileName(target, split) !== null);
    const probe = new ShardWriter(options, new Map());
    const done = new Map<number, DoneShard>();
    for (const file of await readdir(outDir)) {
      const index = parseShardFileName(file, split);
      if (index === null) continue;
      const found = await inspectShard(join(outDir, file), probe.layout, shardSize, imageShape[2]);
      if (found) done.set(index, found);
    }
    return new ShardWriter(options, done);
  }

  /** Indices of complete shards found by open() (their records are skipped, not rewritten). */
  doneShards(): number[] {
    return [...this.done.keys()].sort((a, b) => a - b);
  }

  /** Index (in add/skip order) of the next record. */
  get nextPosition(): number {
    return this.position;
  }

  /** True when the next record falls in a complete shard: the caller may skip() it without decoding. */
  nextIsDone(): boolean {
    return this.done.has(Math.floor(this.position / this.options.shardSize));
  }

  /**
   * Advances past one record of a complete shard without its data. `id` is checked against the shard's
   * first id, so a changed record order is caught instead of silently mixing two orders.
   */
  skip(id: string): void {
    this.assertOpen('skip');
    if (!this.nextIsDone()) {
      fail('skip: record', `to fall in a complete shard (record ${this.position} is not; use add())`, id);
    }
    this.advanceDone(id);
  }

  /** Adds one record (validated; the error names its id). Records of complete shards are validated and dropped. */
  async add(record: ShardRecord): Promise<void> {
    this.assertOpen('add');
    this.validate(record);
    if (this.nextIsDone()) {
      this.advanceDone(record.id);
      return;
    }
    const row = this.position % this.options.shardSize;
    if (row === 0) this.startShard();
    this.images.set(record.image, row * this.pixelBytes);
    if (this.options.task === 'classification') this.labels[row] = record.label!;
    else this.masks.set(record.mask!, row * this.maskBytes);
    if (this.layout.difficulty) this.difficulties[row] = record.difficulty!;
    this.ids.push(record.id);
    accumulateChannelSums(this.shardSums, record.image);
    this.position++;
    if (row + 1 === this.options.shardSize) await this.flush();
  }

  /** Writes the last (short) shard, removes stale higher-index shards, and returns the split's summary. */
  async close(): Promise<SplitResult> {
    this.assertOpen('close');
    if (this.ids.length > 0) await this.flush();
    this.closed = true;
    const numShards = Math.ceil(this.position / this.options.shardSize);
    const { outDir, split } = this.options;
    for (const file of await readdir(outDir)) {
      const index = parseShardFileName(file, split);
      if (index !== null && index >= numShards) await unlink(join(outDir, file));
    }
    const shards: ShardMeta[] = [];
    for (let k = 0; k < numShards; k++) {
      const file = shardFileName(split, k);
      shards.push({
        file,
        count: Math.min(this.options.shardSize, this.position - k * this.options.shardSize),
        // A reused shard was not written by this run: read it once to digest it.
        sha256: this.digests.get(k) ?? (await digestOfFile(join(outDir, file))),
      });
    }
    const stats = this.totalSums.count > 0 ? channelMeanStd(this.totalSums) : { mean: [], std: [] };
    const reused = this.doneShards().filter(
      (k) => k < numShards && shards[k]!.count === this.options.shardSize,
    );
    return { split, count: this.position, shards, sums: this.totalSums, ...stats, reused };
  }

  private assertOpen(what: string): void {
    if (this.closed) fail(`${what}: writer`, 'an open writer', 'a closed one');
  }

  private advanceDone(id: string): void {
    const k = Math.floor(this.position / this.options.shardSize);
    const shard = this.done.get(k)!;
    if (this.position % this.options.shardSize === 0) {
      if (id !== shard.firstId) {
        throw new Error(
          `ShardWriter.add: record "${id}" at position ${this.position} starts complete shard ` +
            `${shardFileName(this.options.split, k)}, which starts with "${shard.firstId}": the record order ` +
            "changed since that shard was written; delete the split's shards to rebuild it",
        );
      }
      this.totalSums = mergeChannelSums(this.totalSums, shard.sums);
    }
    this.position++;
  }

  private validate(r: ShardRecord): void {
    const id = typeof r?.id === 'string' ? r.id : undefined;
    const where = `ShardWriter.add: record "${id}" (position ${this.position})`;
    if (id === undefined || id.length === 0)
      throw new Error(`${where}: id: expected a non-empty string, got ${JSON.stringify(r?.id)}`);
    if (!(r.image instanceof Uint8Array)) {
      throw new Error(
        `${where}: image: expected a Uint8Array, got ${Object.prototype.toString.call(r.image)}`,
      );
    }
    if (r.image.length !== this.pixelBytes) {
      throw new Error(
        `${where}: image: expected ${this.pixelBytes} bytes (H*W*C = ${this.options.imageShape.join('*')}), got ${r.image.length}`,
      );
    }
    const n = this.options.numClasses;
    if (this.options.task === 'classification') {
      const l = r.label;
      if (
        typeof l !== 'number' ||
        !Number.isInteger(l) ||
        l < 0 ||
        l > 2 ** 31 - 1 ||
        (n !== undefined && l >= n)
      ) {
        throw new Error(`${where}: label: expected an integer in [0, ${n ?? '2^31'}), got ${l}`);
      }
      if (r.mask !== undefined) throw new Error(`${where}: mask: expected none for classification`);
    } else {
      if (!(r.mask instanceof Uint8Array) || r.mask.length !== this.maskBytes) {
        throw new Error(
          `${where}: mask: expected a Uint8Array of ${this.maskBytes} bytes (H*W), got ${r.mask instanceof Uint8Array ? `${r.mask.length} bytes` : typeof r.mask}`,
        );
      }
      if (n !== undefined) {
        const m = r.mask;
        for (let i = 0; i < m.length; i++) {
          if (m[i]! >= n && m[i] !== IGNORE_INDEX) {
            throw new Error(
              `${where}: mask: expected values in [0, ${n}) or ${IGNORE_INDEX}, got ${m[i]} at pixel ${i}`,
            );
          }
        }
      }
    }
    if (this.layout.difficulty) {
      const d = r.difficulty;
      if (typeof d !== 'number' || !(d >= 0 && d <= 1)) {
        throw new Error(`${where}: difficulty: expected a number in [0, 1], got ${d}`);
      }
    }
  }

  private startShard(): void {
    const s = this.options.shardSize;
    if (this.images.length === 0) {
      // Allocated on the first shard actually written, so a fully resumed split allocates nothing.
      this.images = new Uint8Array(s * this.pixelBytes);
      this.masks = new Uint8Array(s * this.maskBytes);
      this.labels = new Int32Array(s);
      this.difficulties = new Float32Array(s);
    }
    this.ids = [];
    this.shardSums = emptyChannelSums(this.options.imageShape[2]);
  }

  private async flush(): Promise<void> {
    const n = this.ids.length;
    const k = Math.floor((this.position - 1) / this.options.shardSize);
    const file = shardFileName(this.options.split, k);
    // flush runs only after a row was added, so ids[0] exists.
    const metadata = new Map<string, string>([
      [META_KEYS.numRows, String(n)],
      [META_KEYS.channelSum, JSON.stringify(this.shardSums.sum)],
      [META_KEYS.channelSumSq, JSON.stringify(this.shardSums.sumSq)],
      [META_KEYS.firstId, this.ids[0]!],
    ]);
    const bytes = encodeShard(this.layout, metadata, {
      images: this.images.subarray(0, n * this.pixelBytes),
      labels: this.labels.subarray(0, n),
      masks: this.masks.subarray(0, n * this.maskBytes),
      ids: this.ids,
      difficulties: this.difficulties.subarray(0, n),
    });
    await atomicWriteFile(join(this.options.outDir, file), bytes, this.options.hooks);
    this.digests.set(k, sha256Hex(bytes));
    this.totalSums = mergeChannelSums(this.totalSums, this.shardSums);
    this.ids = [];
  }
}

/** Column buffers of one shard (row-major, already sliced to the row count). */
export interface ShardColumns {
  images: Uint8Array;
  labels?: Int32Array;
  masks?: Uint8Array;
  ids: string[];
  difficulties?: Float32Array;
}

function byteListData(
  type: ReturnType<typeof shardSchema>['fields'][number]['type'],
  rows: number,
  bytes: Uint8Array,
): Data {
  return makeData({
    type,
    length: rows,
    nullCount: 0,
    child: makeData({ type: new Uint8(), length: bytes.length, nullCount: 0, data: bytes }),
  } as never);
}

/** Encodes one shard as Arrow IPC file bytes (one record batch). Exported for tests and tools. */
export function encodeShard(
  layout: ShardLayout,
  metadata: Map<string, string>,
  cols: ShardColumns,
): Uint8Array {
  const schema = shardSchema(layout, metadata);
  const rows = cols.ids.length;
  // shardSchema always makes the image field first and the label or mask field second.
  const children: Data[] = [byteListData(schema.fields[0]!.type, rows, cols.images)];
  if (layout.task === 'classification') {
    children.push(makeData({ type: new Int32(), length: rows, nullCount: 0, data: cols.labels! }));
  } else {
    children.push(byteListData(schema.fields[1]!.type, rows, cols.masks!));
  }
  // Explicit Utf8 type: vectorFromArray would otherwise dictionary-encode strings (one chunk: one array).
  children.push(vectorFromArray(cols.ids, new Utf8()).data[0]!);
  if (layout.difficulty) {
    children.push(makeData({ type: new Float32(), length: rows, nullCount: 0, data: cols.difficulties! }));
  }
  const struct = makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children });
  return tableToIPC(new Table(schema, [new RecordBatch(schema, struct)]), 'file');
}
