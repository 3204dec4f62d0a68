// Test setup: the backends every numeric test runs on, and a switch between them.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/init_backend.js';

export type TestBackend = 'cpu' | 'wasm' | 'webgpu';

/**
 * Whether a WebGPU adapter is ready for the tests: scripts/setup_lavapipe.sh (sourced env.sh) sets
 * BATCH_SHAPING_WEBGPU_READY=1 once Dawn sees its software Vulkan adapter; a machine with a GPU sets it by hand.
 */
export const WEBGPU_READY = process.env.BATCH_SHAPING_WEBGPU_READY === '1';

/**
 * The backends every op/model test runs on: the CPU-side ones CI always has, and webgpu where WEBGPU_READY.
 * BATCH_SHAPING_TEST_BACKENDS=webgpu (a comma list) narrows the set, e.g. to rerun the GPU path alone.
 */
export const TEST_BACKENDS: readonly TestBackend[] = selectTestBackends();

function selectTestBackends(): TestBackend[] {
  const all: TestBackend[] = WEBGPU_READY ? ['cpu', 'wasm', 'webgpu'] : ['cpu', 'wasm'];
  const only = process.env.BATCH_SHAPING_TEST_BACKENDS;
  if (only === undefined || only === '') return all;
  const wanted = only.split(',').map((s) => s.trim());
  for (const w of wanted) {
    if (!all.includes(w as TestBackend)) {
      throw new Error(
        `BATCH_SHAPING_TEST_BACKENDS: '${w}' is not one of the available test backends ${all.join(', ')}`,
      );
    }
  }
  return all.filter((b) => wanted.includes(b));
}

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
