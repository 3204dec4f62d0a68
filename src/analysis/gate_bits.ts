// Packed gate masks: one bit per gate channel, little-endian bit order within each byte (bit k of byte j is
// channel 8j + k), the layers' channels concatenated in forward order. The same layout as NumPy's
// `np.packbits(mask, bitorder='little')`, so Python reads a record with
// `np.unpackbits(np.frombuffer(row, np.uint8), bitorder='little')[:total_gates]`.

/** Bytes needed for `bits` bits. */
export function packedBytes(bits: number): number {
  return Math.ceil(bits / 8);
}

/** Packs 0/1 values (any value > 0 counts as on) into `out` (zeroed first) or a new array. */
export function packGateBits(values: ArrayLike<number>, out?: Uint8Array): Uint8Array {
  const bytes = packedBytes(values.length);
  if (out !== undefined && out.length !== bytes) {
    throw new Error(`packGateBits: argument 'out' must have ${bytes} bytes; got ${out.length}`);
  }
  const packed = out ?? new Uint8Array(bytes);
  packed.fill(0);
  for (let i = 0; i < values.length; i++) if (values[i]! > 0) packed[i >> 3]! |= 1 << (i & 7);
  return packed;
}

/** The first `bits` bits of `packed` as 0/1 values. */
export function unpackGateBits(packed: Uint8Array, bits: number): Uint8Array {
  if (packed.length < packedBytes(bits)) {
    throw new Error(
      `unpackGateBits: argument 'packed' must have at least ${packedBytes(bits)} bytes for ${bits} bits; got ${packed.length}`,
    );
  }
  const out = new Uint8Array(bits);
  for (let i = 0; i < bits; i++) out[i] = (packed[i >> 3]! >> (i & 7)) & 1;
  return out;
}

/** Bit `index` of `packed` (0 or 1). */
export function gateBit(packed: Uint8Array, index: number): number {
  return (packed[index >> 3]! >> (index & 7)) & 1;
}
