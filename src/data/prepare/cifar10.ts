// CIFAR-10 (Krizhevsky, 2009, "Learning Multiple Layers of Features from Tiny Images") -> Arrow shards.
// Source (any of): the official binary tarball `cifar-10-binary.tar.gz` (MD5 checked), its extracted
// `cifar-10-batches-bin` folder (data_batch_1..5.bin, test_batch.bin, batches.meta.txt), or a folder
// holding either. `--download` fetches the official tarball. Records are 1 label byte + 3072 bytes of
// CHW planes; shards store HWC. Output: train (data_batch_1..5 in order, 50 000) and test (10 000),
// images [32, 32, 3], labels 0..9, ids `<batch file>:<record index>`.

import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeMeta } from '../meta_file.js';
import { SCHEMA_VERSION, type SourceChecksum } from '../schema.js';
import { splitMeta } from '../shard_writer.js';
import { sha256OfFile, verifyMd5 } from './checksum.js';
import { parseCifarBatch, parseCifarMeta } from './cifar_binary.js';
import { downloadFile } from './download.js';
import { errorMessage, PrepareError } from './prepare_error.js';
import {
  beginOutput,
  checkShardSize,
  defaultShardSize,
  expectedMd5,
  type PrepareOptions,
  type PrepareResult,
  resolveProgress,
} from './prepare_options.js';
import { stagedPrepare } from './staged_output.js';
import { readTarEntries } from './tar_entries.js';
import { writeSplit } from './write_split.js';

export const CIFAR10_ARCHIVE = 'cifar-10-binary.tar.gz';
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/';
export const CIFAR10_FOLDER = 'cifar-10-batches-bin';
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];
const TRAIN_BATCHES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_BATCH = 'test_batch.bin';
const META_FILE = 'batches.meta.txt';

interface CifarFiles {
  /** Batch file name -> [where it came from (for errors), bytes]. */
  batches: Map<string, { file: string; bytes: Uint8Array }>;
  classes: string[];
  sources: SourceChecksum[];
}

/** Resolves `source` to the tarball or the batches folder. */
function locate(source: string): { kind: 'tar' | 'folder'; path: string } {
  if (!existsSync(source)) throw new PrepareError(source, 'CIFAR-10 source not found');
  if (!statSync(source).isDirectory()) return { kind: 'tar', path: source };
  if (existsSync(join(source, TEST_BATCH)) || existsSync(join(source, TRAIN_BATCHES[0]!))) {
    return { kind: 'folder', path: source };
  }
  if (existsSync(join(source, CIFAR10_FOLDER))) return { kind: 'folder', path: join(source, CIFAR10_FOLDER) };
  if (existsSync(join(source, CIFAR10_ARCHIVE))) return { kind: 'tar', path: join(source, CIFAR10_ARCHIVE) };
  throw new PrepareError(
    source,
    `no CIFAR-10 data: expected ${CIFAR10_FOLDER}/ files (${TEST_BATCH}, ...) or ${CIFAR10_ARCHIVE}`,
  );
}

async function readFromFolder(dir: string): Promise<CifarFiles> {
  const batches = new Map<string, { file: string; bytes: Uint8Array }>();
  const sources: SourceChecksum[] = [];
  for (const name of [...TRAIN_BATCHES, TEST_BATCH]) {
    const file = join(dir, name);
    if (!existsSync(file)) throw new PrepareError(file, 'missing CIFAR-10 batch file');
    batches.set(name, { file, bytes: await readFile(file) });
    sources.push({ name, sha256: await sha256OfFile(file) });
  }
  const metaPath = join(dir, META_FILE);
  const classes = existsSync(metaPath)
    ? checkClasses(parseCifarMeta(await readFile(metaPath, 'utf8')), metaPath)
    : CIFAR10_CLASSES;
  return { batches, classes, sources };
}

async function readFromTar(path: string, md5: string | null): Promise<CifarFiles> {
  await verifyMd5(path, md5);
  const wanted = new Set([...TRAIN_BATCHES, TEST_BATCH, META_FILE]);
  const batches = new Map<string, { file: string; bytes: Uint8Array }>();
  let classes = CIFAR10_CLASSES;
  for await (const entry of readTarEntries(path, { filter: (p) => wanted.has(basename(p)) })) {
    const name = basename(entry.path);
    const file = `${path}:${entry.path}`;
    if (name === META_FILE) classes = checkClasses(parseCifarMeta(entry.data.toString('utf8')), file);
    else batches.set(name, { file, bytes: entry.data });
  }
  for (const name of [...TRAIN_BATCHES, TEST_BATCH]) {
    if (!batches.has(name)) throw new PrepareError(path, `archive has no ${CIFAR10_FOLDER}/${name}`);
  }
  return { batches, classes, sources: [{ name: basename(path), sha256: await sha256OfFile(path) }] };
}

function checkClasses(classes: string[], file: string): string[] {
  if (classes.length !== 10) throw new PrepareError(file, `expected 10 class names, got ${classes.length}`);
  return classes;
}

async function prepareCifar10Into(options: PrepareOptions): Promise<PrepareResult> {
  checkShardSize('prepareCifar10', options.shardSize);
  const progress = resolveProgress(options.progress);
  const md5 = expectedMd5(options, CIFAR10_ARCHIVE, CIFAR10_MD5);
  let source = options.source;
  if (options.download) {
    const dir = source ?? join(options.out, 'raw');
    source = join(dir, CIFAR10_ARCHIVE);
    await downloadFile(`${options.baseUrl ?? CIFAR10_URL}${CIFAR10_ARCHIVE}`, source, { md5, progress });
  }
  if (source === undefined)
    throw new Error(
      'prepareCifar10: options.source: expected a folder or archive path (or download: true), got undefined',
    );
  const where = locate(source);
  const files = where.kind === 'tar' ? await readFromTar(where.path, md5) : await readFromFolder(where.path);

  // Parse (and so validate) every batch before the first shard is written.
  const parsed = new Map<string, ReturnType<typeof parseCifarBatch>>();
  for (const [name, { file, bytes }] of files.batches) {
    try {
      parsed.set(name, parseCifarBatch(bytes, file));
    } catch (err) {
      if (err instanceof PrepareError) throw err;
      throw new PrepareError(file, errorMessage(err), { cause: err });
    }
  }
  await beginOutput(options.out);
  const shardSize = options.shardSize ?? defaultShardSize(32 * 32 * 3);
  const results = [];
  for (const [split, names] of [
    ['train', TRAIN_BATCHES],
    ['test', [TEST_BATCH]],
  ] as const) {
    const records = names.flatMap((name) =>
      parsed.get(name)!.map((r, i) => ({
        id: `${name.replace(/\.bin$/, '')}:${i}`,
        decode: async () => r, // image already [32, 32, 3] HWC
      })),
    );
    results.push(
      await writeSplit({
        outDir: options.out,
        split,
        task: 'classification',
        imageShape: [32, 32, 3],
        numClasses: 10,
        shardSize,
        records,
        total: records.length,
        progress,
      }),
    );
  }
  // One result per split of the loop above, in its order.
  const train = results[0]!;
  const test = results[1]!;
  await writeMeta(options.out, {
    schemaVersion: SCHEMA_VERSION,
    name: 'cifar10',
    task: 'classification',
    classes: files.classes,
    imageShape: [32, 32, 3],
    splits: { train: splitMeta(train), test: splitMeta(test) },
    mean: train.mean,
    std: train.std,
    sources: files.sources,
    difficulty: false,
    description:
      'CIFAR-10 (Krizhevsky, 2009) from the official binary version; train = data_batch_1..5 in order, ' +
      'test = test_batch; ids are <batch>:<record index>.',
  });
  return {
    out: options.out,
    counts: { train: train.count, test: test.count },
    reused: { train: train.reused, test: test.reused },
  };
}

/**
 * Prepares the dataset into `options.out`. Locked against a second process; a rebuild over a complete
 * dataset is staged and swapped in on success, so a failure leaves the existing dataset untouched.
 */
export const prepareCifar10: (options: PrepareOptions) => Promise<PrepareResult> =
  stagedPrepare(prepareCifar10Into);
