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
// meta.json

export interface ShardMeta {
  /** File name relative to the dataset directory, `<split>-<00000>.arrow`. */
  file: string;
  /** Rows in that shard. */
  count: number;
  /**
   * Lower-case hex SHA-256 of the shard file (datasets prepared since the field exists): checked by
   * `batch-shaping verify` and when a loader first reads the shard.
   */
  sha256?: string;
}

export interface SplitMeta {
  /** Total rows; equals the sum of the shard counts. */
  count: number;
  /** In index order 0, 1, 2, ... */
  shards: ShardMeta[];
}

export interface SourceChecksum {
  /** The official raw file this dataset was built from (file name or URL). */
  name: string;
  /** Lower-case hex SHA-256 of that file. */
  sha256: string;
}

/** The contents of a dataset directory's meta.json. */
export interface DatasetMeta {
  schemaVersion: number;
  /** e.g. "cifar10", "imagenet", "cityscapes", "synthetic-shapes". */
  name: string;
  task: Task;
  /** Class names; label / mask values index this list. */
  classes: string[];
  imageShape: ImageShape;
  /** Segmentation only (required there); absent for classification. */
  maskShape?: MaskShape;
  /** Segmentation only: the mask value to ignore (always 255). */
  ignoreIndex?: number;
  /** Split name (train, val, test, ...) -> its shards. */
  splits: Record<string, SplitMeta>;
  /** Per-channel pixel mean on the [0, 1] scale (pixel / 255), computed on the train split. */
  mean: number[];
  /** Per-channel pixel standard deviation (population, ddof 0) on the [0, 1] scale, on the train split. */
  std: number[];
  /** Checksums of the official raw files; empty for generated datasets. */
  sources: SourceChecksum[];
  /** Whether the shards carry the `difficulty` column. */
  difficulty: boolean;
  /** Free text: licence, origin, generator parameters. */
  description?: string;
}

/** Thrown by validateMeta; `errors` lists every problem found, each naming the field. */
export class MetaValidationError extends Error {
  constructor(
    readonly file: string,
    readonly errors: string[],
  ) {
    super(`validateMeta: ${file}: ${errors.length} problem(s):\n  ${errors.join('\n  ')}`);
    this.name = 'MetaValidationError';
  }
}

function show(value: unknown): string {
  const s = JSON.stringify(value);
  if (s === undefined) return String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

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

/**
 * Checks that `value` (parsed from `file`) is a well-formed DatasetMeta and returns it typed.
 * Collects every problem and throws one MetaValidationError whose lines read
 * `field "splits.train.count": expected ..., got ...`.
 */
export function validateMeta(value: unknown, file = 'meta.json'): DatasetMeta {
  const errors: string[] = [];
  const bad = (field: string, expected: string, got: unknown) =>
    errors.push(`field "${field}": expected ${expected}, got ${show(got)}`);

  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MetaValidationError(file, [`top level: expected a JSON object, got ${show(value)}`]);
  }
  const m = value as Record<string, unknown>;

  if (m.schemaVersion !== SCHEMA_VERSION) bad('schemaVersion', `${SCHEMA_VERSION}`, m.schemaVersion);
  if (typeof m.name !== 'string' || m.name.length === 0) bad('name', 'a non-empty string', m.name);
  const task = m.task;
  if (task !== 'classification' && task !== 'segmentation') {
    bad('task', '"classification" or "segmentation"', task);
  }

  let numClasses = 0;
  if (!Array.isArray(m.classes) || m.classes.length === 0) {
    bad('classes', 'a non-empty array of class names', m.classes);
  } else {
    numClasses = m.classes.length;
    const seen = new Set<string>();
    m.classes.forEach((c, i) => {
      if (typeof c !== 'string' || c.length === 0) bad(`classes[${i}]`, 'a non-empty string', c);
      else if (seen.has(c)) bad(`classes[${i}]`, 'a unique name', c);
      else seen.add(c);
    });
    if (task === 'segmentation' && numClasses > IGNORE_INDEX) {
      bad(
        'classes',
        `at most ${IGNORE_INDEX} classes (masks are uint8, ${IGNORE_INDEX} = ignore)`,
        numClasses,
      );
    }
  }

  let channels = 0;
  const shape = m.imageShape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every(isPositiveInt)) {
    bad('imageShape', '[H, W, C] of positive integers', shape);
  } else {
    channels = shape[2] as number;
  }

  if (task === 'segmentation') {
    const ms = m.maskShape;
    if (!Array.isArray(ms) || ms.length !== 2 || !ms.every(isPositiveInt)) {
      bad('maskShape', '[H, W] of positive integers (required for segmentation)', ms);
    }
    if (m.ignoreIndex !== IGNORE_INDEX) bad('ignoreIndex', `${IGNORE_INDEX}`, m.ignoreIndex);
  } else if (task === 'classification') {
    if (m.maskShape !== undefined) bad('maskShape', 'absent for classification', m.maskShape);
  }

  const splits = m.splits;
  if (typeof splits !== 'object' || splits === null || Array.isArray(splits)) {
    bad('splits', 'an object {split: {count, shards}}', splits);
  } else if (Object.keys(splits).length === 0) {
    bad('splits', 'at least one split', splits);
  } else {
    for (const [name, s] of Object.entries(splits as Record<string, unknown>)) {
      const at = `splits.${name}`;
      if (!/^[A-Za-z0-9_]+$/.test(name)) bad(at, 'a split name of letters, digits and _', name);
      if (typeof s !== 'object' || s === null) {
        bad(at, 'an object {count, shards}', s);
        continue;
      }
      const split = s as Record<string, unknown>;
      if (!isCount(split.count)) bad(`${at}.count`, 'a non-negative integer', split.count);
      if (!Array.isArray(split.shards)) {
        bad(`${at}.shards`, 'an array of {file, count}', split.shards);
        continue;
      }
      let sum = 0;
      split.shards.forEach((sh: unknown, i: number) => {
        const sat = `${at}.shards[${i}]`;
        if (typeof sh !== 'object' || sh === null) {
          bad(sat, 'an object {file, count}', sh);
          return;
        }
        const shard = sh as Record<string, unknown>;
        if (shard.file !== shardFileName(name, i))
          bad(`${sat}.file`, `"${shardFileName(name, i)}"`, shard.file);
        if (!isPositiveInt(shard.count)) bad(`${sat}.count`, 'a positive integer', shard.count);
        else sum += shard.count;
        if (
          shard.sha256 !== undefined &&
          !(typeof shard.sha256 === 'string' && /^[0-9a-f]{64}$/.test(shard.sha256))
        )
          bad(`${sat}.sha256`, 'a lower-case hex SHA-256 (64 characters)', shard.sha256);
      });
      if (isCount(split.count) && errors.every((e) => !e.includes(`"${at}.shards[`)) && sum !== split.count) {
        bad(`${at}.count`, `the sum of its shard counts (${sum})`, split.count);
      }
    }
  }

  for (const key of ['mean', 'std'] as const) {
    const v = m[key];
    const ok =
      Array.isArray(v) &&
      (channels === 0 || v.length === channels) &&
      v.every(
        (x) => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 1 && (key === 'mean' || x > 0),
      );
    if (!ok) {
      const range = key === 'mean' ? 'in [0, 1]' : 'in (0, 1]';
      bad(key, `${channels || 'C'} numbers ${range} (per channel, pixel / 255)`, v);
    }
  }

  if (!Array.isArray(m.sources)) {
    bad('sources', 'an array of {name, sha256}', m.sources);
  } else {
    m.sources.forEach((src: unknown, i: number) => {
      const s = (typeof src === 'object' && src !== null ? src : {}) as Record<string, unknown>;
      if (typeof s.name !== 'string' || s.name.length === 0)
        bad(`sources[${i}].name`, 'a non-empty string', s.name);
      if (typeof s.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(s.sha256)) {
        bad(`sources[${i}].sha256`, '64 lower-case hex digits', s.sha256);
      }
    });
  }
  if (typeof m.difficulty !== 'boolean') bad('difficulty', 'a boolean', m.difficulty);
  if (m.description !== undefined && typeof m.description !== 'string') {
    bad('description', 'a string when present', m.description);
  }

  if (errors.length > 0) throw new MetaValidationError(file, errors);
  return m as unknown as DatasetMeta;
}
