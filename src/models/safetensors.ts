// The safetensors file format (Hugging Face, https://github.com/huggingface/safetensors): encode and decode
// named tensors, and convert them to and from tfjs tensors.
//
// Layout: 8 bytes little-endian u64 N, then N bytes of UTF-8 JSON
//   {"__metadata__": {string: string}, "<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}}
// then the data section: each tensor's raw little-endian, row-major bytes at [begin, end) relative to the
// section start. The reference writer pads the header with spaces to a multiple of 8 and orders tensors by
// descending dtype alignment, then by name, so that every tensor starts aligned to its element size; we write
// the same layout (byte-identical to the reference for the same tensors and metadata).
//
// What differs from the reference reader: we also reject BOOL bytes other than 0/1 and U32/I64/U64 values
// outside int32 when converting to tfjs (tfjs has no 64-bit or unsigned integer dtype). Duplicate top-level
// keys, which the spec disallows and JSON.parse would silently merge, are found by a scan of the header text.
import * as tf from '@tensorflow/tfjs-core';

/** Element size in bytes of every safetensors dtype we know (the reference's `Dtype` enum). */
export const SAFETENSORS_DTYPE_SIZE = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;

export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_SIZE;

// The reference sorts tensors by this enum order, descending, then by name: larger alignment first.
const DTYPE_RANK: Readonly<Record<SafetensorsDtype, number>> = Object.fromEntries(
  Object.keys(SAFETENSORS_DTYPE_SIZE).map((d, i) => [d, i]),
) as Record<SafetensorsDtype, number>;

/** Same limit as the reference reader: larger headers are refused before parsing any JSON. */
const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** A tensor as stored: dtype, row-major shape, raw little-endian bytes (numel * element size long). */
export interface HostTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Uint8Array;
}

/** One header entry, with offsets relative to the start of the data section. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  dataOffsets: [number, number];
}

/** A validated header. */
export interface SafetensorsHeader {
  /** N, the JSON header's length in bytes (padding included). */
  headerLength: number;
  /** Absolute file offset where the data section starts (8 + N). */
  dataStart: number;
  /** Entries sorted by data offset. */
  entries: SafetensorsEntry[];
  /** The `__metadata__` map ({} when absent). */
  metadata: Record<string, string>;
}

/** A malformed file or an unencodable input. `source` names the file (or '<bytes>'). */
export class SafetensorsError extends Error {
  readonly source: string;
  readonly tensor: string | undefined;
  readonly byteOffset: number | undefined;
  constructor(source: string, detail: string, where: { tensor?: string; byteOffset?: number } = {}) {
    const parts = [`safetensors ${source}`];
    if (where.tensor !== undefined) parts.push(`tensor ${JSON.stringify(where.tensor)}`);
    if (where.byteOffset !== undefined) parts.push(`at byte offset ${where.byteOffset}`);
    super(`${parts.join(', ')}: ${detail}`);
    this.name = 'SafetensorsError';
    this.source = source;
    this.tensor = where.tensor;
    this.byteOffset = where.byteOffset;
  }
}

function isSafetensorsDtype(x: unknown): x is SafetensorsDtype {
  return typeof x === 'string' && Object.hasOwn(SAFETENSORS_DTYPE_SIZE, x);
}

// Typed-array views below reinterpret bytes in host order; the format is little-endian.
function assertLittleEndianHost(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new Error('safetensors: big-endian hosts are not supported (the format is little-endian)');
  }
}

// Plain assignment would treat a tensor named "__proto__" as a prototype change.
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function utf8Compare(a: string, b: string): number {
  // Rust compares strings bytewise (UTF-8); JS `<` compares UTF-16 units, which differs past the BMP.
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const encoder = new TextEncoder();

/**
 * Encodes named tensors as safetensors, returned as chunks (header, then each tensor's bytes, no copies)
 * so that a writer can stream them. `source` names the destination in error messages.
 */
export function encodeSafetensorsChunks(
  tensors: Record<string, HostTensor>,
  metadata: Record<string, string> = {},
  source = '<bytes>',
): Uint8Array[] {
  assertLittleEndianHost();
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new SafetensorsError(
        source,
        `__metadata__[${JSON.stringify(key)}] must be a string (the format allows string values only); got ${typeof value}`,
      );
    }
  }
  const names = Object.keys(tensors);
  for (const name of names) {
    if (name === '__metadata__') {
      throw new SafetensorsError(source, "'__metadata__' is reserved and cannot name a tensor", {
        tensor: name,
      });
    }
    checkHostTensor(tensors[name]!, name, source);
  }
  names.sort((a, b) => {
    const byDtype = DTYPE_RANK[tensors[b]!.dtype] - DTYPE_RANK[tensors[a]!.dtype];
    return byDtype !== 0 ? byDtype : utf8Compare(a, b);
  });

  // Built by hand so that key order is ours (JS objects put integer-like keys first).
  const fields: string[] = [];
  if (Object.keys(metadata).length > 0) fields.push(`"__metadata__":${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const end = offset + t.data.byteLength;
    fields.push(
      `${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":${JSON.stringify(t.shape)},"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = encoder.encode(`{${fields.join(',')}}`);
  const padded = json.byteLength + ((8 - (json.byteLength % 8)) % 8);
  const header = new Uint8Array(8 + padded);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  header.fill(0x20, 8 + json.byteLength);
  return [header, ...names.map((n) => tensors[n]!.data)];
}

/** Encodes named tensors as one safetensors byte array. */
export function encodeSafetensors(
  tensors: Record<string, HostTensor>,
  metadata: Record<string, string> = {},
  source = '<bytes>',
): Uint8Array {
  const chunks = encodeSafetensorsChunks(tensors, metadata, source);
  return Buffer.concat(chunks);
}

function checkHostTensor(t: HostTensor, name: string, source: string): void {
  if (t === null || typeof t !== 'object' || !isSafetensorsDtype(t.dtype)) {
    throw new SafetensorsError(
      source,
      `expected {dtype, shape, data} with dtype one of ${Object.keys(SAFETENSORS_DTYPE_SIZE).join(', ')}; got dtype ${JSON.stringify(t?.dtype)}`,
      { tensor: name },
    );
  }
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(
      source,
      `shape must be an array of non-negative integers; got ${JSON.stringify(t.shape)}`,
      {
        tensor: name,
      },
    );
  }
  if (!(t.data instanceof Uint8Array)) {
    throw new SafetensorsError(source, 'data must be a Uint8Array of raw little-endian bytes', {
      tensor: name,
    });
  }
  const expected = numel(t.shape) * SAFETENSORS_DTYPE_SIZE[t.dtype];
  if (t.data.byteLength !== expected) {
    throw new SafetensorsError(
      source,
      `${t.dtype} shape [${t.shape}] needs ${expected} bytes; data has ${t.data.byteLength}`,
      { tensor: name },
    );
  }
}

/**
 * Reads and validates the header. `prefix` holds at least the file's first 8 + N bytes (the whole file is
 * fine); `fileLength` is the whole file's length, against which every offset is checked.
 */
export function parseSafetensorsHeader(
  prefix: Uint8Array,
  fileLength: number,
  source = '<bytes>',
): SafetensorsHeader {
  if (fileLength < 8 || prefix.byteLength < 8) {
    throw new SafetensorsError(
      source,
      `file is ${fileLength} bytes; expected at least 8 (the header length field)`,
    );
  }
  const n64 = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      source,
      `header length field says ${n64} bytes; expected at most ${SAFETENSORS_MAX_HEADER_BYTES}`,
      { byteOffset: 0 },
    );
  }
  const headerLength = Number(n64);
  const dataStart = 8 + headerLength;
  if (dataStart > fileLength) {
    throw new SafetensorsError(
      source,
      `header length field says ${headerLength} bytes, so the header ends at byte ${dataStart}; the file has only ${fileLength} bytes (truncated?)`,
      { byteOffset: 0 },
    );
  }
  if (prefix.byteLength < dataStart) {
    throw new Error(
      `parseSafetensorsHeader: argument 'prefix' must hold the first ${dataStart} bytes; got ${prefix.byteLength}`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(prefix.subarray(8, dataStart));
  } catch {
    throw new SafetensorsError(source, 'header is not valid UTF-8', { byteOffset: 8 });
  }
  if (!text.startsWith('{')) {
    throw new SafetensorsError(
      source,
      `header must start with '{' (a JSON object); got ${JSON.stringify(text.slice(0, 16))}`,
      {
        byteOffset: 8,
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(
      source,
      `header is not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      {
        byteOffset: 8,
      },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SafetensorsError(source, 'header must be a JSON object', { byteOffset: 8 });
  }
  const duplicate = firstDuplicateTopLevelKey(text);
  if (duplicate !== undefined) {
    throw new SafetensorsError(source, 'the header names this tensor twice; expected unique names', {
      tensor: duplicate,
      byteOffset: 8,
    });
  }

  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        throw new SafetensorsError(source, '__metadata__ must be an object of string values', {
          byteOffset: 8,
        });
      }
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') {
          throw new SafetensorsError(
            source,
            `__metadata__[${JSON.stringify(k)}] must be a string; got ${JSON.stringify(v)}`,
            { byteOffset: 8 },
          );
        }
        setOwn(metadata, k, v);
      }
      continue;
    }
    entries.push(parseEntry(name, raw, source));
  }

  // Like the reference: order by offsets, then the entries must tile [0, data length) exactly.
  entries.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  const dataLength = fileLength - dataStart;
  let covered = 0;
  let previous: string | undefined;
  for (const e of entries) {
    const [begin, end] = e.dataOffsets;
    if (end > dataLength) {
      throw new SafetensorsError(
        source,
        `data_offsets [${begin}, ${end}] run past the end of the data section (${dataLength} bytes; file truncated?)`,
        { tensor: e.name, byteOffset: dataStart + begin },
      );
    }
    if (begin < covered) {
      throw new SafetensorsError(
        source,
        `data_offsets [${begin}, ${end}] overlap tensor ${JSON.stringify(previous)}, which ends at ${covered}`,
        { tensor: e.name, byteOffset: dataStart + begin },
      );
    }
    if (begin > covered) {
      throw new SafetensorsError(
        source,
        `data bytes [${covered}, ${begin}) belong to no tensor; expected data_offsets to start at ${covered}`,
        { tensor: e.name, byteOffset: dataStart + covered },
      );
    }
    const expected = numel(e.shape) * SAFETENSORS_DTYPE_SIZE[e.dtype];
    if (!Number.isSafeInteger(expected)) {
      throw new SafetensorsError(source, `shape [${e.shape}] is too large`, { tensor: e.name });
    }
    if (end - begin !== expected) {
      throw new SafetensorsError(
        source,
        `data_offsets [${begin}, ${end}] span ${end - begin} bytes; ${e.dtype} shape [${e.shape}] needs ${expected}`,
        { tensor: e.name, byteOffset: dataStart + begin },
      );
    }
    covered = end;
    previous = e.name;
  }
  if (covered !== dataLength) {
    throw new SafetensorsError(
      source,
      `data section has ${dataLength} bytes but tensors cover only ${covered}; expected the last tensor to end the file`,
      { byteOffset: dataStart + covered },
    );
  }
  return { headerLength, dataStart, entries, metadata };
}

// `text` is valid JSON (already parsed). Walks it once, tracking nesting and strings, and returns the first
// key of the outermost object that occurs twice.
function firstDuplicateTopLevelKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        let k = j + 1;
        while (k < text.length && /\s/.test(text[k]!)) k++;
        if (text[k] === ':') {
          const key = JSON.parse(text.slice(i, j + 1)) as string;
          if (seen.has(key)) return key;
          seen.add(key);
        }
      }
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    i++;
  }
  return undefined;
}

function parseEntry(name: string, raw: unknown, source: string): SafetensorsEntry {
  const where = { tensor: name, byteOffset: 8 };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SafetensorsError(source, 'header entry must be an object {dtype, shape, data_offsets}', where);
  }
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isSafetensorsDtype(dtype)) {
    throw new SafetensorsError(
      source,
      `unknown dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(SAFETENSORS_DTYPE_SIZE).join(', ')}`,
      where,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(
      source,
      `shape must be an array of non-negative integers; got ${JSON.stringify(shape)}`,
      where,
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw new SafetensorsError(
      source,
      `data_offsets must be [begin, end] with 0 <= begin <= end; got ${JSON.stringify(offsets)}`,
      where,
    );
  }
  return { name, dtype, shape: shape as number[], dataOffsets: [offsets[0], offsets[1]] };
}

/** Decodes a whole safetensors file. Tensor bytes are copied out of `bytes` (aligned, owned). */
export function decodeSafetensors(
  bytes: Uint8Array,
  source = '<bytes>',
): { tensors: Record<string, HostTensor>; metadata: Record<string, string>; header: SafetensorsHeader } {
  const header = parseSafetensorsHeader(bytes, bytes.byteLength, source);
  const tensors: Record<string, HostTensor> = {};
  for (const e of header.entries) {
    // new Uint8Array(view) copies; Buffer#slice would not.
    const data = new Uint8Array(
      bytes.subarray(header.dataStart + e.dataOffsets[0], header.dataStart + e.dataOffsets[1]),
    );
    setOwn(tensors, e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata: header.metadata, header };
}

// ---- tfjs conversion -------------------------------------------------------------------------------------

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Wraps a typed array as a HostTensor; a Uint8Array becomes U8 unless `dtype` says BOOL. */
export function hostTensor(
  values: Float32Array | Int32Array | Uint8Array,
  shape: number[],
  dtype?: 'BOOL',
): HostTensor {
  const d: SafetensorsDtype =
    values instanceof Float32Array ? 'F32' : values instanceof Int32Array ? 'I32' : (dtype ?? 'U8');
  return { dtype: d, shape: [...shape], data: bytesOf(values) };
}

/**
 * Reads a tfjs tensor to the host: float32 -> F32, int32 -> I32, bool -> BOOL. The bytes are a fresh copy
 * owned by the result.
 */
async function toHostTensor(t: tf.Tensor, name = '<tensor>'): Promise<HostTensor> {
  const dtype = ({ float32: 'F32', int32: 'I32', bool: 'BOOL' } as const)[t.dtype as string];
  if (dtype === undefined) {
    throw new Error(
      `toHostTensor: tensor ${JSON.stringify(name)} must be float32, int32 or bool; got ${t.dtype}`,
    );
  }
  const raw = (await t.data()) as Float32Array | Int32Array | Uint8Array;
  // The cpu backend's cast between int32/bool and float32 keeps the source buffer, so the values may come in
  // another typed array than the dtype says: convert them (taking the bytes as they are would store int32 bits
  // as floats). Otherwise copy, since some backends hand out their own storage.
  const values =
    dtype === 'F32' && !(raw instanceof Float32Array)
      ? Float32Array.from(raw)
      : dtype === 'I32' && !(raw instanceof Int32Array)
        ? Int32Array.from(raw, (v) => Math.trunc(v))
        : dtype === 'BOOL' && !(raw instanceof Uint8Array)
          ? Uint8Array.from(raw, (v) => (v !== 0 ? 1 : 0))
          : raw;
  return {
    dtype,
    shape: [...t.shape],
    data: values === raw ? new Uint8Array(bytesOf(raw)) : bytesOf(values),
  };
}

function aligned<T>(
  data: Uint8Array,
  bytesPer: number,
  make: (buf: ArrayBufferLike, off: number, n: number) => T,
): T {
  const src = data.byteOffset % bytesPer === 0 ? data : new Uint8Array(data);
  return make(src.buffer, src.byteOffset, src.byteLength / bytesPer);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Makes a tfjs tensor from a HostTensor. F32 -> float32; I32 -> int32; BOOL -> bool; U8, I8, I16, U16 ->
 * int32 (exact); F16, BF16 -> float32 (exact); F64 -> float32 (rounded); U32, I64, U64 -> int32 when every
 * value fits, else an error. F8 types are refused. `source` names the file in errors.
 */
export function fromHostTensor(host: HostTensor, name = '<tensor>', source = '<bytes>'): tf.Tensor {
  assertLittleEndianHost();
  checkHostTensor(host, name, source);
  const { dtype, shape, data } = host;
  const n = numel(shape);
  switch (dtype) {
    case 'F32':
      return tf.tensor(aligned(data, 4, (b, o, k) => new Float32Array(b, o, k)).slice(), shape, 'float32');
    case 'I32':
      return tf.tensor(aligned(data, 4, (b, o, k) => new Int32Array(b, o, k)).slice(), shape, 'int32');
    case 'BOOL': {
      const bad = data.findIndex((v) => v > 1);
      if (bad >= 0) {
        throw new SafetensorsError(source, `BOOL element ${bad} is byte ${data[bad]}; expected 0 or 1`, {
          tensor: name,
        });
      }
      return tf.tensor(new Uint8Array(data), shape, 'bool');
    }
    case 'U8':
      return tf.tensor(Int32Array.from(data), shape, 'int32');
    case 'I8':
      return tf.tensor(Int32Array.from(new Int8Array(data.buffer, data.byteOffset, n)), shape, 'int32');
    case 'I16':
      return tf.tensor(
        Int32Array.from(aligned(data, 2, (b, o, k) => new Int16Array(b, o, k))),
        shape,
        'int32',
      );
    case 'U16':
      return tf.tensor(
        Int32Array.from(aligned(data, 2, (b, o, k) => new Uint16Array(b, o, k))),
        shape,
        'int32',
      );
    case 'F16': {
      const halves = aligned(data, 2, (b, o, k) => new Uint16Array(b, o, k));
      return tf.tensor(Float32Array.from(halves, halfToFloat), shape, 'float32');
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const halves = aligned(data, 2, (b, o, k) => new Uint16Array(b, o, k));
      const bits = Uint32Array.from(halves, (h) => h << 16);
      return tf.tensor(new Float32Array(bits.buffer), shape, 'float32');
    }
    case 'F64':
      return tf.tensor(
        Float32Array.from(aligned(data, 8, (b, o, k) => new Float64Array(b, o, k))),
        shape,
        'float32',
      );
    case 'U32':
    case 'I64':
    case 'U64': {
      const wide: ArrayLike<number | bigint> =
        dtype === 'U32'
          ? aligned(data, 4, (b, o, k) => new Uint32Array(b, o, k))
          : dtype === 'I64'
            ? aligned(data, 8, (b, o, k) => new BigInt64Array(b, o, k))
            : aligned(data, 8, (b, o, k) => new BigUint64Array(b, o, k));
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = wide[i]!;
        if (v < -2147483648 || v > 2147483647) {
          throw new SafetensorsError(
            source,
            `${dtype} element ${i} is ${v}; tfjs has no 64-bit/unsigned dtype and int32 holds only -2^31..2^31-1`,
            { tensor: name },
          );
        }
        out[i] = Number(v);
      }
      return tf.tensor(out, shape, 'int32');
    }
    default:
      throw new SafetensorsError(
        source,
        `dtype ${dtype} has no tfjs counterpart; expected F32, F16, BF16, F64, BOOL or an integer dtype`,
        { tensor: name },
      );
  }
}

/** Reads every tensor of a record to the host (see toHostTensor). */
export async function toHostTensors(
  tensors: Record<string, tf.Tensor | HostTensor>,
): Promise<Record<string, HostTensor>> {
  const out: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    setOwn(out, name, t instanceof tf.Tensor ? await toHostTensor(t, name) : t);
  }
  return out;
}

/** Makes tfjs tensors of every HostTensor of a record; on error, disposes those already made. */
export function fromHostTensors(
  tensors: Record<string, HostTensor>,
  source = '<bytes>',
): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  try {
    for (const [name, h] of Object.entries(tensors)) setOwn(out, name, fromHostTensor(h, name, source));
  } catch (err) {
    tf.dispose(Object.values(out));
    throw err;
  }
  return out;
}
