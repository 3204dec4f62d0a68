// Thread configuration for the wasm backend in Node.
// tfjs-backend-wasm 4.22 turns threads off in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there) because its
// pthread workers are loaded from `blob:` URLs, which Node's worker_threads cannot load. We make them work:
//  1. the worker script (shipped in the package as a string) is written to a file in the OS temp folder,
//     with a prelude that answers the worker's own blob: request for the main script with the package's
//     wasm-out/tfjs-backend-wasm-threaded-simd.js file;
//  2. URL.createObjectURL is wrapped so that the one Blob tfjs makes for that worker script (recognised by
//     type and exact size) maps to that file; every other Blob goes to Node's own implementation;
//  3. the C++ side caps threads at navigator.hardwareConcurrency / 2 (it assumes 2 hyper-threads per core),
//     read from os.cpus() in Node while the module starts; os.cpus is answered with 2 x requested entries
//     for the duration of the backend's start only, so that the cap is the requested count;
//  4. the backend is started here (tf.setBackend('wasm')), so that a failure can fall back to one thread.
// Emscripten unrefs idle workers in Node but refs those running a pthread; XNNPACK's pool threads run for
// the life of the process, so we unref those after the start: the process exits when the script ends.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { denoWorkerPrelude } from './deno_worker_globals.js';

export interface WasmThreads {
  /** Threads the XNNPACK thread pool uses (1 = the calling thread only). */
  inUse: number;
  /** Why fewer threads than requested are in use, if so. */
  note?: string;
}

interface WasmPackage {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

/** The C++ side pre-creates 8 workers and caps its pool there. */
const MAX_THREADS = 8;
/** How long the threaded start may take before we give up on it (it loads 8 workers). */
const START_TIMEOUT_MS = 60_000;

const require = createRequire(import.meta.url);

function wasmPackage(): WasmPackage {
  return require('@tensorflow/tfjs-backend-wasm') as WasmPackage;
}

/** Threads in XNNPACK's pool now (1 before the backend starts). */
export function wasmPoolThreads(): number {
  return wasmPackage().getThreadsCount();
}

function packageDir(): string {
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

/** The wasm backend instance if it has already started (tf.findBackend would start it; we must not). */
function startedWasmBackend(): unknown {
  const registry = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
  return registry.wasm;
}

/** Writes the pthread worker script to a file Node can load; returns its path and the Blob size tfjs makes. */
function writeWorkerFile(): { path: string; blobSize: number } {
  const dir = packageDir();
  const mainScript = join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const workerModule = join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js');
  if (!existsSync(mainScript)) throw new Error(`missing ${mainScript}`);
  const contents = (require(workerModule) as { wasmWorkerContents: string }).wasmWorkerContents;
  // tfjs escapes newlines before making its Blob (string literals in the script hold raw newlines); same here.
  const escaped = contents.replace(/\n/g, '\\n');
  const prelude = [
    '// Written by batch-shaping (src/backend/wasm/wasm_threads.ts): tfjs-backend-wasm pthread worker for Node.',
    `const __tfjsMainScript = ${JSON.stringify(mainScript)};`,
    'const __createObjectURL = URL.createObjectURL;',
    'URL.createObjectURL = (o) => (o instanceof Blob ? __tfjsMainScript : __createObjectURL(o));',
    'const __revokeObjectURL = URL.revokeObjectURL;',
    'URL.revokeObjectURL = (u) => { if (u !== __tfjsMainScript) __revokeObjectURL(u); };',
    denoWorkerPrelude(),
    '',
  ].join('\n');
  const text = prelude + escaped;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const path = join(os.tmpdir(), `batch-shaping-tfjs-wasm-worker-${hash}.cjs`);
  if (!existsSync(path) || readFileSync(path, 'utf8') !== text) {
    // Write then rename: a concurrent process never loads a half-written worker.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  }
  return { path, blobSize: Buffer.byteLength(escaped) };
}

let workerRoute: { path: string; blobSize: number } | undefined;

/** Routes tfjs' worker Blob to our file. Installed once; it only claims that one Blob. */
function installWorkerRoute(route: { path: string; blobSize: number }): void {
  if (workerRoute !== undefined) {
    workerRoute = route;
    return;
  }
  workerRoute = route;
  const original = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (obj: Blob | MediaSource): string => {
    if (
      workerRoute !== undefined &&
      obj instanceof Blob &&
      obj.type === 'application/javascript' &&
      obj.size === workerRoute.blobSize
    ) {
      return workerRoute.path;
    }
    return original(obj as Blob);
  };
}

function threadSupportProblem(): string | undefined {
  if (typeof SharedArrayBuffer === 'undefined') return 'SharedArrayBuffer is unavailable';
  if (typeof Atomics === 'undefined') return 'Atomics is unavailable';
  // A module using shared memory and an atomic load: rejected where wasm threads are unsupported.
  const probe = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254,
    16, 2, 0, 26, 11,
  ]);
  if (!WebAssembly.validate(probe)) return 'this WebAssembly engine has no threads';
  return undefined;
}

/**
 * Emscripten refs a worker while a pthread runs on it; XNNPACK's pool threads run (parked) for the life of
 * the process, so they would keep Node alive after the script ends. They only ever serve synchronous kernel
 * calls of the main thread, so nothing is lost by not waiting for them.
 */
function unrefRunningWorkers(): void {
  const backend = tf.findBackend('wasm') as unknown as {
    wasm?: { PThread?: { runningWorkers?: { unref?: () => void }[] } };
  } | null;
  for (const worker of backend?.wasm?.PThread?.runningWorkers ?? []) worker.unref?.();
}

async function startBackend(threads: number): Promise<boolean> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
  wasmPackage().setThreadsCount(threads);
  if (threads === 1) return tf.setBackend('wasm');
  const realCpus = os.cpus;
  const cpus = realCpus();
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus[i % Math.max(1, cpus.length)]!);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<boolean>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`threaded start took over ${START_TIMEOUT_MS / 1000} s`)),
        START_TIMEOUT_MS,
      );
      timer.unref();
    });
    const ok = await Promise.race([tf.setBackend('wasm'), timeout]);
    if (ok) unrefRunningWorkers();
    return ok;
  } finally {
    clearTimeout(timer);
    os.cpus = realCpus;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Chooses the wasm backend's thread count and starts the backend (tf.setBackend('wasm')) with it; falls back
 * to one thread, with the reason in `note`, when threads cannot be used. `requested` defaults to the machine's
 * cores, at most 8. Requires @tensorflow/tfjs-backend-wasm to be importable.
 */
export async function configureWasmThreads(requested?: number): Promise<WasmThreads> {
  if (requested !== undefined && !(Number.isInteger(requested) && requested >= 1)) {
    throw new Error(`configureWasmThreads: argument 'requested' must be an integer >= 1; got ${requested}`);
  }
  wasmPackage(); // loads the package if nobody has: it registers the 'wasm' backend and its flags
  const wanted = Math.min(requested ?? Math.min(os.availableParallelism(), MAX_THREADS), MAX_THREADS);
  const capNote = requested !== undefined && requested > MAX_THREADS ? `capped at ${MAX_THREADS}` : undefined;
  if (startedWasmBackend() !== undefined) {
    await tf.setBackend('wasm');
    const inUse = wasmPackage().getThreadsCount();
    return inUse === wanted
      ? { inUse }
      : { inUse, note: 'wasm backend already started; its thread count is fixed' };
  }
  let reason: string | undefined;
  if (wanted > 1) {
    reason = threadSupportProblem();
    if (reason === undefined && (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === false) {
      reason = 'threads need WebAssembly SIMD, unavailable here';
    }
    if (reason === undefined) {
      try {
        installWorkerRoute(writeWorkerFile());
        if (await startBackend(wanted)) {
          const inUse = wasmPackage().getThreadsCount();
          if (inUse === wanted) return capNote === undefined ? { inUse } : { inUse, note: capNote };
          return { inUse, note: `XNNPACK made ${inUse} of ${wanted} threads` };
        }
        reason = 'the threaded wasm module failed to start';
      } catch (err) {
        reason = `threaded start failed: ${message(err)}`;
      }
    }
  }
  if (!(await startBackend(1))) throw new Error('tfjs could not initialise the wasm backend');
  if (reason !== undefined) return { inUse: 1, note: `${reason}; using 1 thread` };
  return wanted === 1 && os.availableParallelism() === 1 && requested === undefined
    ? { inUse: 1, note: 'one CPU core' }
    : { inUse: 1 };
}
