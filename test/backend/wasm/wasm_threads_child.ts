// Child process for wasm_threads.test.ts: the wasm backend starts once per process, so each thread
// configuration is tried in a fresh one. Prints one JSON line: what initBackend reported, how far the
// threaded conv gradients are from the cpu backend's, and whether it ran under Deno.
// Usage: node --import tsx wasm_threads_child.ts <threads> [no-shared-memory]
//        deno run -A --sloppy-imports wasm_threads_child.ts <threads> [no-shared-memory]
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/init_backend.js';
import { DIRECT_CONV2D, setWasmConv2DMaxThreads } from '../../../src/backend/wasm/conv2d.js';
import { CONV_BINARY, convKernels, convKernelsUnavailable } from '../../../src/backend/wasm/simd/conv.js';
import { heapOffset } from '../../../src/backend/wasm/simd_module.js';
import { simdPool } from '../../../src/backend/wasm/simd_pool.js';
import { isDeno } from '../../../src/io/deno_runtime.js';
import { type HostTensor, maxRelErr, randomHost } from './wasm_test_utils.js';

const threads = Number(process.argv[2]);
if (process.argv[3] === 'no-shared-memory') {
  // What a host without cross-origin isolation or wasm threads looks like to us.
  (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer = undefined;
}

await initBackend('cpu');
const report = await initBackend('wasm', { wasmThreads: threads });

// Two convs: 8 -> 16 channels, stride 2 (our filter gradient split over input channel groups), and 16 -> 32,
// stride 1 (our filter gradient split over output channel blocks); with the direct conv below (split over output
// rows), every way our SIMD pool splits a job runs here on 2 threads.
type Case = { x: HostTensor; w: HostTensor; stride: number; b?: HostTensor };
const cases: Case[] = [
  { x: randomHost([8, 16, 16, 8], 1), w: randomHost([3, 3, 8, 16], 2), stride: 2 },
  { x: randomHost([4, 10, 10, 16], 3), w: randomHost([3, 3, 16, 32], 4), stride: 1 },
];
function grads(backend: string): Float32Array[] {
  tf.setBackend(backend);
  return tf.tidy(() =>
    cases.flatMap(({ x, w, stride }) => {
      const xs = tf.tensor4d(x.values, x.shape as [number, number, number, number]);
      const ws = tf.tensor4d(w.values, w.shape as [number, number, number, number]);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'same'))),
      )([xs, ws]);
      return g.map((t) => t.dataSync() as Float32Array);
    }),
  );
}
const ref = grads('cpu');
const got = grads('wasm');
// Conditional inference's conv (BatchShapingDirectConv2D: our forward conv, split over the pool by output rows;
// on a filter packed per 16 output channels, by rows where the map is the larger read, by channel blocks where
// the filter is: the 3x3 map below) against the cpu backend's conv2d.
// It also adds a bias and applies ReLU in the conv's store (the epilogue conditional inference fuses).
const wide = {
  x: randomHost([1, 3, 3, 16], 5),
  w: randomHost([3, 3, 16, 32], 6),
  stride: 1,
  b: randomHost([32], 7),
};
function forward(backend: string, kernel?: string, packed = false, c: Case = cases[1]!): Float32Array {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = tf.tensor4d(c.x.values, c.x.shape as [number, number, number, number]);
    const hwio = tf.tensor4d(c.w.values, c.w.shape as [number, number, number, number]);
    // Packed per 16 output channels ([Co/16, FH, FW, Ci, 16]): conditional inference's gathered filters.
    const ws = packed ? tf.transpose(tf.reshape(hwio, [3, 3, 16, 2, 16]), [3, 0, 1, 2, 4]) : hwio;
    const bias = c.b === undefined ? undefined : tf.tensor1d(c.b.values);
    const y =
      kernel === undefined
        ? bias === undefined
          ? tf.conv2d(xs, hwio, 1, 'same')
          : tf.relu(tf.add(tf.conv2d(xs, hwio, 1, 'same'), bias))
        : (tf
            .engine()
            .runKernel(kernel, bias === undefined ? { x: xs, filter: ws } : { x: xs, filter: ws, bias }, {
              strides: 1,
              pad: 'same',
              dataFormat: 'NHWC',
              activation: bias === undefined ? 'linear' : 'relu',
            }) as tf.Tensor);
    return y.dataSync() as Float32Array;
  });
}
ref.push(forward('cpu'), forward('cpu'), forward('cpu', undefined, false, wide));
got.push(
  forward('wasm', DIRECT_CONV2D),
  forward('wasm', DIRECT_CONV2D, true),
  forward('wasm', DIRECT_CONV2D, true, wide),
);
const err = Math.max(...ref.map((r, i) => maxRelErr(r, got[i]!)));
// Our SIMD module on this backend's heap (shared memory when threaded): the filter gradient above ran on it.
const simd =
  convKernels(tf.findBackend('wasm') as BackendWasm) !== undefined ? 'ok' : convKernelsUnavailable();
// The threads our SIMD kernels were split over (initBackend waited for the pool's workers).
const backend = tf.findBackend('wasm') as BackendWasm;
const pool = simdPool(backend);

// A job of many more parts than threads (claimed one at a time by the calling thread and the workers): padNHWC
// without padding copies one image of [64, 1, 1, 4] per part. `bad` gives one part a destination far outside
// the heap, so that part traps, on whichever thread claims it.
function copyJob(bad?: number): { copied: boolean; threw: string } {
  tf.setBackend('wasm');
  const src = tf.range(0, 256, 1, 'float32');
  const dst = tf.zeros([256]);
  const [from, to] = [heapOffset(backend, src.dataId), heapOffset(backend, dst.dataId)];
  const parts = Array.from({ length: 64 }, (_, n) => [
    from + 16 * n,
    n === bad ? -64 : to + 16 * n,
    1,
    1,
    1,
    4,
    0,
    0,
    0,
    0,
  ]);
  let threw = '';
  try {
    pool.run(CONV_BINARY, 'padNHWC', parts);
  } catch (e) {
    threw = e instanceof Error ? e.message : String(e);
  }
  const got = dst.dataSync();
  const copied = Array.from(src.dataSync()).every((v, i) => got[i] === v || Math.floor(i / 4) === bad);
  tf.dispose([src, dst]);
  return { copied, threw };
}
const jobs = { many: copyJob(), failing: copyJob(37), after: copyJob() };

// The registered Conv2D on this thread count: ours (split over the pool, which counts its jobs here) up to
// setWasmConv2DMaxThreads, XNNPACK's beyond; the two bit-identical (the same sums in the same order).
const run = pool.run.bind(pool);
let convJobs = 0;
pool.run = (binary, fn, parts) => {
  if (fn === 'conv2d' || fn === 'conv2d8') convJobs++;
  run(binary, fn, parts);
};
function registeredConv(maxThreads: number): { values: number[]; ours: boolean } {
  tf.setBackend('wasm');
  const previous = setWasmConv2DMaxThreads(maxThreads);
  const before = convJobs;
  const c = cases[1]!;
  const values = tf.tidy(() =>
    Array.from(
      tf
        .conv2d(
          tf.tensor4d(c.x.values, c.x.shape as [number, number, number, number]),
          tf.tensor4d(c.w.values, c.w.shape as [number, number, number, number]),
          1,
          'same',
        )
        .dataSync(),
    ),
  );
  setWasmConv2DMaxThreads(previous);
  return { values, ours: convJobs > before };
}
const [byDefault, xnnpackOnly] = [registeredConv(2), registeredConv(1)];
const conv2D = {
  oursByDefault: byDefault.ours,
  oursWithMaxThreads1: xnnpackOnly.ours,
  bitIdentical: byDefault.values.every((v, i) => v === xnnpackOnly.values[i]),
};
process.stdout.write(
  `${JSON.stringify({ name: report.name, reason: report.reason, err, simd, pool: pool.threads, parts: pool.parts, jobs, conv2D, deno: isDeno() })}\n`,
);
