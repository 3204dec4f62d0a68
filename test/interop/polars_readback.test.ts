// Every Arrow file the project writes, read back by a second Arrow implementation: Polars (npm nodejs-polars,
// the Rust arrow/polars readers in a prebuilt binary). A real `tiny` training run writes the synthetic
// dataset's shards and its metrics tables (metrics/steps_epoch_NNNN.arrow, metrics/epochs.arrow), `analyze`
// records its gates (analysis/gate_records.arrow), and a segmentation shard with masks and difficulty comes from
// ShardWriter. For each file: the same columns in the same order, the Polars type each Arrow type should map to,
// the same row count and every value equal (floats bit for bit, NaN included) to what apache-arrow, the writer's
// own library, decodes. Polars reads IPC *file* bytes here (its path reader accepts only '.ipc' names).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DataType, type Field, Type, tableFromIPC } from 'apache-arrow';
import pl from 'nodejs-polars';
import { runAnalyzeCommand } from '../../src/cli/analyze_command.js';
import { ShardWriter } from '../../src/data/shard_writer.js';
import { getPreset } from '../../src/train/presets.js';
import { train } from '../../src/train/trainer.js';
import { useBackend } from '../helpers/backends.js';

let root = '';

function arrowFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...arrowFiles(path));
    else if (entry.endsWith('.arrow')) out.push(path);
  }
  return out.sort();
}

/** The Polars data type an Arrow field must come back as (nodejs-polars' String() of a DataType). */
function polarsType(type: DataType): string {
  switch (type.typeId) {
    case Type.Utf8:
      return 'DataType(String)';
    case Type.Bool:
      return 'DataType(Bool)';
    case Type.Int:
      return `DataType(${(type as unknown as { isSigned: boolean }).isSigned ? 'Int' : 'UInt'}${(type as unknown as { bitWidth: number }).bitWidth})`;
    case Type.Float: {
      const precision = (type as unknown as { precision: number }).precision;
      return `DataType(Float${precision === 1 ? 32 : precision === 2 ? 64 : 16})`;
    }
    case Type.FixedSizeList: {
      const t = type as unknown as { listSize: number; children: Field[] };
      return `DataType(FixedSizeList(${polarsType(t.children[0]!.type)},${t.listSize}))`;
    }
    default:
      throw new Error(`polarsType: no expectation for Arrow type ${String(type)}`);
  }
}

/** A value as plain JS: list rows as number arrays, the rest as they are. */
function plain(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && 'toArray' in v) {
    return Array.from((v as { toArray(): ArrayLike<unknown> }).toArray() as ArrayLike<unknown>, plain);
  }
  if (typeof v === 'bigint') return Number(v);
  return v;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return Object.is(a, b) || (typeof a === 'number' && typeof b === 'number' && a === b);
}

/** Compares one file as Polars and apache-arrow read it; returns the column names. */
function compareFile(path: string): string[] {
  const bytes = readFileSync(path);
  const expected = tableFromIPC(bytes);
  const df = pl.readIPC(bytes);
  const names = expected.schema.fields.map((f) => f.name);
  const where = relative(root, path);
  assert.deepEqual(df.columns, names, `${where}: columns`);
  assert.equal(df.height, expected.numRows, `${where}: rows`);
  for (const field of expected.schema.fields) {
    const series = df.getColumn(field.name);
    assert.equal(String(series.dtype), polarsType(field.type), `${where}: type of '${field.name}'`);
    const got = series.toArray() as unknown[];
    const column = expected.getChild(field.name)!;
    for (let i = 0; i < expected.numRows; i++) {
      const want = plain(column.get(i));
      const have = plain(got[i]);
      assert.ok(
        sameValue(have, want),
        `${where}: '${field.name}'[${i}]: polars ${String(have)}, arrow ${String(want)}`,
      );
    }
  }
  return names;
}

describe('Arrow files read back by Polars (nodejs-polars)', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'bs-polars-'));
    await useBackend('cpu');
    const c = getPreset('tiny');
    c.data.dir = join(root, 'synthetic-16');
    c.data.syntheticTrain = 48;
    c.data.syntheticTest = 16;
    c.data.maxStepsPerEpoch = 2;
    c.data.maxEvalSamples = 16;
    c.data.batchSize = 8;
    c.epochs = 2;
    const run = join(root, 'run');
    const out = await train(c, { runDir: run, quiet: true });
    assert.equal(out.status, 'completed', out.message);
    await runAnalyzeCommand({ run, backend: 'cpu', quiet: true, gallery: 0, samples: 16 });
    const seg = join(root, 'seg');
    await mkdir(seg);
    const w = await ShardWriter.open({
      outDir: seg,
      split: 'val',
      task: 'segmentation',
      imageShape: [4, 6, 3],
      numClasses: 19,
      shardSize: 3,
      difficulty: true,
    });
    for (let i = 0; i < 5; i++) {
      await w.add({
        id: `frame-${i}`,
        image: Uint8Array.from({ length: 72 }, (_, k) => (i * 37 + k * 11) % 256),
        mask: Uint8Array.from({ length: 24 }, (_, k) => ((i + k) % 7 === 0 ? 255 : (i * 3 + k) % 19)),
        difficulty: i / 8,
      });
    }
    await w.close();
  });
  after(async () => {
    if (root !== '') await rm(root, { recursive: true, force: true });
  });

  it('finds every kind of Arrow file the project writes', () => {
    const files = arrowFiles(root).map((f) => relative(root, f));
    for (const pattern of [
      /^synthetic-16\/train-\d{5}\.arrow$/,
      /^synthetic-16\/test-\d{5}\.arrow$/,
      /^run\/metrics\/steps_epoch_\d{4}\.arrow$/,
      /^run\/metrics\/epochs\.arrow$/,
      /^run\/analysis\/gate_records\.arrow$/,
      /^seg\/val-\d{5}\.arrow$/,
    ]) {
      assert.ok(
        files.some((f) => pattern.test(f)),
        `no file matches ${pattern} among ${files.join(', ')}`,
      );
    }
  });

  it('Polars reads every file with the same columns, types and values as apache-arrow', () => {
    const files = arrowFiles(root);
    const byKind = new Map<string, string[]>();
    for (const f of files) byKind.set(relative(root, f), compareFile(f));
    const columns = (re: RegExp) => [...byKind].find(([k]) => re.test(k))![1];
    assert.deepEqual(columns(/^synthetic-16\/train/), ['image', 'label', 'id', 'difficulty']);
    assert.deepEqual(columns(/^seg\//), ['image', 'mask', 'id', 'difficulty']);
    assert.ok(columns(/gate_records/).includes('gate_mask'));
    assert.ok(columns(/epochs\.arrow/).includes('epoch'));
  });
});
