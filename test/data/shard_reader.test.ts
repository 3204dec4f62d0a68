import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { ShardLayout } from '../../src/data/schema.js';
import { readShard, shardDataFromTable } from '../../src/data/shard_reader.js';
import { encodeShard } from '../../src/data/shard_writer.js';

const dir = await mkdtemp(join(tmpdir(), 'bs-reader-'));
after(() => rm(dir, { recursive: true, force: true }));
const layout: ShardLayout = { task: 'classification', imageShape: [2, 2, 1], difficulty: true };

function shard(first: number, rows: number): Uint8Array {
  return encodeShard(layout, new Map(), {
    images: Uint8Array.from({ length: rows * 4 }, (_, i) => first * 4 + i),
    labels: Int32Array.from({ length: rows }, (_, i) => first + i),
    ids: Array.from({ length: rows }, (_, i) => `r${first + i}`),
    difficulties: Float32Array.from({ length: rows }, (_, i) => (first + i) / 10),
  });
}

describe('readShard', () => {
  it('reads columns as flat arrays; single-batch images are a view of the file buffer', async () => {
    const path = join(dir, 'a.arrow');
    await writeFile(path, shard(0, 3));
    const d = await readShard(path, layout);
    assert.equal(d.rows, 3);
    assert.deepEqual(
      [...d.images],
      Array.from({ length: 12 }, (_, i) => i),
    );
    assert.deepEqual([...d.labels!], [0, 1, 2]);
    assert.deepEqual(d.ids, ['r0', 'r1', 'r2']);
    assert.deepEqual([...d.difficulties!], [0, 0.1, 0.2].map(Math.fround));
    const bytes = await readFile(path);
    const t = tableFromIPC(bytes);
    assert.equal(shardDataFromTable(t, layout).images.buffer, bytes.buffer);
  });

  it('concatenates a shard written as several record batches (as other Arrow writers may)', () => {
    const a = tableFromIPC(shard(0, 2));
    const b = tableFromIPC(shard(2, 3));
    const t = tableFromIPC(tableToIPC(new Table(a.schema, [...a.batches, ...b.batches]), 'file'));
    assert.equal(t.batches.length, 2);
    const d = shardDataFromTable(t, layout);
    assert.equal(d.rows, 5);
    assert.deepEqual(
      [...d.images],
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.deepEqual([...d.labels!], [0, 1, 2, 3, 4]);
    assert.deepEqual(d.ids, ['r0', 'r1', 'r2', 'r3', 'r4']);
  });

  it('errors name the file: unreadable bytes, other schema', async () => {
    const bad = join(dir, 'bad.arrow');
    await writeFile(bad, 'not arrow');
    await assert.rejects(readShard(bad, layout), /readShard: .*bad\.arrow: not a readable Arrow IPC file/);
    const other = join(dir, 'other.arrow');
    await writeFile(other, shard(0, 1));
    await assert.rejects(readShard(other, { ...layout, imageShape: [2, 2, 3] }), /other\.arrow.*"image"/);
  });
});
