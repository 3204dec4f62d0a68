// One typed array from the parts of a column (per-batch chunks of the gate recorder, Arrow record batches).

export type NumericArray = Int32Array | Float32Array | Float64Array | Uint8Array;

/** The parts, in order, copied into one new array of type `Ctor` (a copy even for a single part). */
export function concatTypedArrays<T extends NumericArray>(
  parts: readonly T[],
  Ctor: new (n: number) => T,
): T {
  const out = new Ctor(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p as never, at);
    at += p.length;
  }
  return out;
}
