// A tiny CIFAR-10 in the official binary layout (cifar-10-batches-bin/: data_batch_1..5.bin and test_batch.bin,
// per record one label byte then the R, G and B 32x32 planes; batches.meta.txt), for smoke runs of notebooks
// and tests of prepareCifar10 without the 160 MB download. Default content: the synthetic shapes
// (renderSyntheticSample), so a smoke run has something learnable; tests pass their own records.
import { join } from 'node:path';
import { atomicWriteFile } from '../../io/atomic_write.js';
import { CIFAR10_CLASSES } from '../prepare/cifar10.js';
import { mixSeed, SeededRandom } from '../seeded_random.js';
import { renderSyntheticSample } from '../synthetic.js';

/** CIFAR-10 images are 32x32 RGB. */
const SIDE = 32;
const RECORD_BYTES = 1 + 3 * SIDE * SIDE;

export interface FakeCifarRecord {
  /** Class 0-9. */
  label: number;
  /** uint8 [32, 32, 3] (HWC). */
  image: Uint8Array;
}

export interface FakeCifar10Options {
  /** Records in each of the five training batch files (default 64). */
  perBatch?: number;
  /** Records in test_batch.bin (default perBatch). */
  test?: number;
  /** Record `index` of batch file `batch` (1-5: data_batch_N, 6: test_batch); default synthetic shapes. */
  record?: (batch: number, index: number) => FakeCifarRecord;
  /** Seed of the default records (default 0). */
  seed?: number;
}

/** Encodes records as one CIFAR-10 binary batch file (the image planes channel-major, CHW). */
export function cifarBinaryBatch(records: readonly FakeCifarRecord[]): Uint8Array {
  const out = new Uint8Array(records.length * RECORD_BYTES);
  for (const [r, { label, image }] of records.entries()) {
    if (!Number.isInteger(label) || label < 0 || label > 9) {
      throw new Error(`cifarBinaryBatch: record ${r}: label must be an integer 0-9; got ${label}`);
    }
    if (image.length !== SIDE * SIDE * 3) {
      throw new Error(
        `cifarBinaryBatch: record ${r}: image must be 32x32x3 = 3072 bytes; got ${image.length}`,
      );
    }
    const o = r * RECORD_BYTES;
    out[o] = label;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < SIDE * SIDE; p++) out[o + 1 + c * SIDE * SIDE + p] = image[p * 3 + c] as number;
    }
  }
  return out;
}

function checkCount(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`writeFakeCifar10: option '${name}' must be a non-negative integer; got ${value}`);
  }
  return value;
}

/**
 * Writes `<dir>/cifar-10-batches-bin/` (each file atomically) and returns its path; `prepareDataset('cifar10',
 * { source: dir, skipChecksum: true, ... })` reads it (the MD5s are the official files').
 */
export async function writeFakeCifar10(dir: string, options: FakeCifar10Options = {}): Promise<string> {
  const perBatch = checkCount('perBatch', options.perBatch ?? 64);
  const nTest = checkCount('test', options.test ?? perBatch);
  const seed = options.seed ?? 0;
  const record =
    options.record ??
    ((batch: number, index: number): FakeCifarRecord => {
      const rng = new SeededRandom(mixSeed(seed, batch, index));
      const label = index % CIFAR10_CLASSES.length;
      const { image } = renderSyntheticSample([SIDE, SIDE, 3], label, 0.6 * rng.next(), rng);
      return { label, image };
    });
  const folder = join(dir, 'cifar-10-batches-bin');
  const files = [
    'data_batch_1',
    'data_batch_2',
    'data_batch_3',
    'data_batch_4',
    'data_batch_5',
    'test_batch',
  ];
  for (const [f, name] of files.entries()) {
    const batch = f + 1;
    const n = batch === 6 ? nTest : perBatch;
    const records = Array.from({ length: n }, (_, i) => record(batch, i));
    await atomicWriteFile(join(folder, `${name}.bin`), cifarBinaryBatch(records));
  }
  await atomicWriteFile(join(folder, 'batches.meta.txt'), `${CIFAR10_CLASSES.join('\n')}\n\n`);
  await atomicWriteFile(
    join(folder, 'readme.html'),
    '<html>a fake CIFAR-10 (batch-shaping smoke data)</html>\n',
  );
  return folder;
}
