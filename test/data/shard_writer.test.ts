import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tableFromIPC } from 'apache-arrow';
import { readMeta, writeMeta } from '../../src/data/meta_file.js';
import { SCHEMA_VERSION } from '../../src/data/schema.js';
import {
  type ShardRecord,
  ShardWriter,
  type ShardWriterOptions,
  splitMeta,
} from '../../src/data/shard_writer.js';
import { runPython, skipWithoutPython } from '../helpers/python_env.js';

const root = await mkdtemp(join(tmpdir(), 'bs-shards-'));
after(() => rm(root, { recursive: true, force: true }));
let dirCount = 0;
async function freshDir(): Promise<string> {
  const d = join(root, String(dirCount++));
  await (await import('node:fs/promises')).mkdir(d);
  return d;
}

const SHAPE: [number, number, number] = [2, 3, 3];
function record(i: number): ShardRecord {
  return {
    id: `img-${i}`,
    image: Uint8Array.from({ length: 18 }, (_, k) => (i * 31 + k * 5) % 256),
    label: i % 4,
  };
}

function opts(outDir: string, extra: Partial<ShardWriterOptions> = {}): ShardWriterOptions {
  return {
    outDir,
    split: 'train',
    task: 'classification',
    imageShape: SHAPE,
    numClasses: 4,
    shardSize: 4,
    ...extra,
  };
}

async function readShard(path: string) {
  return tableFromIPC(await readFile(path));
}

describe('ShardWriter', () => {
  it('writes shards of shardSize records in order, with the right contents', async () => {
    const dir = await freshDir();
    const w = await ShardWriter.open(opts(dir));
    for (let i = 0; i < 10; i++) await w.add(record(i));
    const res = await w.close();
    assert.equal(res.count, 10);
    assert.deepEqual(
      res.shards.map(({ file, count }) => ({ file, count })),
      [
        { file: 'train-00000.arrow', count: 4 },
        { file: 'train-00001.arrow', count: 4 },
        { file: 'train-00002.arrow', count: 2 },
      ],
    );
    // Each shard's SHA-256 is that of the file on disk (computed from the bytes written, not re-read).
    for (const s of res.shards) {
      assert.equal(
        s.sha256,
        createHash('sha256')
          .update(await readFile(join(dir, s.file)))
          .digest('hex'),
      );
    }
    assert.deepEqual(
      (await readdir(dir)).sort(),
      res.shards.map((s) => s.file),
    );
    let i = 0;
    for (const s of res.shards) {
      const t = await readShard(join(dir, s.file));
      for (let r = 0; r < t.numRows; r++, i++) {
        const row = t.get(r)!;
        assert.equal(row.id, `img-${i}`);
        assert.equal(row.label, i % 4);
        assert.deepEqual([...(row.image as { toArray(): Uint8Array }).toArray()], [...record(i).image]);
      }
    }
    // Mean over the whole split, computed directly on the records.
    const sums = [0, 0, 0];
    for (let k = 0; k < 10; k++) {
      for (const [p, v] of record(k).image.entries()) sums[p % 3]! += v;
    }
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(res.mean[c]! - sums[c]! / 60 / 255) < 1e-12);
  });

  it('an injected failure while writing a shard leaves no shard and no temporary file', async () => {
    const dir = await freshDir();
    const w = await ShardWriter.open(
      opts(dir, {
        hooks: {
          beforeCommit: (_tmp, path) => {
            if (path.endsWith('train-00001.arrow')) throw new Error('disk full (injected)');
          },
        },
      }),
    );
    for (let i = 0; i < 4; i++) await w.add(record(i));
    for (let i = 4; i < 7; i++) await w.add(record(i));
    await assert.rejects(w.add(record(7)), /injected/);
    assert.deepEqual(await readdir(dir), ['train-00000.arrow']);
  });

  it('resumes: complete shards are kept (not rewritten), the short tail and stale shards are redone', async () => {
    const dir = await freshDir();
    const w1 = await ShardWriter.open(opts(dir));
    for (let i = 0; i < 14; i++) await w1.add(record(i));
    const full = await w1.close();
    // Simulate a crash mid-way through a second, smaller run: shard 1 is lost, a temporary file is left.
    await rm(join(dir, 'train-00001.arrow'));
    await writeFile(join(dir, '.train-00002.arrow.123.deadbeef.tmp'), 'partial');
    await writeFile(join(dir, 'train-00002.arrow'), 'garbage, not arrow');
    const before = (await stat(join(dir, 'train-00000.arrow'))).mtimeMs;

    const w2 = await ShardWriter.open(opts(dir));
    assert.deepEqual(w2.doneShards(), [0]);
    assert.ok(!(await readdir(dir)).some((f) => f.endsWith('.tmp')), 'stale temporary file removed');
    let skipped = 0;
    for (let i = 0; i < 10; i++) {
      if (w2.nextIsDone()) {
        w2.skip(record(i).id);
        skipped++;
      } else await w2.add(record(i));
    }
    const res = await w2.close();
    assert.equal(skipped, 4);
    assert.deepEqual(res.reused, [0]);
    assert.equal((await stat(join(dir, 'train-00000.arrow'))).mtimeMs, before, 'done shard not rewritten');
    assert.deepEqual((await readdir(dir)).sort(), [
      'train-00000.arrow',
      'train-00001.arrow',
      'train-00002.arrow',
    ]);
    assert.equal((await readShard(join(dir, 'train-00002.arrow'))).numRows, 2);

    // Statistics of a resumed run equal those of a fresh run over the same 10 records.
    const fresh = await freshDir();
    const w3 = await ShardWriter.open(opts(fresh));
    for (let i = 0; i < 10; i++) await w3.add(record(i));
    const ref = await w3.close();
    assert.deepEqual(res.sums, ref.sums);
    assert.deepEqual(res.mean, ref.mean);
    assert.notDeepEqual(full.sums, ref.sums);
  });

  it('add() on a done shard validates and drops the record; a changed order is detected', async () => {
    const dir = await freshDir();
    const w1 = await ShardWriter.open(opts(dir));
    for (let i = 0; i < 8; i++) await w1.add(record(i));
    await w1.close();
    const w2 = await ShardWriter.open(opts(dir));
    assert.deepEqual(w2.doneShards(), [0, 1]);
    await w2.add(record(0));
    assert.equal(w2.nextPosition, 1);
    const w3 = await ShardWriter.open(opts(dir));
    await assert.rejects(w3.add(record(5)), /"img-5".*train-00000\.arrow.*"img-0"/);
    assert.throws(() => w3.skip('img-5'), /order/);
  });

  it('a shard of another layout is not reused', async () => {
    const dir = await freshDir();
    const w1 = await ShardWriter.open(opts(dir, { difficulty: true }));
    for (let i = 0; i < 4; i++) await w1.add({ ...record(i), difficulty: 0.5 });
    await w1.close();
    const w2 = await ShardWriter.open(opts(dir));
    assert.deepEqual(w2.doneShards(), []);
  });

  it('validates records with errors naming the record id', async () => {
    const dir = await freshDir();
    const w = await ShardWriter.open(opts(dir));
    await assert.rejects(
      w.add({ id: 'short', image: new Uint8Array(5), label: 0 }),
      /"short".*image.*18 bytes.*got 5/,
    );
    await assert.rejects(
      w.add({ id: 'lab', image: new Uint8Array(18), label: 4 }),
      /"lab".*label.*\[0, 4\).*got 4/,
    );
    await assert.rejects(w.add({ id: 'frac', image: new Uint8Array(18), label: 1.5 }), /"frac".*label/);
    await assert.rejects(
      w.add({ id: 'arr', image: [1, 2] as unknown as Uint8Array, label: 0 }),
      /"arr".*image: expected a Uint8Array/,
    );
    const s = await ShardWriter.open(opts(dir, { split: 'seg', task: 'segmentation', numClasses: 3 }));
    await assert.rejects(
      s.add({ id: 'm1', image: new Uint8Array(18), mask: new Uint8Array(5) }),
      /"m1".*mask.*6 bytes/,
    );
    await assert.rejects(
      s.add({ id: 'm2', image: new Uint8Array(18), mask: Uint8Array.of(0, 1, 2, 255, 3, 0) }),
      /"m2".*mask.*got 3 at pixel 4/,
    );
    await s.add({ id: 'ok', image: new Uint8Array(18), mask: Uint8Array.of(0, 1, 2, 255, 2, 0) });
    const d = await ShardWriter.open(opts(dir, { split: 'd', difficulty: true }));
    await assert.rejects(d.add({ ...record(0), difficulty: 1.5 }), /"img-0".*difficulty/);
  });

  it('rejects bad options naming the option', async () => {
    const dir = await freshDir();
    await assert.rejects(ShardWriter.open(opts(dir, { shardSize: 0 })), /options\.shardSize/);
    await assert.rejects(ShardWriter.open(opts(dir, { split: 'a-b' })), /options\.split/);
    await assert.rejects(ShardWriter.open(opts(dir, { imageShape: [2, 2] as never })), /options\.imageShape/);
    await assert.rejects(ShardWriter.open(opts(join(dir, 'nope'))), /options\.outDir/);
  });
});

describe('writeMeta / readMeta', () => {
  it('writes a validated meta.json that reads back equal, and refuses missing shards', async () => {
    const dir = await freshDir();
    const w = await ShardWriter.open(opts(dir));
    for (let i = 0; i < 6; i++) await w.add(record(i));
    const train = await w.close();
    const meta = {
      schemaVersion: SCHEMA_VERSION,
      name: 'toy',
      task: 'classification' as const,
      classes: ['a', 'b', 'c', 'd'],
      imageShape: SHAPE,
      splits: { train: splitMeta(train) },
      mean: train.mean,
      std: train.std,
      sources: [],
      difficulty: false,
    };
    await assert.rejects(
      writeMeta(dir, {
        ...meta,
        splits: { train: { count: 10, shards: [...train.shards, { file: 'train-00002.arrow', count: 4 }] } },
      }),
      /meta\.json.*missing train-00002\.arrow/,
    );
    await assert.rejects(readMeta(dir), /meta\.json: cannot read/);
    await writeMeta(dir, { ...meta, splits: { train } });
    assert.deepEqual(await readMeta(dir), meta);
    await writeFile(join(dir, 'meta.json'), '{"schemaVersion": 1');
    await assert.rejects(readMeta(dir), /meta\.json: not valid JSON/);
  });
});

// Python interop: pyarrow, pandas and Polars read our shards (classification with difficulty, segmentation)
// with the documented types and our values, in the project's .venv (scripts/python_env.sh; under CI a missing
// .venv fails these tests: test/helpers/python_env.ts). test/train/python_readback.test.ts reads a whole run.
const READ_SHARD = `
import sys, json, numpy as np, pandas as pd, polars as pl, pyarrow.ipc as ipc
path = sys.argv[1]
t = ipc.open_file(path).read_all()
df = pd.read_feather(path)
pf = pl.read_ipc(path)
shape = json.loads(t.schema.field('image').metadata[b'shape'])
img = t.column('image').combine_chunks()
out = {
  'types': [str(f.type) for f in t.schema],
  'pandas': {c: str(d) for c, d in df.dtypes.items()},
  'polars': {c: str(d) for c, d in pf.schema.items()},
  'shape': shape,
  'images': img.flatten().to_numpy().reshape(-1, *shape).tolist(),
  'images_pandas': np.stack(df['image']).reshape(-1, *shape).tolist(),
  'images_polars': pf['image'].to_numpy().reshape(-1, *shape).tolist(),
  'ids': df['id'].tolist(), 'ids_polars': pf['id'].to_list(),
}
for c in ('label', 'difficulty'):
    if c in df.columns: out[c] = df[c].tolist(); out[c + '_polars'] = pf[c].to_list()
if 'mask' in df.columns:
    out['masks'] = np.stack(df['mask']).tolist(); out['masks_polars'] = pf['mask'].to_numpy().tolist()
print(json.dumps(out))`;

describe('Python interop (pyarrow, pandas, Polars)', {
  skip: skipWithoutPython(['pandas', 'pyarrow', 'polars']),
}, () => {
  it('reads a classification shard with the expected types and values', async () => {
    const dir = await freshDir();
    const w = await ShardWriter.open(opts(dir, { difficulty: true }));
    for (let i = 0; i < 3; i++) await w.add({ ...record(i), difficulty: i / 4 });
    await w.close();
    const got = runPython<Record<string, unknown>>(READ_SHARD, [join(dir, 'train-00000.arrow')]);
    assert.deepEqual(got.types, ['fixed_size_list<item: uint8 not null>[18]', 'int32', 'string', 'float']);
    assert.deepEqual(got.pandas, { image: 'object', label: 'int32', id: 'object', difficulty: 'float32' });
    assert.deepEqual(got.polars, {
      image: 'Array(UInt8, shape=(18,))',
      label: 'Int32',
      id: 'String',
      difficulty: 'Float32',
    });
    assert.deepEqual(got.shape, SHAPE);
    const hwc = (flat: Uint8Array) =>
      Array.from({ length: SHAPE[0] }, (_, y) =>
        Array.from({ length: SHAPE[1] }, (_, x) =>
          Array.from({ length: SHAPE[2] }, (_, c) => flat[(y * SHAPE[1] + x) * SHAPE[2] + c]),
        ),
      );
    const want = [0, 1, 2].map((i) => hwc(record(i).image));
    assert.deepEqual(got.images, want);
    assert.deepEqual(got.images_pandas, want);
    assert.deepEqual(got.images_polars, want);
    assert.deepEqual(got.label, [0, 1, 2]);
    assert.deepEqual(got.label_polars, [0, 1, 2]);
    assert.deepEqual(got.ids, ['img-0', 'img-1', 'img-2']);
    assert.deepEqual(got.ids_polars, got.ids);
    assert.deepEqual(got.difficulty, [0, 0.25, 0.5]);
    assert.deepEqual(got.difficulty_polars, [0, 0.25, 0.5]);
  });

  it('reads a segmentation shard: the mask as uint8 per pixel, 255 kept', async () => {
    const dir = await freshDir();
    const s = await ShardWriter.open(opts(dir, { split: 'seg', task: 'segmentation', numClasses: 3 }));
    const masks = [Uint8Array.of(0, 1, 2, 255, 2, 0), Uint8Array.of(255, 255, 1, 1, 0, 2)];
    for (const [i, mask] of masks.entries()) await s.add({ id: `m${i}`, image: record(i).image, mask });
    await s.close();
    const got = runPython<Record<string, unknown>>(READ_SHARD, [join(dir, 'seg-00000.arrow')]);
    assert.deepEqual(got.types, [
      'fixed_size_list<item: uint8 not null>[18]',
      'fixed_size_list<item: uint8 not null>[6]',
      'string',
    ]);
    assert.deepEqual(got.pandas, { image: 'object', mask: 'object', id: 'object' });
    assert.deepEqual(got.polars, {
      image: 'Array(UInt8, shape=(18,))',
      mask: 'Array(UInt8, shape=(6,))',
      id: 'String',
    });
    const want = masks.map((m) => Array.from(m));
    assert.deepEqual(got.masks, want);
    assert.deepEqual(got.masks_polars, want);
    assert.deepEqual(got.ids, ['m0', 'm1']);
  });
});
