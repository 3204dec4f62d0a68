// The Node/Deno side of our SIMD pool (simd_pool.ts): worker threads from node:worker_threads, evaluated from
// source with no inherited flags (a worker started under a module loader such as tsx would otherwise load it
// too), and XNNPACK's thread count. initBackend('wasm') installs it.
import { Worker } from 'node:worker_threads';
import type { SimdWorkerHost } from './simd_pool.js';
import { wasmPoolThreads } from './wasm_threads.js';

export const nodeSimdWorkerHost: SimdWorkerHost = {
  threads: wasmPoolThreads,
  start: (source, workerData) => new Worker(source, { eval: true, execArgv: [], workerData }),
};
