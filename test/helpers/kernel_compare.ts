// Shared by the kernel tests of every backend (test/backend/wasm, test/backend/webgpu): seeded host data that is
// the same bytes on every backend, running a computation on the active backend with an asynchronous readback
// (webgpu has no dataSync in Node), and the scale-aware comparison of a backend's outputs with cpu's.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';

export interface HostTensor {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype?: 'float32' | 'int32';
}

/** Seeded uniform values in [-1, 1) as a host tensor (same bytes on every backend). */
export function randomHost(shape: number[], seed: number): HostTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    // xorshift32: deterministic, no dependency on a backend's RNG
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    values[i] = (s / 2 ** 32) * 2 - 1;
  }
  return { values, shape };
}

/** Runs `fn` on the active backend with tensors made from `inputs`; every output's values (float64 copies). */
export async function runOnActiveBackend(
  inputs: HostTensor[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<Float64Array[]> {
  const outs = tf.tidy(() => {
    const xs = inputs.map((h) => tf.tensor(h.values, h.shape, h.dtype ?? 'float32'));
    const out = fn(...xs);
    return Array.isArray(out) ? out : [out];
  });
  const values = await Promise.all(outs.map(async (t) => Float64Array.from(await t.data())));
  tf.dispose(outs);
  return values;
}

/** max |a - b| / max |a| (normwise: elementwise ratios blow up where the reference is near zero); NaN: Infinity. */
export function maxRelErr(reference: ArrayLike<number>, actual: ArrayLike<number>): number {
  assert.equal(actual.length, reference.length, 'length mismatch');
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = Math.abs(reference[i]! - actual[i]!);
    diff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(reference[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

/** Asserts every output of `got` within `tol` of `ref` (maxRelErr); returns the largest error. */
export function expectOutputsMatch(
  ref: Float64Array[],
  got: Float64Array[],
  what: string,
  tol: number,
): number {
  assert.equal(got.length, ref.length);
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const err = maxRelErr(ref[i]!, got[i]!);
    worst = Math.max(worst, err);
    assert.ok(err <= tol, `${what}: output ${i} max relative error ${err.toExponential(2)} > ${tol}`);
  }
  return worst;
}
