// The library's fake CIFAR-10 (smoke data of notebook 02): prepareDataset reads it, every record lands in the
// shards as the HWC image it was given (the writer's CHW planes transposed back), labels and counts as asked;
// bad records are refused naming the record.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cifarBinaryBatch,
  type FakeCifarRecord,
  writeFakeCifar10,
} from '../../../src/data/fake_raw/fake_cifar10.js';
import { CIFAR10_CLASSES } from '../../../src/data/prepare/cifar10.js';
import { prepareDataset } from '../../../src/data/prepare/prepare_dataset.js';
import { freshDirs } from '../prepare/fresh_dirs.js';
import { readMetaJson, readSplit } from '../prepare/shard_readback.js';

const fresh = freshDirs('fake-cifar-');

describe('writeFakeCifar10', () => {
  it('default synthetic records round-trip through prepareDataset', async () => {
    const { src, out } = fresh();
    const given: FakeCifarRecord[][] = [[], [], [], [], [], [], []];
    const record = (batch: number, index: number): FakeCifarRecord => {
      // Distinct per (batch, index, pixel): a transposition or offset error changes the shards.
      const image = Uint8Array.from({ length: 3072 }, (_, p) => (batch * 31 + index * 7 + p * 13) % 256);
      const r = { label: (batch + index) % 10, image };
      given[batch]![index] = r;
      return r;
    };
    await writeFakeCifar10(src, { perBatch: 2, test: 3, record });
    await prepareDataset('cifar10', { source: src, out, skipChecksum: true, progress: 'quiet' });
    const meta = readMetaJson(out);
    assert.deepEqual(meta.classes, CIFAR10_CLASSES);
    assert.equal(meta.splits.train!.count, 10);
    assert.equal(meta.splits.test!.count, 3);
    const test = readSplit(out, 'test');
    assert.deepEqual(test.labels, [6, 7, 8]);
    for (const [i, img] of test.images.entries())
      assert.deepEqual(img, given[6]![i]!.image, `test record ${i}`);
    const train = readSplit(out, 'train');
    assert.deepEqual(
      train.images.map((img) => Buffer.from(img).toString('hex')).sort(),
      given
        .slice(1, 6)
        .flat()
        .map((r) => Buffer.from(r.image).toString('hex'))
        .sort(),
    );
  });

  it('the default content is the synthetic shapes, one class per record in turn, reproducible by seed', async () => {
    const a = fresh();
    const b = fresh();
    await writeFakeCifar10(a.src, { perBatch: 10, test: 10 });
    await writeFakeCifar10(b.src, { perBatch: 10, test: 10, seed: 1 });
    await prepareDataset('cifar10', { source: a.src, out: a.out, skipChecksum: true, progress: 'quiet' });
    await prepareDataset('cifar10', { source: b.src, out: b.out, skipChecksum: true, progress: 'quiet' });
    const testA = readSplit(a.out, 'test');
    assert.deepEqual(testA.labels, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.notDeepEqual(testA.images, readSplit(b.out, 'test').images);
    // Not blank: every image has more than a background colour.
    for (const img of testA.images) assert.ok(new Set(img).size > 3);
  });

  it('refuses bad records and counts, naming them', async () => {
    assert.throws(
      () => cifarBinaryBatch([{ label: 10, image: new Uint8Array(3072) }]),
      /cifarBinaryBatch: record 0: label must be an integer 0-9; got 10/,
    );
    assert.throws(
      () =>
        cifarBinaryBatch([
          { label: 1, image: new Uint8Array(3072) },
          { label: 1, image: new Uint8Array(5) },
        ]),
      /record 1: image must be 32x32x3 = 3072 bytes; got 5/,
    );
    await assert.rejects(
      writeFakeCifar10(fresh().src, { perBatch: -1 }),
      /writeFakeCifar10: option 'perBatch' must be a non-negative integer; got -1/,
    );
  });
});
