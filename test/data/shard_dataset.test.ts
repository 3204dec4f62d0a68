import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ShardDataset } from '../../src/data/shard_dataset.js';
import { writeSyntheticDataset } from '../../src/data/synthetic.js';

const dir = await mkdtemp(join(tmpdir(), 'bs-dataset-'));
after(() => rm(dir, { recursive: true, force: true }));

describe('ShardDataset', () => {
  it('opens a directory: splits, counts, loaders; errors name the split', async () => {
    await writeSyntheticDataset({ outDir: dir, size: 8, train: 30, test: 10, shardSize: 16 });
    const ds = await ShardDataset.open(dir);
    assert.deepEqual(ds.splits, ['train', 'test']);
    assert.equal(ds.count('train'), 30);
    assert.throws(() => ds.count('val'), /ShardDataset\.count: split.*val/);
    const loader = ds.loader({ split: 'test', batchSize: 4 });
    assert.equal(loader.stepsPerEpoch, 3);
    let n = 0;
    for await (const b of loader.epoch(0)) n += b.size;
    assert.equal(n, 10);
  });

  it("normalises with meta.json's mean/std when a transform spec gives none", async () => {
    const ds = await ShardDataset.open(dir);
    const { mean, std } = ds.meta;
    const raw = await ds
      .loader({
        split: 'test',
        batchSize: 10,
        transform: { kind: 'eval', normalization: { mean: [0, 0, 0], std: [1, 1, 1] } },
      })
      .epoch(0)
      .next();
    const norm = await ds
      .loader({ split: 'test', batchSize: 10, transform: { kind: 'eval' } })
      .epoch(0)
      .next();
    const a = raw.value!.images;
    const b = norm.value!.images;
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(b[i] - (a[i] - mean[i % 3]!) / std[i % 3]!) < 1e-4);
  });

  it('refuses a directory without meta.json', async () => {
    await assert.rejects(ShardDataset.open(join(dir, 'missing')), /readMeta: .*meta\.json: cannot read/);
  });
});
