// meta.json, the description of a dataset folder (schema.ts has the shard format): its fields as one zod
// schema, the source of the DatasetMeta type and of validateMeta. The schema checks each field; the checks
// that relate fields (unique class names, mask fields by task, shard names and counts per split, one mean
// and std per image channel) run on every meta as well, so one error lists every problem at once, each as
// `field "splits.train.count": expected ..., got ...`.
import { z } from 'zod';
import { fieldProblems, integerIn, numberWhere, oneOf, valueAt } from '../io/schema_issues.js';
import { IGNORE_INDEX, SCHEMA_VERSION, shardFileName } from './schema.js';

const positiveInt = integerIn(1);
const nonEmpty = z.string({ error: 'a non-empty string' }).min(1, { error: 'a non-empty string' });
const sha256 = z
  .string({ error: 'a lower-case hex SHA-256 (64 characters)' })
  .regex(/^[0-9a-f]{64}$/, { error: 'a lower-case hex SHA-256 (64 characters)' });

const shardSchema = z.object(
  {
    /** File name relative to the dataset directory, `<split>-<00000>.arrow`. */
    file: z.string({ error: 'a shard file name' }),
    /** Rows in that shard. */
    count: positiveInt,
    /**
     * Lower-case hex SHA-256 of the shard file (datasets prepared since the field exists): checked by
     * `batch-shaping verify` and when a loader first reads the shard.
     */
    sha256: sha256.optional(),
  },
  { error: 'an object {file, count}' },
);

const splitSchema = z.object(
  {
    /** Total rows; equals the sum of the shard counts. */
    count: integerIn(0),
    /** In index order 0, 1, 2, ... */
    shards: z.array(shardSchema, { error: 'an array of {file, count}' }),
  },
  { error: 'an object {count, shards}' },
);

const sourceSchema = z.object(
  {
    /** The official raw file this dataset was built from (file name or URL). */
    name: nonEmpty,
    /** Lower-case hex SHA-256 of that file. */
    sha256,
  },
  { error: 'an object {name, sha256}' },
);

const numbers = z.array(z.number(), { error: 'an array of numbers' });

const metaObject = z.object({
  schemaVersion: numberWhere(`${SCHEMA_VERSION}`, (v) => v === SCHEMA_VERSION),
  /** e.g. "cifar10", "imagenet", "cityscapes", "synthetic-shapes". */
  name: nonEmpty,
  task: oneOf(['classification', 'segmentation'], '"classification" or "segmentation"'),
  /** Class names; label / mask values index this list. */
  classes: z
    .array(nonEmpty, { error: 'a non-empty array of class names' })
    .min(1, { error: 'a non-empty array of class names' }),
  /** [height, width, channels]. */
  imageShape: z.tuple([positiveInt, positiveInt, positiveInt], { error: '[H, W, C] of positive integers' }),
  /** Segmentation only (required there); absent for classification. */
  maskShape: z
    .tuple([positiveInt, positiveInt], { error: '[H, W] of positive integers (required for segmentation)' })
    .optional(),
  /** Segmentation only: the mask value to ignore (always 255). */
  ignoreIndex: numberWhere(`${IGNORE_INDEX}`, (v) => v === IGNORE_INDEX).optional(),
  /** Split name (train, val, test, ...) -> its shards. */
  splits: z.record(z.string(), splitSchema, { error: 'an object {split: {count, shards}}' }),
  /** Per-channel pixel mean on the [0, 1] scale (pixel / 255), computed on the train split. */
  mean: numbers,
  /** Per-channel pixel standard deviation (population, ddof 0) on the [0, 1] scale, on the train split. */
  std: numbers,
  /** Checksums of the official raw files; empty for generated datasets. */
  sources: z.array(sourceSchema, { error: 'an array of {name, sha256}' }),
  /** Whether the shards carry the `difficulty` column. */
  difficulty: z.boolean({ error: 'a boolean' }),
  /** Free text: licence, origin, generator parameters. */
  description: z.string({ error: 'a string when present' }).optional(),
});

type Ctx = z.RefinementCtx;
const problem = (ctx: Ctx, path: PropertyKey[], message: string, input: unknown) =>
  ctx.addIssue({ code: 'custom', path, message, input });

/** The checks that relate fields; `m` may be malformed (they run even when a field failed). */
function crossChecks(m: Record<string, unknown>, ctx: Ctx): void {
  const task = m.task;
  const classes = Array.isArray(m.classes) ? (m.classes as unknown[]) : [];
  const seen = new Set<unknown>();
  classes.forEach((c, i) => {
    if (typeof c === 'string' && seen.has(c)) problem(ctx, ['classes', i], 'a unique name', c);
    seen.add(c);
  });
  if (task === 'segmentation' && classes.length > IGNORE_INDEX) {
    problem(
      ctx,
      ['classes'],
      `at most ${IGNORE_INDEX} classes (masks are uint8, ${IGNORE_INDEX} = ignore)`,
      classes.length,
    );
  }
  if (task === 'segmentation') {
    if (m.maskShape === undefined) {
      problem(ctx, ['maskShape'], '[H, W] of positive integers (required for segmentation)', undefined);
    }
    if (m.ignoreIndex === undefined) problem(ctx, ['ignoreIndex'], `${IGNORE_INDEX}`, undefined);
  } else if (task === 'classification' && m.maskShape !== undefined) {
    problem(ctx, ['maskShape'], 'absent for classification', m.maskShape);
  }

  const splits = m.splits;
  if (typeof splits === 'object' && splits !== null && !Array.isArray(splits)) {
    if (Object.keys(splits).length === 0) problem(ctx, ['splits'], 'at least one split', splits);
    for (const [name, split] of Object.entries(splits)) {
      if (!/^[A-Za-z0-9_]+$/.test(name)) {
        problem(ctx, ['splits', name], 'a split name of letters, digits and _', name);
      }
      const shards: unknown = (split as { shards?: unknown } | null)?.shards;
      if (!Array.isArray(shards)) continue;
      let sum = 0;
      let countable = true;
      shards.forEach((sh: unknown, i) => {
        const file = valueAt(sh, ['file']);
        if (file !== shardFileName(name, i)) {
          problem(ctx, ['splits', name, 'shards', i, 'file'], `"${shardFileName(name, i)}"`, file);
        }
        const n = valueAt(sh, ['count']);
        if (typeof n === 'number' && Number.isInteger(n) && n > 0) sum += n;
        else countable = false;
      });
      const total = (split as { count?: unknown }).count;
      if (countable && typeof total === 'number' && Number.isInteger(total) && total >= 0 && sum !== total) {
        problem(ctx, ['splits', name, 'count'], `the sum of its shard counts (${sum})`, total);
      }
    }
  }

  const shape = m.imageShape;
  const channels = Array.isArray(shape) && shape.length === 3 && typeof shape[2] === 'number' ? shape[2] : 0;
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
      problem(ctx, [key], `${channels || 'C'} numbers ${range} (per channel, pixel / 255)`, v);
    }
  }
}

/** The meta.json schema: the fields, then the checks across them (run on every input object). */
const datasetMetaSchema = metaObject.superRefine((m, ctx) => crossChecks(m as Record<string, unknown>, ctx), {
  when: () => true,
});

/** The contents of a dataset directory's meta.json. */
export type DatasetMeta = z.output<typeof metaObject>;
export type SplitMeta = z.output<typeof splitSchema>;
export type ShardMeta = z.output<typeof shardSchema>;
export type SourceChecksum = z.output<typeof sourceSchema>;

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

/**
 * Checks that `value` (parsed from `file`) is a well-formed DatasetMeta and returns it typed.
 * Collects every problem and throws one MetaValidationError whose lines read
 * `field "splits.train.count": expected ..., got ...`.
 */
export function validateMeta(value: unknown, file = 'meta.json'): DatasetMeta {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MetaValidationError(file, [`top level: expected a JSON object, got ${show(value)}`]);
  }
  const parsed = datasetMetaSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = fieldProblems(parsed.error, value).map(
    (p) => `field "${p.field}": expected ${p.expected}, got ${show(p.got)}`,
  );
  throw new MetaValidationError(file, [...new Set(lines)]);
}
