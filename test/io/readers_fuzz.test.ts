// Property-based fuzzing of every reader of user files: random truncations and byte flips of a valid file give
// either a named error (an Error of a foreseen kind whose message names the file) or a load that is sound
// (what a digest verified, or a structurally valid value), never a crash, a hang or an unforeseen TypeError.
// Seeded and bounded: the same cases run on every machine, within seconds.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import sharp from 'sharp';
import { readGateRecords } from '../../src/analysis/gate_records_arrow.js';
import { readMeta, writeMeta } from '../../src/data/meta_file.js';
import { parseCifarBatch } from '../../src/data/prepare/cifar_binary.js';
import { parseIdx } from '../../src/data/prepare/idx_format.js';
import { decodeSquare } from '../../src/data/prepare/image_ops.js';
import { readMat5 } from '../../src/data/prepare/mat5_reader.js';
import { readTarEntries } from '../../src/data/prepare/tar_entries.js';
import { ZipArchive } from '../../src/data/prepare/zip_archive.js';
import { layoutOf, SCHEMA_VERSION } from '../../src/data/schema.js';
import { readShard } from '../../src/data/shard_reader.js';
import { ShardWriter } from '../../src/data/shard_writer.js';
import { disposeCheckpoint, loadCheckpoint, saveCheckpoint } from '../../src/models/checkpoint.js';
import { readMetricsTable, writeMetricsTable } from '../../src/train/metrics_table.js';
import { getPreset } from '../../src/train/presets.js';
import { readRunConfig } from '../../src/train/run_state.js';
import { syntheticRecords } from '../analysis/synthetic_records.js';
import { cifarBatchBytes } from '../fixtures/datasets/cifar_fixture.js';
import { idxBytes } from '../fixtures/datasets/idx_fixture.js';
import { writeMat5Struct } from '../fixtures/datasets/mat5_writer.js';
import { zipBytes } from '../fixtures/datasets/zip_writer.js';
import { useBackend } from '../helpers/backends.js';

const SEED = 20261203;
const RUNS = 40;
const UNFORESEEN = new Set(['TypeError', 'ReferenceError', 'RangeError', 'SyntaxError']);
const root = mkdtempSync(join(tmpdir(), 'bs-fuzz-'));
after(() => rmSync(root, { recursive: true, force: true }));

type Damage = { kind: 'truncate'; length: number } | { kind: 'flip'; flips: { at: number; xor: number }[] };

/** Truncations to any shorter length, or 1-3 bytes XORed with a non-zero value. */
function damage(n: number): fc.Arbitrary<Damage> {
  return fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), length: fc.nat(n - 1) }),
    fc.record({
      kind: fc.constant('flip' as const),
      flips: fc.array(fc.record({ at: fc.nat(n - 1), xor: fc.integer({ min: 1, max: 255 }) }), {
        minLength: 1,
        maxLength: 3,
      }),
    }),
  );
}

function apply(bytes: Uint8Array, d: Damage): Buffer {
  if (d.kind === 'truncate') return Buffer.from(bytes.subarray(0, d.length));
  const out = Buffer.from(bytes);
  for (const f of d.flips) out[f.at] = out[f.at]! ^ f.xor;
  return out;
}

/** Runs `read` on damaged copies; each must throw a named error (naming `label`) or pass `sound`. */
async function fuzz<T>(
  valid: Uint8Array,
  label: string,
  read: (bytes: Buffer) => Promise<T>,
  sound: (value: T) => void,
  options: { nameInMessage?: boolean; errorClass?: string } = {},
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(damage(valid.byteLength), async (d) => {
      let value: T;
      try {
        value = await read(apply(valid, d));
      } catch (err) {
        assert.ok(err instanceof Error, `threw a non-Error: ${String(err)}`);
        assert.ok(!UNFORESEEN.has(err.name), `unforeseen ${err.name}: ${err.message}`);
        if (options.errorClass !== undefined) assert.equal(err.name, options.errorClass, err.message);
        if (options.nameInMessage !== false) {
          assert.ok(err.message.includes(label), `message does not name ${label}: ${err.message}`);
        }
        return;
      }
      sound(value);
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
}

/** Writes damaged bytes to `file` and reads them with `read(file)`. */
function viaFile<T>(file: string, read: (path: string) => Promise<T>): (bytes: Buffer) => Promise<T> {
  return async (bytes) => {
    writeFileSync(file, bytes);
    return read(file);
  };
}

describe('readers under random truncation and byte flips', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('checkpoints: damaged or verified identical', async () => {
    const path = join(root, 'ckpt.safetensors');
    const w = tf.tensor2d([1.5, -2, 3, 4.25], [2, 2]);
    const steps = tf.tensor1d([7], 'int32');
    await saveCheckpoint(path, {
      tensors: { 'fc.weight': w, steps },
      config: { name: 'resnet20', width: 0.5 },
      extra: { epoch: 2 },
    });
    const valid = (await import('node:fs')).readFileSync(path);
    const expected = [...(await w.data())];
    tf.dispose([w, steps]);
    const damaged = join(root, 'damaged.safetensors');
    await fuzz(
      valid,
      damaged,
      viaFile(damaged, (p) => loadCheckpoint(p)),
      (loaded) => {
        // Only header padding can change without changing the content; then the content must be intact.
        assert.equal(loaded.verified, true);
        assert.deepEqual([...loaded.tensors['fc.weight']!.dataSync()], expected);
        assert.deepEqual(loaded.extra, { epoch: 2 });
        disposeCheckpoint(loaded);
      },
    );
  });

  it('dataset shards (with their meta.json digest) and meta.json itself', async () => {
    const dir = join(root, 'ds');
    mkdirSync(dir, { recursive: true });
    const writer = await ShardWriter.open({
      outDir: dir,
      split: 'train',
      task: 'classification',
      imageShape: [4, 4, 1],
      shardSize: 8,
      numClasses: 3,
    });
    for (let i = 0; i < 6; i++) {
      await writer.add({ id: `r${i}`, image: new Uint8Array(16).fill(i * 20), label: i % 3 });
    }
    const split = await writer.close();
    const meta = {
      schemaVersion: SCHEMA_VERSION,
      name: 'fuzz',
      task: 'classification' as const,
      classes: ['a', 'b', 'c'],
      imageShape: [4, 4, 1] as [number, number, number],
      splits: { train: split },
      mean: split.mean,
      std: split.std,
      sources: [],
      difficulty: false,
    };
    await writeMeta(dir, meta);
    const validMeta = await readMeta(dir);
    const shard = validMeta.splits.train!.shards[0]!;
    const { readFileSync } = await import('node:fs');
    const shardPath = join(dir, shard.file);
    const validShard = readFileSync(shardPath);
    const damagedShard = join(root, 'damaged-shard.arrow');
    await fuzz(
      validShard,
      damagedShard,
      viaFile(damagedShard, (p) => readShard(p, layoutOf(validMeta), shard.sha256)),
      () => assert.fail('a damaged shard passed its digest'),
    );
    const metaPath = join(dir, 'meta.json');
    const validMetaBytes = readFileSync(metaPath);
    await fuzz(
      validMetaBytes,
      metaPath,
      viaFile(metaPath, () => readMeta(dir)),
      (m) =>
        assert.equal(
          m.splits.train!.count,
          m.splits.train!.shards.reduce((n, s) => n + s.count, 0),
        ),
    );
  });

  it('a run config.json and a metrics table', async () => {
    const run = join(root, 'run');
    mkdirSync(run, { recursive: true });
    const config = Buffer.from(JSON.stringify(getPreset('tiny'), null, 2));
    const configPath = join(run, 'config.json');
    await fuzz(
      config,
      configPath,
      viaFile(configPath, () => readRunConfig(run)),
      (c) => assert.ok(c.epochs >= 1),
    );
    const metricsPath = join(root, 'epochs.arrow');
    await writeMetricsTable(metricsPath, [
      { epoch: 1, loss: 0.5, top1: 0.8 },
      { epoch: 2, loss: 0.4, top1: 0.85 },
    ]);
    const valid = (await import('node:fs')).readFileSync(metricsPath);
    const damaged = join(root, 'damaged-epochs.arrow');
    await fuzz(
      valid,
      damaged,
      viaFile(damaged, (p) => readMetricsTable(p)),
      (rows) => assert.ok(Array.isArray(rows)),
    );
  });

  it('gate records', async () => {
    const { encodeGateRecords } = await import('../../src/analysis/gate_records_arrow.js');
    const valid = encodeGateRecords(syntheticRecords(12));
    const damaged = join(root, 'records.arrow');
    await fuzz(
      valid,
      damaged,
      viaFile(damaged, (p) => readGateRecords(p)),
      (r) => assert.equal(r.ids.length, r.count),
    );
  });

  it('raw dataset formats: IDX (plain and gzipped), CIFAR binary, tar, zip, MAT v5', async () => {
    const images = Uint8Array.from({ length: 3 * 28 * 28 }, (_, i) => i % 251);
    for (const [valid, label] of [
      [idxBytes([3, 28, 28], images), 'x-idx3-ubyte'],
      [gzipSync(idxBytes([3, 28, 28], images)), 'x-idx3-ubyte.gz'],
    ] as const) {
      await fuzz(
        valid,
        label,
        async (b) => parseIdx(b, label),
        (idx) =>
          assert.equal(
            idx.data.length,
            idx.dims.reduce((a, b) => a * b, 1),
          ),
      );
    }
    await fuzz(
      cifarBatchBytes(1, 3),
      'data_batch_1.bin',
      async (b) => parseCifarBatch(b, 'data_batch_1.bin'),
      (records) => assert.ok(records.every((r) => r.label >= 0 && r.label < 10)),
    );
    const tarValid = await tarOf({ 'a.txt': 'hello', 'sub/b.bin': 'x'.repeat(1500) });
    await fuzz(
      tarValid,
      'fuzz.tar',
      async (b) => {
        const out: string[] = [];
        for await (const e of readTarEntries(b, { label: 'fuzz.tar' })) out.push(e.path);
        return out;
      },
      (paths) => assert.ok(paths.every((p) => !p.includes('..'))),
    );
    const zipPath = join(root, 'fuzz.zip');
    await fuzz(
      zipBytes([
        { name: 'gtFine/a.png', data: Buffer.from('x'.repeat(300)) },
        { name: 'b.txt', data: Buffer.from('hello'), store: true },
      ]),
      zipPath,
      viaFile(zipPath, async (p) => {
        const zip = await ZipArchive.open(p);
        try {
          return await Promise.all(zip.names().map((n) => zip.read(n)));
        } finally {
          zip.close();
        }
      }),
      (members) => assert.ok(members.length <= 2),
    );
    await fuzz(
      writeMat5Struct('synsets', [
        { ILSVRC2012_ID: 1, WNID: 'n01440764', words: 'tench' },
        { ILSVRC2012_ID: 2, WNID: 'n01443537', words: 'goldfish' },
      ]),
      'meta.mat',
      async (b) => readMat5(b),
      (vars) => assert.equal(typeof vars, 'object'),
      { nameInMessage: false, errorClass: 'MatFormatError' },
    );
  });

  it('PNG and JPEG images', async () => {
    const raw = Buffer.from(Uint8Array.from({ length: 24 * 20 * 3 }, (_, i) => (i * 13) % 256));
    const image = sharp(raw, { raw: { width: 24, height: 20, channels: 3 } });
    for (const valid of [await image.clone().png().toBuffer(), await image.clone().jpeg().toBuffer()]) {
      await fuzz(
        valid,
        'image',
        (b) => decodeSquare(b, 16),
        (px) => assert.equal(px.data.length, 16 * 16 * 3),
        { nameInMessage: false },
      );
    }
  });
});

/** A small tar of the given members (node-tar, from a temporary folder). */
async function tarOf(members: Record<string, string>): Promise<Buffer> {
  const tar = await import('tar');
  const { mkdtempSync: mk, readFileSync } = await import('node:fs');
  const src = mk(join(root, 'tar-'));
  for (const [name, text] of Object.entries(members)) {
    mkdirSync(join(src, name, '..'), { recursive: true });
    writeFileSync(join(src, name), text);
  }
  const file = join(root, 'valid.tar');
  await tar.create({ file, cwd: src, portable: true }, Object.keys(members));
  return readFileSync(file);
}
