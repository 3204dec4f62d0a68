// Which backends can read tensor values synchronously (dataSync, arraySync, bufferSync), for the few library
// paths that need host values in the middle of a computation (conditional inference's gate decisions, the
// losses' optional value check). Loads no backend package, which is why it is the one file of src/backend that
// library modules may import (docs/architecture.md, section 2; .dependency-cruiser.cjs).
//
// cpu and wasm keep tensors in host memory; tfjs-node's 'tensorflow' copies synchronously. tfjs-backend-webgpu
// keeps them in GPU memory and reads synchronously only through an OffscreenCanvas, which Node lacks: there
// every read must be `await t.data()`. Unknown backends are treated as asynchronous.
import * as tf from '@tensorflow/tfjs-core';

export const SYNC_READBACK_BACKENDS: readonly string[] = ['cpu', 'wasm', 'tensorflow'];

/** Whether `backend` (default: the active one) reads tensor values synchronously. */
export function hasSyncReadback(backend: string = tf.getBackend()): boolean {
  return SYNC_READBACK_BACKENDS.includes(backend);
}

/** Throws a clear error when the active backend cannot read synchronously and `fn` needs it. */
export function requireSyncReadback(fn: string, why: string): void {
  const backend = tf.getBackend();
  if (hasSyncReadback(backend)) return;
  throw new Error(
    `${fn}: ${why}, which needs a backend with synchronous readback (${SYNC_READBACK_BACKENDS.join(', ')}); the active backend is '${backend}'. Run it after initBackend('wasm') (save a checkpoint and load it there)`,
  );
}
