// Reader for the IDX format of MNIST and Fashion-MNIST (LeCun's format: 2 zero bytes, a type byte,
// a rank byte, big-endian uint32 dims, then the row-major data). Only the uint8 type (0x08) occurs
// in these datasets, so only it is accepted. Gzipped files are detected by their magic bytes, since
// Debian ships the `.gz` files and users often have them unpacked.

import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { MAX_INFLATED_BYTES } from './archive_member.js';
import { errorMessage, PrepareError } from './prepare_error.js';

export interface IdxArray {
  /** Dimensions, outermost first, e.g. [60000, 28, 28] for images or [60000] for labels. */
  dims: number[];
  /** Row-major uint8 data, length = product of dims. */
  data: Uint8Array;
}

/** Parses an IDX (or gzipped IDX) buffer; `file` names the source in errors. */
export function parseIdx(raw: Uint8Array, file: string): IdxArray {
  let buf = raw;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf, { maxOutputLength: MAX_INFLATED_BYTES });
    } catch (err) {
      throw new PrepareError(file, `truncated or corrupt gzip data (${errorMessage(err)})`, { cause: err });
    }
  }
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) {
    throw new PrepareError(file, 'not an IDX file (expected magic 0x0000 followed by type and rank bytes)');
  }
  if (buf[2] !== 0x08) {
    throw new PrepareError(
      file,
      `unsupported IDX element type 0x${buf[2]!.toString(16)} (expected 0x08 = uint8)`,
    );
  }
  const rank = buf[3]!;
  const headerBytes = 4 + 4 * rank;
  if (rank === 0 || buf.length < headerBytes) {
    throw new PrepareError(file, `IDX header truncated or rank ${rank} invalid`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== headerBytes + count) {
    throw new PrepareError(
      file,
      `IDX data size ${buf.length - headerBytes} bytes does not match dims [${dims.join(', ')}] ` +
        `(${count} bytes expected; truncated file?)`,
    );
  }
  return { dims, data: buf.subarray(headerBytes) };
}

/** Reads and parses an IDX file (plain or gzipped). */
export async function readIdxFile(path: string): Promise<IdxArray> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (err) {
    throw new PrepareError(path, `cannot read IDX file (${errorMessage(err)})`, { cause: err });
  }
  return parseIdx(raw, path);
}
