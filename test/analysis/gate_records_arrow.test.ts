// Gate records <-> Arrow IPC: lossless round trip, the documented columns (read back with apache-arrow
// directly, as pandas/polars would see them), atomic writes and clear errors on foreign files.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { unpackGateBits } from '../../src/analysis/gate_bits.js';
import { makeGateRecords } from '../../src/analysis/gate_records.js';
import {
  decodeGateRecords,
  encodeGateRecords,
  GATE_RECORDS_META_KEY,
  readGateRecords,
  writeGateRecords,
} from '../../src/analysis/gate_records_arrow.js';
import { handRecords } from './hand_records.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('gate records Arrow file', () => {
  it('round-trips every column, with and without the optional ones', () => {
    const { difficulties: _d, ...noDifficulty } = handRecords();
    for (const r of [handRecords(true), noDifficulty]) {
      const back = decodeGateRecords(encodeGateRecords(r));
      assert.deepEqual(back, r);
    }
  });

  it('has the documented columns, readable without this library', () => {
    const table = tableFromIPC(encodeGateRecords(handRecords(true)));
    assert.deepEqual(
      table.schema.fields.map((f) => f.name),
      [
        'id',
        'label',
        'prediction',
        'confidence',
        'loss',
        'correct',
        'macs',
        'difficulty',
        'active.A',
        'active.B',
        'gate_mask',
        'gate_probs',
      ],
    );
    assert.equal(table.numRows, 4);
    assert.deepEqual(table.getChild('correct')!.toArray().length, 4);
    assert.deepEqual([...table.getChild('correct')!], [true, false, true, true]);
    assert.deepEqual([...table.getChild('active.B')!], [2, 3, 1, 1]);
    // Sample s3's mask: A [1, 1], B [0, 1, 0] -> bits 1,1,0,1,0 -> one byte.
    const mask = table.getChild('gate_mask')!.get(3)!.toArray() as Uint8Array;
    assert.deepEqual(Array.from(unpackGateBits(mask, 5)), [1, 1, 0, 1, 0]);
    const meta = JSON.parse(table.schema.metadata.get(GATE_RECORDS_META_KEY)!);
    assert.deepEqual(
      meta.layers.map((l: { name: string }) => l.name),
      ['A', 'B'],
    );
  });

  it('writes atomically and reads back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bs-records-'));
    dirs.push(dir);
    const path = join(dir, 'records.arrow');
    await writeGateRecords(path, handRecords());
    assert.deepEqual(await readdir(dir), ['records.arrow']);
    assert.deepEqual(await readGateRecords(path), handRecords());
    // A failing encode (bad columns) leaves the good file in place.
    const bad = { ...handRecords(), labels: new Int32Array(1) };
    await assert.rejects(
      writeGateRecords(path, bad),
      /encodeGateRecords: records.labels must have 4 entries/,
    );
    assert.deepEqual(await readdir(dir), ['records.arrow']);
    assert.equal((await readGateRecords(path)).count, 4);
    assert.ok((await readFile(path)).length > 0);
  });

  it('empty records', () => {
    const r = makeGateRecords({ layers: [{ name: 'g', channels: 9 }] }, []);
    assert.equal(decodeGateRecords(encodeGateRecords(r)).count, 0);
  });

  it('rejects foreign files with a clear message', async () => {
    assert.throws(
      () => decodeGateRecords(new Uint8Array([1, 2, 3]), 'x.arrow'),
      /decodeGateRecords: x.arrow is not an Arrow IPC file/,
    );
    // A half-written file (what atomic writes prevent) is refused, not read short.
    const full = encodeGateRecords(handRecords());
    assert.throws(
      () => decodeGateRecords(full.subarray(0, full.length - 1), 'cut.arrow'),
      /cut.arrow is not an Arrow IPC file/,
    );
    const other = tableToIPC(tableFromArrays({ a: Int32Array.from([1]) }), 'file');
    assert.throws(
      () => decodeGateRecords(other, 'y.arrow'),
      /y.arrow has no 'batch_shaping.gate_records' schema metadata/,
    );
    const dir = await mkdtemp(join(tmpdir(), 'bs-records-'));
    dirs.push(dir);
    await writeFile(join(dir, 'z.arrow'), other);
    await assert.rejects(readGateRecords(join(dir, 'z.arrow')), /z.arrow has no/);
    assert.throws(
      () =>
        makeGateRecords({ layers: [{ name: 'g', channels: 2 }] }, [
          { id: 'a', label: 0, prediction: 0, confidence: 1, loss: 0, macs: 1, masks: [[1, 0, 1]] },
        ]),
      /layer 'g' mask has 3 channels; expected 2/,
    );
  });
});
