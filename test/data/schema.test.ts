import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type, tableFromIPC } from 'apache-arrow';
import { MetaValidationError, validateMeta } from '../../src/data/meta_schema.js';
import {
  checkShardSchema,
  type DatasetMeta,
  parseShardFileName,
  SCHEMA_VERSION,
  shardFileName,
  shardSchema,
} from '../../src/data/schema.js';
import { encodeShard } from '../../src/data/shard_writer.js';

function goodMeta(): DatasetMeta {
  return {
    schemaVersion: SCHEMA_VERSION,
    name: 'toy',
    task: 'classification',
    classes: ['a', 'b'],
    imageShape: [2, 2, 3],
    splits: { train: { count: 3, shards: [{ file: 'train-00000.arrow', count: 3 }] } },
    mean: [0.5, 0.5, 0.5],
    std: [0.2, 0.2, 0.2],
    sources: [{ name: 'x.tar', sha256: 'a'.repeat(64) }],
    difficulty: false,
  };
}

describe('shard schema', () => {
  it('round-trips a classification shard: write -> read equal, zero-copy image column', () => {
    const layout = {
      task: 'classification' as const,
      imageShape: [2, 3, 3] as [number, number, number],
      difficulty: true,
    };
    const images = Uint8Array.from({ length: 3 * 18 }, (_, i) => (i * 7) % 256);
    const bytes = encodeShard(layout, new Map([['k', 'v']]), {
      images,
      labels: Int32Array.from([4, 0, 9]),
      ids: ['x', 'é/ü', ''],
      difficulties: Float32Array.from([0, 0.5, 1]),
    });
    const t = tableFromIPC(bytes);
    checkShardSchema(t.schema, layout, 'mem');
    assert.equal(t.numRows, 3);
    assert.equal(t.schema.metadata.get('k'), 'v');
    const img = t.getChild('image')!.data[0]!;
    const child = img.children[0]!;
    const values = child.values.subarray(child.offset, child.offset + child.length);
    assert.deepEqual([...values], [...images]);
    assert.equal(values.buffer, bytes.buffer, 'image bytes are a view of the IPC buffer');
    assert.deepEqual([...t.getChild('label')!.toArray()], [4, 0, 9]);
    assert.deepEqual([...t.getChild('id')!], ['x', 'é/ü', '']);
    assert.equal(t.getChild('id')!.type.typeId, Type.Utf8, 'id is plain Utf8, not a dictionary');
    assert.deepEqual([...t.getChild('difficulty')!.toArray()], [0, 0.5, 1]);
    assert.equal(t.schema.fields[0]!.metadata.get('shape'), '[2,3,3]');
  });

  it('round-trips a segmentation shard with its mask column', () => {
    const layout = { task: 'segmentation' as const, imageShape: [2, 2, 1] as [number, number, number] };
    const masks = Uint8Array.from([0, 1, 255, 2, 3, 3, 0, 255]);
    const bytes = encodeShard(layout, new Map(), { images: new Uint8Array(8), masks, ids: ['a', 'b'] });
    const t = tableFromIPC(bytes);
    checkShardSchema(t.schema, layout, 'mem');
    assert.deepEqual(
      t.schema.fields.map((f) => f.name),
      ['image', 'mask', 'id'],
    );
    const m = t.getChild('mask')!.data[0]!.children[0]!;
    assert.deepEqual([...m.values.subarray(m.offset, m.offset + m.length)], [...masks]);
  });

  it('checkShardSchema names the file and the column that differs', () => {
    const a = shardSchema({ task: 'classification', imageShape: [2, 2, 3] });
    assert.throws(
      () => checkShardSchema(a, { task: 'classification', imageShape: [2, 2, 1] }, 'f.arrow'),
      /f\.arrow.*"image"/,
    );
    assert.throws(
      () => checkShardSchema(a, { task: 'segmentation', imageShape: [2, 2, 3] }, 'g.arrow'),
      /g\.arrow.*columns/,
    );
  });

  it('shard file names round-trip', () => {
    assert.equal(shardFileName('train', 3), 'train-00003.arrow');
    assert.equal(parseShardFileName('train-00003.arrow', 'train'), 3);
    assert.equal(parseShardFileName('train-00003.arrow', 'val'), null);
    assert.equal(parseShardFileName('train-3.arrow', 'train'), null);
    assert.equal(parseShardFileName('train_x-00003.arrow', 'train'), null);
  });
});

describe('validateMeta', () => {
  it('accepts a well-formed meta', () => {
    assert.deepEqual(validateMeta(goodMeta(), 'm.json'), goodMeta());
  });

  const cases: [string, (m: Record<string, unknown>) => void, RegExp][] = [
    ['schemaVersion', (m) => (m.schemaVersion = 99), /"schemaVersion": expected 1, got 99/],
    ['task', (m) => (m.task = 'detection'), /"task"/],
    ['classes', (m) => (m.classes = ['a', 'a']), /"classes\[1\]": expected a unique name/],
    ['imageShape', (m) => (m.imageShape = [2, 2]), /"imageShape"/],
    [
      'split count',
      (m) => ((m.splits as DatasetMeta['splits']).train!.count = 4),
      /"splits\.train\.count": expected the sum.*\(3\), got 4/,
    ],
    [
      'shard file',
      (m) => ((m.splits as DatasetMeta['splits']).train!.shards[0]!.file = 'x.arrow'),
      /"splits\.train\.shards\[0\]\.file"/,
    ],
    ['mean length', (m) => (m.mean = [0.5]), /"mean": expected 3 numbers/],
    ['std zero', (m) => (m.std = [0, 0.1, 0.1]), /"std"/],
    ['sha256', (m) => (m.sources = [{ name: 'x', sha256: 'XYZ' }]), /"sources\[0\]\.sha256"/],
    ['difficulty', (m) => delete m.difficulty, /"difficulty": expected a boolean/],
    [
      'maskShape for segmentation',
      (m) => (m.task = 'segmentation'),
      /"maskShape".*required for segmentation/,
    ],
  ];
  for (const [what, mutate, pattern] of cases) {
    it(`rejects a bad ${what}, naming the file and field`, () => {
      const m = goodMeta() as unknown as Record<string, unknown>;
      mutate(m);
      assert.throws(
        () => validateMeta(m, '/d/meta.json'),
        (err: unknown) =>
          err instanceof MetaValidationError &&
          /\/d\/meta\.json/.test(err.message) &&
          pattern.test(err.message),
      );
    });
  }

  it('reports every problem at once', () => {
    const m = { ...goodMeta(), name: '', mean: [2, 0, 0], difficulty: 'no' };
    assert.throws(
      () => validateMeta(m, 'm.json'),
      (err: unknown) => err instanceof MetaValidationError && err.errors.length === 3,
    );
  });

  it('rejects a non-object', () => {
    assert.throws(() => validateMeta([], 'm.json'), /m\.json[\s\S]*JSON object/);
  });
});
