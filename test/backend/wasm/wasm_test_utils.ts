// Shared helpers for the wasm kernel tests: run the same computation on 'cpu' and 'wasm' from the same data,
// compare with a scale-aware relative error, and check that repeated calls leak neither engine tensors nor
// wasm-heap data (backend-level intermediates the engine never sees, and the heap itself).
import assert from 'node:assert/strict';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { wasmHeapBytes, wasmLiveDataIds } from '../../../src/backend/wasm/wasm_kernel_utils.js';
import { useBackend } from '../../helpers/backends.js';

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

/** Runs `fn` on `backend` with tensors made from `inputs`; returns every output's values (float64 copies). */
export async function runOn(
  backend: 'cpu' | 'wasm',
  inputs: HostTensor[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<Float64Array[]> {
  await useBackend(backend);
  let result: Float64Array[] = [];
  tf.tidy(() => {
    const xs = inputs.map((h) => tf.tensor(h.values, h.shape, h.dtype ?? 'float32'));
    const out = fn(...xs);
    result = (Array.isArray(out) ? out : [out]).map((t) => Float64Array.from(t.dataSync()));
  });
  return result;
}

/** max |a - b| / max |a| (normwise: elementwise ratios blow up where the reference is near zero). */
export function maxRelErr(reference: ArrayLike<number>, actual: ArrayLike<number>): number {
  assert.equal(actual.length, reference.length, 'length mismatch');
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    diff = Math.max(diff, Math.abs(reference[i]! - actual[i]!));
    scale = Math.max(scale, Math.abs(reference[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

/** Compares `fn` on cpu and wasm from the same data; every output must agree to `tol` (default 1e-4). */
export async function expectCpuWasmMatch(
  inputs: HostTensor[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  what: string,
  tol = 1e-4,
): Promise<void> {
  const ref = await runOn('cpu', inputs, fn);
  const got = await runOn('wasm', inputs, fn);
  assert.equal(got.length, ref.length);
  for (let i = 0; i < ref.length; i++) {
    const err = maxRelErr(ref[i]!, got[i]!);
    assert.ok(err <= tol, `${what}: output ${i} max relative error ${err.toExponential(2)} > ${tol}`);
  }
}

export function wasmBackend(): BackendWasm {
  return tf.findBackend('wasm') as unknown as BackendWasm;
}

/**
 * Runs `step` (on the active wasm backend) a few times to warm caches, then `reps` more times, and asserts
 * that engine tensors, the wasm backend's own tensor table and the wasm heap size all stay where they were.
 */
export async function expectNoWasmLeak(step: () => void, what: string, reps = 6): Promise<void> {
  await useBackend('wasm');
  const backend = wasmBackend();
  for (let i = 0; i < 2; i++) tf.tidy(step);
  const tensors = tf.memory().numTensors;
  const ids = wasmLiveDataIds(backend);
  const heap = wasmHeapBytes(backend);
  for (let i = 0; i < reps; i++) tf.tidy(step);
  assert.equal(tf.memory().numTensors, tensors, `${what}: engine tensors grew`);
  assert.equal(wasmLiveDataIds(backend), ids, `${what}: wasm backend tensor table grew`);
  assert.equal(wasmHeapBytes(backend), heap, `${what}: wasm heap grew`);
}
