import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readMeta } from '../../src/data/meta_file.js';
import { layoutOf } from '../../src/data/schema.js';
import { ShardDataset } from '../../src/data/shard_dataset.js';
import { readShard, type ShardData } from '../../src/data/shard_reader.js';
import { SYNTHETIC_CLASSES, writeSyntheticDataset } from '../../src/data/synthetic.js';

const root = await mkdtemp(join(tmpdir(), 'bs-synth-'));
after(() => rm(root, { recursive: true, force: true }));
const S = 24;

async function readSplit(dir: string, split: string): Promise<ShardData[]> {
  const meta = await readMeta(dir);
  return Promise.all(meta.splits[split]!.shards.map((s) => readShard(join(dir, s.file), layoutOf(meta))));
}

// Shape silhouette features that ignore colour: |grey - mean grey| / std per image.
function features(d: ShardData): Float64Array[] {
  const px = S * S;
  return Array.from({ length: d.rows }, (_, r) => {
    const f = new Float64Array(px);
    let mean = 0;
    for (let i = 0; i < px; i++) {
      const o = (r * px + i) * 3;
      f[i] = (d.images[o]! + d.images[o + 1]! + d.images[o + 2]!) / 3;
      mean += f[i]! / px;
    }
    let v = 0;
    for (let i = 0; i < px; i++) v += (f[i]! - mean) ** 2 / px;
    for (let i = 0; i < px; i++) f[i] = Math.abs(f[i]! - mean) / Math.sqrt(v + 1e-9);
    return f;
  });
}

describe('synthetic shapes', () => {
  const dir = join(root, 'cls');
  before(async () => {
    await mkdir(dir);
    await writeSyntheticDataset({ outDir: dir, size: S, train: 2000, test: 1000, seed: 1, shardSize: 500 });
  });

  it('writes a valid dataset: balanced labels, difficulty column in [0, 1]', async () => {
    const meta = await readMeta(dir);
    assert.deepEqual(meta.classes, [...SYNTHETIC_CLASSES]);
    assert.equal(meta.difficulty, true);
    assert.deepEqual(meta.imageShape, [S, S, 3]);
    assert.equal(meta.splits.train?.count, 2000);
    const shards = await readSplit(dir, 'train');
    const counts = new Array(10).fill(0);
    for (const s of shards) {
      for (const l of s.labels!) counts[l]++;
      for (const d of s.difficulties!) assert.ok(d >= 0 && d <= 1);
    }
    assert.deepEqual(counts, new Array(10).fill(200));
  });

  it('difficulty makes samples harder: nearest-class-mean accuracy is higher on easy than on hard samples', async () => {
    const train = (await readSplit(dir, 'train')).flatMap((d) =>
      features(d).map((f, r) => ({ f, l: d.labels![r]! })),
    );
    const means = Array.from({ length: 10 }, () => new Float64Array(S * S));
    const n = new Array(10).fill(0);
    for (const { f, l } of train) {
      n[l]++;
      for (let i = 0; i < f.length; i++) means[l]![i]! += f[i]!;
    }
    means.forEach((m, l) => {
      for (let i = 0; i < m.length; i++) m[i]! /= n[l];
    });
    const acc = { easy: [0, 0], hard: [0, 0] };
    for (const d of await readSplit(dir, 'test')) {
      features(d).forEach((f, r) => {
        let best = 0;
        let bestDist = Number.POSITIVE_INFINITY;
        for (let l = 0; l < 10; l++) {
          let dist = 0;
          for (let i = 0; i < f.length; i++) dist += (f[i]! - means[l]![i]!) ** 2;
          if (dist < bestDist) [best, bestDist] = [l, dist];
        }
        const diff = d.difficulties![r]!;
        const bucket = diff < 1 / 3 ? acc.easy : diff > 2 / 3 ? acc.hard : null;
        if (bucket) {
          bucket[0]! += best === d.labels![r] ? 1 : 0;
          bucket[1]!++;
        }
      });
    }
    const easy = acc.easy[0]! / acc.easy[1]!;
    const hard = acc.hard[0]! / acc.hard[1]!;
    assert.ok(easy > hard + 0.15, `easy ${easy.toFixed(3)} vs hard ${hard.toFixed(3)}`);
    assert.ok(easy > 0.3, `easy accuracy ${easy} well above chance (0.1)`);
  });

  it('is deterministic from the seed, and a second run resumes without rewriting', async () => {
    const again = join(root, 'again');
    const other = join(root, 'other');
    await mkdir(again);
    await mkdir(other);
    const opts = { size: S, train: 120, test: 30, shardSize: 50 };
    await writeSyntheticDataset({ outDir: again, seed: 1, ...opts });
    await writeSyntheticDataset({ outDir: other, seed: 2, ...opts });
    const small = join(root, 'small', 'nested'); // created by the writer
    const progress: string[] = [];
    await writeSyntheticDataset({
      outDir: small,
      seed: 1,
      ...opts,
      onProgress: (d, t, s) => progress.push(`${s}${d}/${t}`),
    });
    assert.equal(progress.length, 150);
    assert.deepEqual(
      [progress[0], progress[119], progress[149]],
      ['train1/120', 'train120/120', 'test30/30'],
    );
    const a = await readFile(join(again, 'train-00001.arrow'));
    assert.deepEqual(a, await readFile(join(small, 'train-00001.arrow')));
    assert.notDeepEqual(a, await readFile(join(other, 'train-00001.arrow')));
    const before = await readFile(join(small, 'meta.json'), 'utf8');
    await writeSyntheticDataset({ outDir: small, seed: 1, ...opts });
    assert.equal(
      await readFile(join(small, 'meta.json'), 'utf8'),
      before,
      'resumed run gives the same meta (statistics)',
    );
  });

  it('segmentation variant: masks label shapes (class + 1), background 0, edges 255; loads with scaleCropFlip', async () => {
    const seg = join(root, 'seg');
    await mkdir(seg);
    const meta = await writeSyntheticDataset({
      outDir: seg,
      size: [32, 48],
      train: 20,
      test: 10,
      task: 'segmentation',
      shardSize: 8,
    });
    assert.deepEqual(meta.classes[0], 'background');
    assert.deepEqual(meta.maskShape, [32, 48]);
    const [d] = await readSplit(seg, 'train');
    assert.ok(d, 'no train shard');
    const values = new Set(d.masks!);
    assert.ok(values.has(0) && values.has(255));
    assert.ok([...values].every((v) => v === 255 || v <= 10));
    const ds = await ShardDataset.open(seg);
    const loader = ds.loader({
      split: 'train',
      batchSize: 8,
      shuffle: true,
      transform: { kind: 'scaleCropFlip', size: [24, 40], normalization: meta },
    });
    for await (const b of loader.epoch(0)) {
      assert.deepEqual(b.imageShape.slice(1), [24, 40, 3]);
      assert.equal(b.masks!.length, b.size * 24 * 40);
    }
  });
});
