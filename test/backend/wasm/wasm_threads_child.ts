// Child process for wasm_threads.test.ts: the wasm backend starts once per process, so each thread
// configuration is tried in a fresh one. Prints one JSON line: what initBackend reported, how far the
// threaded conv gradients are from the cpu backend's, and whether it ran under Deno.
// Usage: node --import tsx wasm_threads_child.ts <threads> [no-shared-memory]
//        deno run -A --sloppy-imports wasm_threads_child.ts <threads> [no-shared-memory]
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/init_backend.js';
import { convKernels, convKernelsUnavailable } from '../../../src/backend/wasm/simd/conv.js';
import { isDeno } from '../../../src/io/deno_runtime.js';
import { maxRelErr, randomHost } from './wasm_test_utils.js';

const threads = Number(process.argv[2]);
if (process.argv[3] === 'no-shared-memory') {
  // What a host without cross-origin isolation or wasm threads looks like to us.
  (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer = undefined;
}

await initBackend('cpu');
const report = await initBackend('wasm', { wasmThreads: threads });

const x = randomHost([8, 16, 16, 8], 1);
const w = randomHost([3, 3, 8, 16], 2);
function grads(backend: string): Float32Array[] {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = tf.tensor4d(x.values, x.shape as [number, number, number, number]);
    const ws = tf.tensor4d(w.values, w.shape as [number, number, number, number]);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))),
    )([xs, ws]);
    return g.map((t) => t.dataSync() as Float32Array);
  });
}
const ref = grads('cpu');
const got = grads('wasm');
const err = Math.max(maxRelErr(ref[0]!, got[0]!), maxRelErr(ref[1]!, got[1]!));
// Our SIMD module on this backend's heap (shared memory when threaded): the filter gradient above ran on it.
const simd =
  convKernels(tf.findBackend('wasm') as BackendWasm) !== undefined ? 'ok' : convKernelsUnavailable();
process.stdout.write(
  `${JSON.stringify({ name: report.name, reason: report.reason, err, simd, deno: isDeno() })}\n`,
);
