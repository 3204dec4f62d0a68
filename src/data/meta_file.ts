// meta.json on disk: atomic, validated write (last step of preparing a dataset) and validated read.
// The format and its validation live in meta_schema.ts; this file only adds the filesystem side.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type AtomicWriteHooks, atomicWriteFile } from '../io/atomic_write.js';
import { type DatasetMeta, validateMeta } from './meta_schema.js';
import { splitMeta } from './shard_writer.js';

/**
 * Validates `meta` (also that every listed shard file exists in `outDir`) and writes `outDir/meta.json`
 * atomically. Call it last, after every split's writer is closed.
 */
export async function writeMeta(outDir: string, meta: DatasetMeta, hooks?: AtomicWriteHooks): Promise<void> {
  const path = join(outDir, 'meta.json');
  // Normalise through JSON so extra fields (e.g. a SplitResult's sums) are rejected or dropped predictably.
  const clean: DatasetMeta = {
    schemaVersion: meta.schemaVersion,
    name: meta.name,
    task: meta.task,
    classes: meta.classes,
    imageShape: meta.imageShape,
    ...(meta.maskShape !== undefined ? { maskShape: meta.maskShape } : {}),
    ...(meta.ignoreIndex !== undefined ? { ignoreIndex: meta.ignoreIndex } : {}),
    splits: Object.fromEntries(Object.entries(meta.splits ?? {}).map(([k, v]) => [k, splitMeta(v)])),
    mean: meta.mean,
    std: meta.std,
    sources: meta.sources,
    difficulty: meta.difficulty,
    ...(meta.description !== undefined ? { description: meta.description } : {}),
  };
  const valid = validateMeta(JSON.parse(JSON.stringify(clean)), path);
  const missing: string[] = [];
  for (const s of Object.values(valid.splits)) {
    for (const sh of s.shards) {
      const info = await stat(join(outDir, sh.file)).catch(() => null);
      if (!info?.isFile()) missing.push(sh.file);
    }
  }
  if (missing.length > 0) {
    throw new Error(
      `writeMeta: ${path}: field "splits": expected every shard file to exist, missing ${missing.join(', ')}`,
    );
  }
  await atomicWriteFile(path, `${JSON.stringify(valid, null, 2)}\n`, hooks);
}

/** Reads and validates `dir/meta.json`; errors name the file and the field. */
export async function readMeta(dir: string): Promise<DatasetMeta> {
  const path = join(dir, 'meta.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`readMeta: ${path}: cannot read (${(err as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`readMeta: ${path}: not valid JSON (${(err as Error).message})`);
  }
  return validateMeta(value, path);
}
