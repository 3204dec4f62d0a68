import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Batch, BatchLoader } from '../../src/data/batch_loader.js';
import { writeMeta } from '../../src/data/meta_file.js';
import { SCHEMA_VERSION } from '../../src/data/schema.js';
import { ShardDataset } from '../../src/data/shard_dataset.js';
import { ShardWriter } from '../../src/data/shard_writer.js';

const N = 23;
const SHAPE: [number, number, number] = [4, 4, 3];
let dir = '';
let ds: ShardDataset;

// Sample i: every pixel of channel c equals (i * 3 + c) % 256, label i % 5, id s<i>.
function image(i: number): Uint8Array {
  return Uint8Array.from({ length: 48 }, (_, k) => (i * 3 + (k % 3)) % 256);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bs-loader-'));
  const w = await ShardWriter.open({
    outDir: dir,
    split: 'train',
    task: 'classification',
    imageShape: SHAPE,
    shardSize: 8,
  });
  for (let i = 0; i < N; i++) await w.add({ id: `s${i}`, image: image(i), label: i % 5 });
  const train = await w.close();
  await writeMeta(dir, {
    schemaVersion: SCHEMA_VERSION,
    name: 'toy',
    task: 'classification',
    classes: ['a', 'b', 'c', 'd', 'e'],
    imageShape: SHAPE,
    splits: { train },
    mean: [0, 0, 0],
    std: [1, 1, 1],
    sources: [],
    difficulty: false,
  });
  ds = await ShardDataset.open(dir);
});
after(() => rm(dir, { recursive: true, force: true }));

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}
const idsOf = (bs: Batch[]) => bs.flatMap((b) => b.ids);
const num = (id: string) => Number(id.slice(1));

describe('BatchLoader', () => {
  it('unshuffled: file order, right labels and pixels, short last batch', async () => {
    const loader = ds.loader({ split: 'train', batchSize: 5 });
    assert.equal(loader.stepsPerEpoch, 5);
    const bs = await collect(loader.epoch(0));
    assert.deepEqual(
      idsOf(bs),
      Array.from({ length: N }, (_, i) => `s${i}`),
    );
    assert.deepEqual(
      bs.map((b) => b.size),
      [5, 5, 5, 5, 3],
    );
    const last = bs[4]!;
    assert.deepEqual(last.imageShape, [3, 4, 4, 3]);
    for (let k = 0; k < last.size; k++) {
      const i = num(last.ids[k]!);
      assert.equal(last.labels![k], i % 5);
      // Default transform normalises with meta mean 0 / std 1: pixel / 255.
      assert.ok(Math.abs(last.images[k * 48 + 2]! - ((i * 3 + 2) % 256) / 255) < 1e-6);
    }
  });

  for (const bufferBytes of [48 * 8, 1 << 20]) {
    const what = bufferBytes < 1000 ? 'one shard per block' : 'whole split in one block';
    it(`shuffled (${what}): every sample exactly once per epoch, label follows the sample`, async () => {
      const loader = ds.loader({
        split: 'train',
        batchSize: 4,
        shuffle: true,
        seed: 3,
        shuffleBufferBytes: bufferBytes,
      });
      assert.equal(loader.plan(0).blocks.length, bufferBytes < 1000 ? 3 : 1);
      for (const epoch of [0, 1]) {
        const bs = await collect(loader.epoch(epoch));
        const ids = idsOf(bs);
        assert.deepEqual([...ids].sort(), Array.from({ length: N }, (_, i) => `s${i}`).sort());
        for (const b of bs) for (const [k, id] of b.ids.entries()) assert.equal(b.labels![k], num(id) % 5);
        assert.notDeepEqual(
          ids,
          Array.from({ length: N }, (_, i) => `s${i}`),
          'order is shuffled',
        );
      }
    });
  }

  it('seeded: same seed -> same order and same augmented pixels; other seed or epoch -> other order', async () => {
    const opts = {
      split: 'train',
      batchSize: 4,
      shuffle: true,
      transform: { kind: 'padCropFlip' as const, pad: 1 },
    };
    const a = await collect(ds.loader({ ...opts, seed: 7 }).epoch(2));
    const b = await collect(ds.loader({ ...opts, seed: 7 }).epoch(2));
    assert.deepEqual(idsOf(a), idsOf(b));
    for (const [i, x] of a.entries()) assert.deepEqual(x.images, b[i]!.images);
    const c = await collect(ds.loader({ ...opts, seed: 8 }).epoch(2));
    const d = await collect(ds.loader({ ...opts, seed: 7 }).epoch(3));
    assert.notDeepEqual(idsOf(a), idsOf(c));
    assert.notDeepEqual(idsOf(a), idsOf(d));
  });

  it('resumes mid-epoch: batches from startStep equal those of the full epoch', async () => {
    const loader = ds.loader({
      split: 'train',
      batchSize: 3,
      shuffle: true,
      seed: 1,
      shuffleBufferBytes: 48 * 8,
      transform: { kind: 'padCropFlip' },
    });
    const full = await collect(loader.epoch(4));
    const resumed = await collect(loader.epoch(4, { startStep: 5 }));
    assert.equal(resumed[0]!.step, 5);
    assert.deepEqual(idsOf(resumed), idsOf(full.slice(5)));
    for (const [i, x] of resumed.entries()) assert.deepEqual(x.images, full[5 + i]!.images);
    // A fresh loader object (new process after a crash) gives the same too.
    const again = await collect(ds.loader(loader.options).epoch(4, { startStep: 7 }));
    assert.deepEqual(idsOf(again), idsOf(full.slice(7)));
  });

  it('dropLast drops the short batch', async () => {
    const loader = ds.loader({ split: 'train', batchSize: 5, shuffle: true, dropLast: true });
    assert.equal(loader.stepsPerEpoch, 4);
    const bs = await collect(loader.epoch(0));
    assert.deepEqual(
      bs.map((b) => b.size),
      [5, 5, 5, 5],
    );
    assert.equal(new Set(idsOf(bs)).size, 20);
  });

  it('worker threads give exactly the in-thread batches', async () => {
    const opts = {
      split: 'train',
      batchSize: 4,
      shuffle: true,
      seed: 5,
      transform: { kind: 'padCropFlip' as const },
    };
    const inThread = await collect(ds.loader(opts).epoch(1, { startStep: 1 }));
    const threaded = await collect(
      ds.loader({ ...opts, workers: 2, prefetch: 1 }).epoch(1, { startStep: 1 }),
    );
    assert.deepEqual(
      threaded.map((b) => b.step),
      inThread.map((b) => b.step),
    );
    threaded.forEach((x, i) => {
      assert.deepEqual(x.ids, inThread[i]!.ids);
      assert.deepEqual(x.images, inThread[i]!.images);
      assert.deepEqual(x.labels, inThread[i]!.labels);
    });
  });

  it('stopping early (break) ends cleanly; a worker pool then serves the next epochs correctly', async () => {
    const opts = {
      split: 'train',
      batchSize: 2,
      shuffle: true,
      seed: 2,
      transform: { kind: 'padCropFlip' as const },
    };
    for (const workers of [0, 2]) {
      const loader: BatchLoader = ds.loader({ ...opts, workers });
      let seen = 0;
      for await (const _ of loader.epoch(0)) if (++seen === 2) break;
      assert.equal(seen, 2);
      // Same loader (same pool): later epochs are complete and equal to the in-thread ones.
      for (const epoch of [1, 2]) {
        const got = await collect(loader.epoch(epoch));
        const want = await collect(ds.loader(opts).epoch(epoch));
        assert.deepEqual(idsOf(got), idsOf(want));
        assert.deepEqual(got.at(-1)!.images, want.at(-1)!.images);
      }
      await loader.close();
    }
  });

  it('rejects bad options naming them', () => {
    assert.throws(() => ds.loader({ split: 'val', batchSize: 2 }), /options\.split.*train.*val/);
    assert.throws(() => ds.loader({ split: 'train', batchSize: 0 }), /options\.batchSize/);
    assert.throws(() => ds.loader({ split: 'train', batchSize: 2 }).epoch(0, { startStep: 99 }), /startStep/);
  });
});
