// Minimal reader for MATLAB level-5 MAT-files (MathWorks, "MAT-File Format", R2024b, chapter 1),
// written for exactly what the ILSVRC2012 devkit's data/meta.mat holds: one struct array `synsets`
// whose fields are doubles and char arrays (plus empty matrices). Supported: little- and big-endian
// files, miCOMPRESSED (zlib) elements, small data elements, numeric classes, char (UTF-8/16, UINT8/16),
// struct and cell arrays. Not supported (throws): sparse, object, function-handle and v7.3 (HDF5) files.
// We do not add a dependency for this: no maintained npm package reads MAT v5 structs, and the subset
// needed is ~150 lines. Cross-checked in tests against files written by SciPy's scipy.io.savemat.

import { inflateSync } from 'node:zlib';
import { MAX_INFLATED_BYTES } from './archive_member.js';

export type MatValue =
  | { kind: 'numeric'; dims: number[]; data: Float64Array }
  | {
      kind: 'char';
      dims: number[] /** Column-major chars joined row by row; one string per row. */;
      rows: string[];
    }
  | {
      kind: 'struct';
      dims: number[];
      fields: string[] /** Column-major elements. */;
      elements: Record<string, MatValue>[];
    }
  | { kind: 'cell'; dims: number[]; cells: MatValue[] }
  | { kind: 'empty' };

const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
} as const;

const MX_CELL = 1;
const MX_STRUCT = 2;
const MX_OBJECT = 3;
const MX_CHAR = 4;
const MX_SPARSE = 5;

class MatFormatError extends Error {
  constructor(message: string) {
    super(`readMat5: ${message}`);
    this.name = 'MatFormatError';
  }
}

interface Element {
  type: number;
  data: Uint8Array;
}

class Cursor {
  private pos = 0;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** Reads one data element (tag + data), honouring the small-element form and 8-byte padding. */
  next(): Element {
    if (this.pos + 8 > this.bytes.length)
      throw new MatFormatError(`truncated element tag at byte ${this.pos}`);
    const first = this.view.getUint32(this.pos, this.littleEndian);
    // Small data element: the upper 16 bits hold the byte count, data sits in the tag's second word.
    if (first >>> 16 !== 0) {
      const type = first & 0xffff;
      const n = first >>> 16;
      if (n > 4) throw new MatFormatError(`small element of ${n} bytes at byte ${this.pos}`);
      const data = this.bytes.subarray(this.pos + 4, this.pos + 4 + n);
      this.pos += 8;
      return { type, data };
    }
    const type = first;
    const n = this.view.getUint32(this.pos + 4, this.littleEndian);
    const start = this.pos + 8;
    if (start + n > this.bytes.length) {
      throw new MatFormatError(
        `element of type ${type} needs ${n} bytes at byte ${start}, file is truncated`,
      );
    }
    const data = this.bytes.subarray(start, start + n);
    // Compressed elements are not padded; every other element is padded to a multiple of 8 bytes.
    this.pos = type === MI.COMPRESSED ? start + n : start + Math.ceil(n / 8) * 8;
    return { type, data };
  }
}

function numbersOf(el: Element, littleEndian: boolean): Float64Array {
  const v = new DataView(el.data.buffer, el.data.byteOffset, el.data.byteLength);
  const sizes: Record<number, number> = {
    [MI.INT8]: 1,
    [MI.UINT8]: 1,
    [MI.INT16]: 2,
    [MI.UINT16]: 2,
    [MI.INT32]: 4,
    [MI.UINT32]: 4,
    [MI.SINGLE]: 4,
    [MI.DOUBLE]: 8,
    [MI.INT64]: 8,
    [MI.UINT64]: 8,
  };
  const size = sizes[el.type];
  if (size === undefined) throw new MatFormatError(`element type ${el.type} is not numeric`);
  const n = el.data.byteLength / size;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * size;
    switch (el.type) {
      case MI.INT8:
        out[i] = v.getInt8(o);
        break;
      case MI.UINT8:
        out[i] = v.getUint8(o);
        break;
      case MI.INT16:
        out[i] = v.getInt16(o, littleEndian);
        break;
      case MI.UINT16:
        out[i] = v.getUint16(o, littleEndian);
        break;
      case MI.INT32:
        out[i] = v.getInt32(o, littleEndian);
        break;
      case MI.UINT32:
        out[i] = v.getUint32(o, littleEndian);
        break;
      case MI.SINGLE:
        out[i] = v.getFloat32(o, littleEndian);
        break;
      case MI.DOUBLE:
        out[i] = v.getFloat64(o, littleEndian);
        break;
      case MI.INT64:
        out[i] = Number(v.getBigInt64(o, littleEndian));
        break;
      default:
        out[i] = Number(v.getBigUint64(o, littleEndian));
    }
  }
  return out;
}

function charsOf(el: Element, littleEndian: boolean): string[] {
  if (el.type === MI.UTF8 || el.type === MI.UINT8 || el.type === MI.INT8) {
    return Array.from(new TextDecoder('utf-8').decode(el.data));
  }
  if (el.type === MI.UINT16 || el.type === MI.UTF16) {
    return Array.from(numbersOf({ type: MI.UINT16, data: el.data }, littleEndian), (c) =>
      String.fromCharCode(c),
    );
  }
  if (el.type === MI.UTF32 || el.type === MI.UINT32) {
    return Array.from(numbersOf({ type: MI.UINT32, data: el.data }, littleEndian), (c) =>
      String.fromCodePoint(c),
    );
  }
  throw new MatFormatError(`char array stored as element type ${el.type}`);
}

function parseMatrix(bytes: Uint8Array, littleEndian: boolean): { name: string; value: MatValue } {
  if (bytes.byteLength === 0) return { name: '', value: { kind: 'empty' } };
  const c = new Cursor(bytes, littleEndian);
  const flagsEl = c.next();
  const flags = numbersOf(flagsEl, littleEndian);
  const flagWord = flags[0];
  if (flagWord === undefined) throw new MatFormatError('a matrix has an empty array-flags element');
  const mxClass = flagWord & 0xff;
  const dims = Array.from(numbersOf(c.next(), littleEndian));
  const name = new TextDecoder('utf-8').decode(c.next().data);
  const count = dims.reduce((a, b) => a * b, 1);

  if (mxClass === MX_STRUCT || mxClass === MX_OBJECT) {
    if (mxClass === MX_OBJECT)
      throw new MatFormatError(`variable "${name}" is a MATLAB object (unsupported)`);
    const nameLen = numbersOf(c.next(), littleEndian)[0];
    if (nameLen === undefined || !Number.isInteger(nameLen) || nameLen < 1) {
      throw new MatFormatError(
        `struct "${name}": field name length must be a positive integer; got ${nameLen}`,
      );
    }
    const namesBytes = c.next().data;
    const fields: string[] = [];
    for (let o = 0; o + nameLen <= namesBytes.length; o += nameLen) {
      const raw = namesBytes.subarray(o, o + nameLen);
      const end = raw.indexOf(0);
      fields.push(new TextDecoder('utf-8').decode(end < 0 ? raw : raw.subarray(0, end)));
    }
    const elements: Record<string, MatValue>[] = [];
    for (let i = 0; i < count; i++) {
      const el: Record<string, MatValue> = {};
      for (const field of fields) {
        const sub = c.next();
        if (sub.type !== MI.MATRIX)
          throw new MatFormatError(`struct field "${field}" is not a matrix element`);
        el[field] = parseMatrix(sub.data, littleEndian).value;
      }
      elements.push(el);
    }
    return { name, value: { kind: 'struct', dims, fields, elements } };
  }
  if (mxClass === MX_CELL) {
    const cells: MatValue[] = [];
    for (let i = 0; i < count; i++) cells.push(parseMatrix(c.next().data, littleEndian).value);
    return { name, value: { kind: 'cell', dims, cells } };
  }
  if (mxClass === MX_CHAR) {
    const chars = count === 0 ? [] : charsOf(c.next(), littleEndian);
    // Column-major [rows, cols]: char (r, k) sits at chars[k * rows + r].
    const rowsN = dims[0] ?? 0;
    const colsN = rowsN === 0 ? 0 : count / rowsN;
    const rows: string[] = [];
    for (let r = 0; r < rowsN; r++) {
      let s = '';
      for (let k = 0; k < colsN; k++) s += chars[k * rowsN + r] ?? '';
      rows.push(s);
    }
    return { name, value: { kind: 'char', dims, rows } };
  }
  if (mxClass === MX_SPARSE) throw new MatFormatError(`variable "${name}" is sparse (unsupported)`);
  if (mxClass >= 6 && mxClass <= 15) {
    const data = count === 0 ? new Float64Array(0) : numbersOf(c.next(), littleEndian);
    return { name, value: { kind: 'numeric', dims, data } };
  }
  throw new MatFormatError(`variable "${name}" has unsupported MATLAB class ${mxClass}`);
}

/** Parses a MAT v5 file's bytes into its named top-level variables. */
export function readMat5(bytes: Uint8Array): Record<string, MatValue> {
  if (bytes.byteLength < 128)
    throw new MatFormatError(`file of ${bytes.byteLength} bytes has no 128-byte header`);
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 116));
  if (text.startsWith('MATLAB 7.3')) throw new MatFormatError('MAT v7.3 (HDF5) files are not supported');
  const endian = String.fromCharCode(bytes[126]!, bytes[127]!);
  if (endian !== 'IM' && endian !== 'MI') {
    throw new MatFormatError(`bad endian indicator "${endian}" (not a MAT v5 file)`);
  }
  const littleEndian = endian === 'IM';
  const c = new Cursor(bytes.subarray(128), littleEndian);
  const vars: Record<string, MatValue> = {};
  while (!c.done) {
    let el = c.next();
    if (el.type === MI.COMPRESSED) {
      let inflated: Uint8Array;
      try {
        inflated = inflateSync(el.data, { maxOutputLength: MAX_INFLATED_BYTES });
      } catch (err) {
        throw new MatFormatError(`corrupt compressed element (${err instanceof Error ? err.message : err})`);
      }
      el = new Cursor(inflated, littleEndian).next();
    }
    if (el.type !== MI.MATRIX) continue; // other top-level elements carry nothing we read
    const { name, value } = parseMatrix(el.data, littleEndian);
    vars[name] = value;
  }
  return vars;
}

/** The single string of a 1xN char value (or '' for an empty one); throws otherwise. */
export function matString(v: MatValue | undefined, what: string): string {
  if (v?.kind === 'empty') return '';
  if (v?.kind !== 'char' || v.rows.length > 1)
    throw new MatFormatError(`${what}: expected a char row vector`);
  return v.rows[0] ?? '';
}

/** The single number of a 1x1 numeric value; throws otherwise. */
export function matScalar(v: MatValue | undefined, what: string): number {
  if (v?.kind !== 'numeric' || v.data.length !== 1)
    throw new MatFormatError(`${what}: expected a numeric scalar`);
  return v.data[0]!;
}
