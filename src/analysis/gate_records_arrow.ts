// Gate records <-> one Arrow IPC file, readable from pandas (`pyarrow.ipc.open_file(path).read_pandas()`),
// polars (`pl.read_ipc(path)`) and apache-arrow in JS. Columns (one row per sample):
//   id Utf8 | label Int32 | prediction Int32 | confidence Float32 | loss Float32 | correct Bool |
//   macs Float64 | difficulty Float32 (when recorded) | `active.<gate name>` Int32, one column per gated
//   layer (gates on) | gate_mask FixedSizeList<Uint8>[ceil(G/8)] (packed bits, gate_bits.ts) |
//   gate_probs FixedSizeList<Float32>[G] (when recorded)
// Schema metadata 'batch_shaping.gate_records' holds GateRecordsMeta as JSON (layers in forward order).
// FixedSizeList rather than FixedSizeBinary for the same reason as the dataset shards (src/data/schema.ts):
// numeric element types reach NumPy zero-copy. Files are written atomically (temp + rename).
import { readFile } from 'node:fs/promises';
import {
  Bool,
  type Data,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
  Uint8,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { probeArrowFile } from '../io/arrow_probe.js';
import { atomicWriteFile } from '../io/atomic_write.js';
import {
  checkRecordsMeta,
  GATE_RECORDS_VERSION,
  type GateRecords,
  type GateRecordsMeta,
  maskBytes,
  totalGates,
} from './gate_records.js';
import { concatTypedArrays } from './typed_arrays.js';

/** Schema metadata key of the JSON GateRecordsMeta. */
export const GATE_RECORDS_META_KEY = 'batch_shaping.gate_records';
/** Prefix of the per-layer active-count columns. */
const ACTIVE_COLUMN_PREFIX = 'active.';

function listField(name: string, size: number, item: Uint8 | Float32): Field {
  return new Field(name, new FixedSizeList(size, new Field('item', item, false)), false);
}

function primitive(type: Int32 | Float32 | Float64, data: Int32Array | Float32Array | Float64Array): Data {
  return makeData({ type, length: data.length, nullCount: 0, data } as never);
}

function fixedList(
  type: FixedSizeList,
  rows: number,
  item: Uint8 | Float32,
  values: Uint8Array | Float32Array,
) {
  return makeData({
    type,
    length: rows,
    nullCount: 0,
    child: makeData({ type: item, length: values.length, nullCount: 0, data: values } as never),
  } as never);
}

function checkColumns(fn: string, r: GateRecords): void {
  checkRecordsMeta(fn, r.meta);
  const n = r.count;
  const L = r.meta.layers.length;
  const want: [string, number, number][] = [
    ['ids', r.ids.length, n],
    ['labels', r.labels.length, n],
    ['predictions', r.predictions.length, n],
    ['confidences', r.confidences.length, n],
    ['losses', r.losses.length, n],
    ['macs', r.macs.length, n],
    ['activeCounts', r.activeCounts.length, n * L],
    ['masks', r.masks.length, n * maskBytes(r.meta)],
  ];
  if (r.difficulties) want.push(['difficulties', r.difficulties.length, n]);
  if (r.probs) want.push(['probs', r.probs.length, n * totalGates(r.meta)]);
  for (const [name, got, expected] of want) {
    if (got !== expected) {
      throw new Error(`${fn}: records.${name} must have ${expected} entries for ${n} samples; got ${got}`);
    }
  }
}

/** Encodes records as Arrow IPC file bytes (one record batch). */
export function encodeGateRecords(records: GateRecords): Uint8Array {
  const fn = 'encodeGateRecords';
  checkColumns(fn, records);
  const { meta, count: n } = records;
  const L = meta.layers.length;
  const G = totalGates(meta);
  const B = maskBytes(meta);
  const fields: Field[] = [
    new Field('id', new Utf8(), false),
    new Field('label', new Int32(), false),
    new Field('prediction', new Int32(), false),
    new Field('confidence', new Float32(), false),
    new Field('loss', new Float32(), false),
    new Field('correct', new Bool(), false),
    new Field('macs', new Float64(), false),
  ];
  const correct = Array.from({ length: n }, (_, i) => records.predictions[i] === records.labels[i]);
  // Explicit Utf8 / Bool types: vectorFromArray would dictionary-encode strings.
  const children: Data[] = [
    vectorFromArray(records.ids, new Utf8()).data[0]!,
    primitive(new Int32(), records.labels),
    primitive(new Int32(), records.predictions),
    primitive(new Float32(), records.confidences),
    primitive(new Float32(), records.losses),
    vectorFromArray(correct, new Bool()).data[0]!,
    primitive(new Float64(), records.macs),
  ];
  if (records.difficulties) {
    fields.push(new Field('difficulty', new Float32(), false));
    children.push(primitive(new Float32(), records.difficulties));
  }
  meta.layers.forEach((layer, l) => {
    const counts = new Int32Array(n);
    for (let i = 0; i < n; i++) counts[i] = records.activeCounts[i * L + l]!;
    fields.push(new Field(`${ACTIVE_COLUMN_PREFIX}${layer.name}`, new Int32(), false));
    children.push(primitive(new Int32(), counts));
  });
  const maskField = listField('gate_mask', B, new Uint8());
  fields.push(maskField);
  children.push(fixedList(maskField.type, n, new Uint8(), records.masks));
  if (records.probs) {
    const probField = listField('gate_probs', G, new Float32());
    fields.push(probField);
    children.push(fixedList(probField.type, n, new Float32(), records.probs));
  }
  const schema = new Schema(fields, new Map([[GATE_RECORDS_META_KEY, JSON.stringify(meta)]]));
  const struct = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children });
  return tableToIPC(new Table(schema, [new RecordBatch(schema, struct)]), 'file');
}

// Concatenates the value buffers of a FixedSizeList column's chunks, sliced to their rows.
function listValues<T extends Uint8Array | Float32Array>(table: Table, name: string, size: number): T {
  const chunks = table.getChild(name)!.data;
  const parts = chunks.map((chunk) => {
    const child = chunk.children[0]!;
    const start = child.offset + chunk.offset * size;
    return (child.values as T).subarray(start, start + chunk.length * size) as T;
  });
  return concatTypedArrays(parts, (parts[0]?.constructor ?? Uint8Array) as new (n: number) => T);
}

/** Decodes Arrow IPC bytes written by encodeGateRecords; `file` names the source in errors. */
export function decodeGateRecords(bytes: Uint8Array, file = 'gate records'): GateRecords {
  const fn = 'decodeGateRecords';
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    throw new Error(`${fn}: ${file} is not an Arrow IPC file (${(err as Error).message})`);
  }
  if (table.schema.fields.length === 0) {
    throw new Error(`${fn}: ${file} is not an Arrow IPC file (no schema could be read)`);
  }
  const raw = table.schema.metadata.get(GATE_RECORDS_META_KEY);
  if (raw === undefined) {
    throw new Error(
      `${fn}: ${file} has no '${GATE_RECORDS_META_KEY}' schema metadata: not a gate records file`,
    );
  }
  let meta: GateRecordsMeta;
  try {
    meta = JSON.parse(raw) as GateRecordsMeta;
  } catch (err) {
    throw new Error(
      `${fn}: ${file} has unreadable '${GATE_RECORDS_META_KEY}' metadata (${(err as Error).message})`,
    );
  }
  if (meta.version !== GATE_RECORDS_VERSION) {
    throw new Error(
      `${fn}: ${file} has records version ${meta.version}; this library reads ${GATE_RECORDS_VERSION}`,
    );
  }
  checkRecordsMeta(fn, meta);
  const col = (name: string) => {
    const v = table.getChild(name);
    if (v === null) throw new Error(`${fn}: ${file} lacks the column '${name}'`);
    return v;
  };
  const n = table.numRows;
  const L = meta.layers.length;
  const activeCounts = new Int32Array(n * L);
  meta.layers.forEach((layer, l) => {
    const counts = col(`${ACTIVE_COLUMN_PREFIX}${layer.name}`).toArray() as Int32Array;
    for (let i = 0; i < n; i++) activeCounts[i * L + l] = counts[i]!;
  });
  col('gate_mask');
  const records: GateRecords = {
    meta,
    count: n,
    ids: Array.from(col('id').toArray() as string[]),
    labels: Int32Array.from(col('label').toArray() as Int32Array),
    predictions: Int32Array.from(col('prediction').toArray() as Int32Array),
    confidences: Float32Array.from(col('confidence').toArray() as Float32Array),
    losses: Float32Array.from(col('loss').toArray() as Float32Array),
    macs: Float64Array.from(col('macs').toArray() as Float64Array),
    activeCounts,
    masks: listValues<Uint8Array>(table, 'gate_mask', maskBytes(meta)),
  };
  if (table.getChild('difficulty') !== null) {
    records.difficulties = Float32Array.from(col('difficulty').toArray() as Float32Array);
  }
  if (table.getChild('gate_probs') !== null) {
    records.probs = listValues<Float32Array>(table, 'gate_probs', totalGates(meta));
  }
  return records;
}

/** Writes records to `path` atomically (a failed write leaves an existing file untouched). */
export async function writeGateRecords(path: string, records: GateRecords): Promise<void> {
  await atomicWriteFile(path, encodeGateRecords(records));
}

/** Reads a records file written by writeGateRecords (or the gate recorder). */
export async function readGateRecords(path: string): Promise<GateRecords> {
  if (typeof path !== 'string' || path === '') {
    throw new Error(
      `readGateRecords: argument 'path' must be a non-empty file path; got ${JSON.stringify(path)}`,
    );
  }
  const bytes = await readFile(path);
  await probeArrowFile(bytes, path);
  return decodeGateRecords(bytes, path);
}
