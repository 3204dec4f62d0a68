// The one on-disk dataset format shared by every writer (data-scripts, synthetic) and every reader:
// Arrow IPC *file* shards `<split>-<00000>.arrow` plus a `meta.json` per dataset directory.
// Not from the paper (Bejnordi et al., ICLR 2020 trains on CIFAR-10, ImageNet and Cityscapes; the format
// is ours).
//
// Columns (non-nullable, one record batch or more per shard):
//   image       FixedSizeList<Uint8>[H*W*C]  row-major HWC pixels, same shape for the whole dataset
//   label       Int32                          class index (classification)
//   mask        FixedSizeList<Uint8>[H*W]      class per pixel, 255 = ignore (segmentation)
//   id          Utf8 (never dictionary)       stable sample id, e.g. the source file name
//   difficulty  Float32 in [0, 1]              optional (the synthetic set)
//
// Why FixedSizeList<Uint8> and not FixedSizeBinary: both store one contiguous byte buffer, so JS reads the
// whole column of a batch zero-copy as one Uint8Array (`child.values`). But FixedSizeList<uint8> keeps the
// element type numeric: pyarrow `col.flatten().to_numpy().reshape(N, H, W, C)` is zero-copy, polars maps it
// to its `Array(UInt8, n)` dtype and pandas to numpy uint8 arrays, whereas FixedSizeBinary arrives as opaque
// `bytes` objects everywhere. The shape is not in the Arrow type (nested lists per axis would multiply
// validity/offset bookkeeping for nothing); it is in meta.json and repeated in the field metadata
// (`shape`, `layout`) so a shard is self-describing when opened alone.
import {
  type DataType as ArrowDataType,
  Field,
  FixedSizeList,
  Float32,
  Int32,
  Schema,
  Type,
  Uint8,
  Utf8,
} from 'apache-arrow';
import type { DatasetMeta } from './meta_schema.js';

/** Bumped whenever the column layout or meta.json fields change incompatibly. */
export const SCHEMA_VERSION = 1;
/** Mask value that losses and metrics skip (Cityscapes convention). */
export const IGNORE_INDEX = 255;

export type Task = 'classification' | 'segmentation';
/** [height, width, channels]. */
export type ImageShape = [number, number, number];
/** [height, width]. */
export type MaskShape = [number, number];

/** What a shard's Arrow schema depends on. */
export interface ShardLayout {
  task: Task;
  imageShape: ImageShape;
  /** Segmentation only; usually equal to the image's [H, W]. */
  maskShape?: MaskShape;
  /** Whether the optional `difficulty` column is present. */
  difficulty?: boolean;
  /** Number of classes (meta.json): readers check that labels / mask values fall in 0..C-1 (or ignoreIndex). */
  numClasses?: number;
  /** Segmentation: the mask value that means "not labelled" (default 255). */
  ignoreIndex?: number;
}

/** Schema-level metadata keys (all strings, as Arrow requires). */
export const META_KEYS = {
  schemaVersion: 'batch_shaping.schema_version',
  task: 'batch_shaping.task',
  /** JSON [C] integer sums of pixel values over the shard, per channel (resume rebuilds mean/std from these). */
  channelSum: 'batch_shaping.channel_sum',
  /** JSON [C] integer sums of squared pixel values, per channel. */
  channelSumSq: 'batch_shaping.channel_sum_sq',
  numRows: 'batch_shaping.num_rows',
  firstId: 'batch_shaping.first_id',
} as const;

function byteListType(size: number): FixedSizeList<Uint8> {
  return new FixedSizeList(size, new Field('item', new Uint8(), false));
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The Arrow schema every shard of a dataset with this layout has (before per-shard metadata). */
export function shardSchema(layout: ShardLayout, metadata?: Map<string, string>): Schema {
  const [h, w, c] = layout.imageShape;
  const fields: Field[] = [
    new Field(
      'image',
      byteListType(h * w * c),
      false,
      new Map([
        ['shape', JSON.stringify(layout.imageShape)],
        ['layout', 'HWC'],
      ]),
    ),
  ];
  if (layout.task === 'classification') {
    fields.push(new Field('label', new Int32(), false));
  } else {
    const maskShape = layout.maskShape ?? [h, w];
    fields.push(
      new Field(
        'mask',
        byteListType(product(maskShape)),
        false,
        new Map([
          ['shape', JSON.stringify(maskShape)],
          ['ignore_index', String(IGNORE_INDEX)],
        ]),
      ),
    );
  }
  fields.push(new Field('id', new Utf8(), false));
  if (layout.difficulty) fields.push(new Field('difficulty', new Float32(), false));
  const meta = new Map(metadata ?? []);
  meta.set(META_KEYS.schemaVersion, String(SCHEMA_VERSION));
  meta.set(META_KEYS.task, layout.task);
  return new Schema(fields, meta);
}

function describeType(t: ArrowDataType): string {
  return String(t);
}

function sameType(a: ArrowDataType, b: ArrowDataType): boolean {
  if (a.typeId !== b.typeId) return false;
  if (a.typeId === Type.FixedSizeList) {
    const fa = a as FixedSizeList;
    const fb = b as FixedSizeList;
    const ca = fa.children[0];
    const cb = fb.children[0];
    return fa.listSize === fb.listSize && ca !== undefined && cb !== undefined && sameType(ca.type, cb.type);
  }
  // Int32 vs Int64 etc. share Type.Int: compare the printed form (bitWidth, signedness).
  return String(a) === String(b);
}

/**
 * Throws unless `actual` (read from `file`) has exactly the columns and types `layout` requires.
 * The error names the file and the first offending column.
 */
export function checkShardSchema(actual: Schema, layout: ShardLayout, file: string): void {
  const expected = shardSchema(layout);
  const names = actual.fields.map((f) => f.name);
  const wanted = expected.fields.map((f) => f.name);
  if (names.join(',') !== wanted.join(',')) {
    throw new Error(
      `checkShardSchema: ${file}: expected columns [${wanted.join(', ')}], got [${names.join(', ')}]`,
    );
  }
  for (let i = 0; i < wanted.length; i++) {
    const a = actual.fields[i]!;
    const e = expected.fields[i]!;
    if (!sameType(a.type, e.type)) {
      throw new Error(
        `checkShardSchema: ${file}: column "${e.name}" expected type ${describeType(e.type)}, got ${describeType(a.type)}`,
      );
    }
  }
  const version = actual.metadata.get(META_KEYS.schemaVersion);
  if (version !== String(SCHEMA_VERSION)) {
    throw new Error(
      `checkShardSchema: ${file}: metadata "${META_KEYS.schemaVersion}" expected ${SCHEMA_VERSION}, got ${version}`,
    );
  }
}

/** `train-00003.arrow` for (train, 3). */
export function shardFileName(split: string, index: number): string {
  return `${split}-${String(index).padStart(5, '0')}.arrow`;
}

/** Inverse of shardFileName; null when `file` is not a shard of `split`. */
export function parseShardFileName(file: string, split: string): number | null {
  if (!file.startsWith(`${split}-`) || !file.endsWith('.arrow')) return null;
  const digits = file.slice(split.length + 1, -'.arrow'.length);
  return /^\d{5,}$/.test(digits) ? Number(digits) : null;
}

// ---------------------------------------------------------------------------------------------------------
// meta.json: its schema and validateMeta are in meta_schema.ts (the types are re-exported here).
export type { DatasetMeta, ShardMeta, SourceChecksum, SplitMeta } from './meta_schema.js';

/** The layout a dataset's shards must have, from its (validated) meta. */
export function layoutOf(meta: DatasetMeta): ShardLayout {
  return {
    task: meta.task,
    imageShape: meta.imageShape,
    ...(meta.maskShape && { maskShape: meta.maskShape }),
    difficulty: meta.difficulty,
    numClasses: meta.classes.length,
    ignoreIndex: meta.ignoreIndex ?? IGNORE_INDEX,
  };
}
