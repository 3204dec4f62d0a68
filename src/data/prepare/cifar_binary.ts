// Parser for the CIFAR-10 "binary version" batches (Krizhevsky, 2009; cs.toronto.edu/~kriz/cifar.html):
// each record is 1 label byte followed by 3072 image bytes, the 1024 red, then 1024 green, then 1024
// blue values of a 32x32 image in row-major order (CHW). Our shards store HWC, so records are
// transposed here, once, at preparation time.

import { PrepareError } from './prepare_error.js';

export const CIFAR_SIDE = 32;
export const CIFAR_CHANNELS = 3;
export const CIFAR_IMAGE_BYTES = CIFAR_SIDE * CIFAR_SIDE * CIFAR_CHANNELS; // 3072
export const CIFAR_RECORD_BYTES = 1 + CIFAR_IMAGE_BYTES; // 3073

export interface CifarRecord {
  label: number;
  /** [H=32, W=32, C=3] uint8, HWC. */
  image: Uint8Array;
}

/** Converts one CHW plane-major image to HWC: out[(y*W + x)*C + c] = in[c*H*W + y*W + x]. */
export function chwToHwc(chw: Uint8Array, height: number, width: number, channels: number): Uint8Array {
  const plane = height * width;
  const hwc = new Uint8Array(plane * channels);
  for (let c = 0; c < channels; c++) {
    const src = c * plane;
    for (let p = 0; p < plane; p++) hwc[p * channels + c] = chw[src + p]!;
  }
  return hwc;
}

/**
 * Parses a whole batch file (10 000 records in the official files; any whole number of records here).
 * `numClasses` bounds the label byte, so a wrong file (e.g. CIFAR-100's 2-byte records) fails loudly.
 */
export function parseCifarBatch(buf: Uint8Array, file: string, numClasses = 10): CifarRecord[] {
  if (buf.length === 0 || buf.length % CIFAR_RECORD_BYTES !== 0) {
    throw new PrepareError(
      file,
      `size ${buf.length} bytes is not a positive multiple of the ${CIFAR_RECORD_BYTES}-byte CIFAR-10 record ` +
        '(truncated file, or not a CIFAR-10 binary batch?)',
    );
  }
  const n = buf.length / CIFAR_RECORD_BYTES;
  const records: CifarRecord[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const offset = i * CIFAR_RECORD_BYTES;
    const label = buf[offset]!;
    if (label >= numClasses) {
      throw new PrepareError(file, `record ${i} has label ${label}, expected 0..${numClasses - 1}`);
    }
    const chw = buf.subarray(offset + 1, offset + CIFAR_RECORD_BYTES); // [C=3, H=32, W=32]
    records[i] = { label, image: chwToHwc(chw, CIFAR_SIDE, CIFAR_SIDE, CIFAR_CHANNELS) }; // [H, W, C]
  }
  return records;
}

/** Parses `batches.meta.txt`: one class name per line (blank lines ignored). */
export function parseCifarMeta(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}
