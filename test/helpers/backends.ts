// Test setup: the backends every numeric test runs on, and a switch between them.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';

/** The CPU-side backends CI has; every op/model test runs on each. */
export const TEST_BACKENDS = ['cpu', 'wasm'] as const;
export type TestBackend = (typeof TEST_BACKENDS)[number];

/** Makes `name` the active backend (initialising it once). */
export async function useBackend(name: TestBackend): Promise<void> {
  // engine().registry holds initialised backends only; tf.findBackend would initialise one as a side effect.
  if (tf.engine().registry[name] !== undefined) {
    await tf.setBackend(name);
    return;
  }
  await initBackend(name, { wasmThreads: 1 });
}

/** Asserts that `fn` leaves the number of live tensors unchanged, and returns its result. */
export function expectNoLeak<T>(fn: () => T, what = 'operation'): T {
  const before = tf.memory().numTensors;
  const result = fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`${what} leaked ${after - before} tensor(s)`);
  return result;
}

/** Removes a registered backend if present (tfjs throws on removing an unknown one). */
export function removeBackendIfPresent(name: string): void {
  if (tf.findBackendFactory(name) !== null) tf.removeBackend(name);
}
