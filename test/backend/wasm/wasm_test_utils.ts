// Shared helpers for the wasm kernel tests: run the same computation on 'cpu' and 'wasm' from the same data,
// compare with a scale-aware relative error, and check that repeated calls leak neither engine tensors nor
// wasm-heap data (backend-level intermediates the engine never sees, and the heap itself).
import assert from 'node:assert/strict';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { wasmHeapBytes, wasmLiveDataIds } from '../../../src/backend/wasm/wasm_kernel_utils.js';
import { useBackend } from '../../helpers/backends.js';
import { expectOutputsMatch, type HostTensor, runOnActiveBackend } from '../../helpers/kernel_compare.js';

export { type HostTensor, maxRelErr, randomHost } from '../../helpers/kernel_compare.js';

/** Runs `fn` on `backend` with tensors made from `inputs`; returns every output's values (float64 copies). */
export async function runOn(
  backend: 'cpu' | 'wasm',
  inputs: HostTensor[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<Float64Array[]> {
  await useBackend(backend);
  return runOnActiveBackend(inputs, fn);
}

/** Compares `fn` on cpu and wasm from the same data; every output must agree to `tol` (default 1e-4). */
export async function expectCpuWasmMatch(
  inputs: HostTensor[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  what: string,
  tol = 1e-4,
): Promise<void> {
  expectOutputsMatch(await runOn('cpu', inputs, fn), await runOn('wasm', inputs, fn), what, tol);
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
