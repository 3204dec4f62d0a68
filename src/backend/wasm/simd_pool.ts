// Runs a SIMD kernel (simd/*.wat) split over threads. XNNPACK keeps its own pthread pool, which our modules cannot
// use; with a threaded backend (shared memory) we start our own workers instead: as many as XNNPACK's pool has
// threads, minus the calling one. Each instantiates every module of simd/binaries.ts on the same shared memory
// (WORKER_SOURCE below: plain JavaScript, no imports, no inherited loader flags); a job is handed over through a
// small shared control block (simd_pool_layout.ts) and Atomics.wait/notify, so dispatch is synchronous, as a tfjs
// kernel must be: the calling thread runs its own part, then waits for the others. Nothing waits for a worker to
// start (a worker's start may need the main thread's event loop, e.g. under a module loader): jobs go to the
// workers that are ready, and until one is, everything runs on the calling thread, as it does without shared
// memory, with one XNNPACK thread, or where workers cannot be made (the reason is kept in `note`).
import { SIMD_BINARIES } from './simd/binaries.js';
import { type SimdBinary, simdBackendMemory, simdModule } from './simd_module.js';
import {
  ARGC,
  ARGS,
  DONE,
  FAILED,
  FUNCTION,
  MAX_ARGS,
  MODULE,
  READY,
  SEQ,
  SLOT_WORDS,
} from './simd_pool_layout.js';
import type { BackendWasm } from './wasm_kernel_utils.js';

/** A pool worker: instantiates the modules on the shared memory, says it is ready, then runs jobs forever. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { memory, control, slot, binaries } = workerData;
const words = new Int32Array(control, slot * ${SLOT_WORDS} * 4, ${SLOT_WORDS});
const decode = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const modules = binaries.map((b64) => {
  const exports = new WebAssembly.Instance(new WebAssembly.Module(decode(b64)), { env: { memory } }).exports;
  return Object.keys(exports).sort().map((name) => exports[name]);
});
Atomics.store(words, ${READY}, 1);
let seen = Atomics.load(words, ${SEQ});
for (;;) {
  Atomics.wait(words, ${SEQ}, seen);
  seen = Atomics.load(words, ${SEQ});
  try {
    const args = Array.from(words.subarray(${ARGS}, ${ARGS} + words[${ARGC}]));
    modules[words[${MODULE}]][words[${FUNCTION}]](...args);
    Atomics.store(words, ${FAILED}, 0);
  } catch (err) {
    Atomics.store(words, ${FAILED}, 1);
    console.error('SIMD pool worker ' + slot + ': ' + (err && err.message ? err.message : String(err)));
  }
  Atomics.add(words, ${DONE}, 1);
  Atomics.notify(words, ${DONE});
}
`;
/** How long one part of a job may take before the pool gives up on its worker. */
const JOB_TIMEOUT_MS = 600_000;

export interface SimdPool {
  /** Threads a job may be split over (the calling one included). */
  readonly threads: number;
  /** Why fewer threads than XNNPACK's are used, if so. */
  readonly note?: string;
  /**
   * Runs `fn` of `binary` once per entry of `parts` (its i32 arguments), concurrently: the first on the calling
   * thread, the others on the workers (at most `threads` parts); returns when all are done.
   */
  run(binary: SimdBinary, fn: string, parts: readonly (readonly number[])[]): void;
  /** Resolves once every worker is ready, or after `timeoutMs` (jobs then keep running on fewer threads). */
  whenReady(timeoutMs?: number): Promise<void>;
}

/**
 * How this runtime starts a worker on a script and learns XNNPACK's thread count: set by the Node/Deno backend
 * set-up (simd_worker_host.ts, from initBackend), so that this file, loaded in browsers too (the gate explorer
 * registers our kernels), imports no Node built-in. Without a host every job runs on the calling thread.
 */
export interface SimdWorkerHost {
  /** Threads in XNNPACK's pool now. */
  threads(): number;
  /** Starts a worker evaluating `source` (plain JavaScript, CommonJS `require` available) with `workerData`. */
  start(source: string, workerData: unknown): { unref(): void; terminate(): unknown };
}

let host: SimdWorkerHost | undefined;

export function setSimdWorkerHost(h: SimdWorkerHost): void {
  host = h;
}

interface WorkerSlot {
  worker: { unref(): void; terminate(): unknown };
  words: Int32Array;
}

const pools = new WeakMap<WebAssembly.Memory, SimdPool>();

type Kernel = (...args: number[]) => void;

function kernelOf(backend: BackendWasm, binary: SimdBinary, fn: string): Kernel {
  const exports = simdModule<Record<string, Kernel>>(backend, binary);
  const kernel = exports?.[fn];
  if (kernel === undefined)
    throw new Error(`SIMD module '${binary.name}' has no function '${fn}' on this backend`);
  return kernel;
}

/** Starts one worker on `slot` (it becomes usable once it sets READY). */
function startWorker(
  h: SimdWorkerHost,
  memory: WebAssembly.Memory,
  control: SharedArrayBuffer,
  slot: number,
): WorkerSlot {
  const words = new Int32Array(control, slot * SLOT_WORDS * 4, SLOT_WORDS);
  const binaries = SIMD_BINARIES.map((b) => b.shared);
  const worker = h.start(WORKER_SOURCE, { memory, control, slot, binaries });
  worker.unref();
  return { worker, words };
}

function makePool(backend: BackendWasm, memory: WebAssembly.Memory | undefined): SimdPool {
  const single = (note?: string): SimdPool => ({
    threads: 1,
    ...(note !== undefined && { note }),
    run(binary, fn, parts) {
      const kernel = kernelOf(backend, binary, fn);
      for (const part of parts) kernel(...part);
    },
    whenReady: () => Promise.resolve(),
  });
  if (host === undefined) return single('no worker host in this runtime');
  const h = host;
  const wanted = h.threads();
  if (wanted <= 1) return single();
  if (memory === undefined || !(memory.buffer instanceof SharedArrayBuffer)) {
    return single('the backend memory is not shared');
  }
  const control = new SharedArrayBuffer((wanted - 1) * SLOT_WORDS * 4);
  const slots: WorkerSlot[] = [];
  try {
    for (let i = 0; i < wanted - 1; i++) slots.push(startWorker(h, memory, control, i));
  } catch (err) {
    for (const s of slots) void s.worker.terminate();
    return single(`workers unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    threads: wanted,
    async whenReady(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (slots.some((s) => Atomics.load(s.words, READY) !== 1) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    run(binary, fn, parts) {
      if (parts.length > wanted) throw new Error(`SimdPool.run: ${parts.length} parts for ${wanted} threads`);
      const ready = slots.filter((s) => Atomics.load(s.words, READY) === 1);
      if (ready.length < parts.length - 1) {
        // Workers still starting: this job runs on the calling thread (its parts are independent).
        const kernel = kernelOf(backend, binary, fn);
        for (const part of parts) kernel(...part);
        return;
      }
      const kernel = kernelOf(backend, binary, fn);
      const moduleIndex = SIMD_BINARIES.findIndex((b) => b.name === binary.name);
      const exportNames = Object.keys(simdModule<Record<string, Kernel>>(backend, binary)!).sort();
      const fnIndex = exportNames.indexOf(fn);
      if (moduleIndex < 0) throw new Error(`SIMD module '${binary.name}' is not listed in simd/binaries.ts`);
      const handed: { words: Int32Array; done: number }[] = [];
      for (let p = 1; p < parts.length; p++) {
        const args = parts[p]!;
        if (args.length > MAX_ARGS)
          throw new Error(`SimdPool.run: '${fn}' takes at most ${MAX_ARGS} arguments`);
        const { words } = ready[p - 1]!;
        words[MODULE] = moduleIndex;
        words[FUNCTION] = fnIndex;
        words[ARGC] = args.length;
        words.set(args, ARGS);
        handed.push({ words, done: Atomics.load(words, DONE) });
        Atomics.add(words, SEQ, 1);
        Atomics.notify(words, SEQ);
      }
      let failure: unknown;
      try {
        if (parts.length > 0) kernel(...parts[0]!);
      } catch (err) {
        failure = err;
      }
      for (const { words, done } of handed) {
        while (Atomics.load(words, DONE) === done) {
          if (Atomics.wait(words, DONE, done, JOB_TIMEOUT_MS) === 'timed-out') {
            throw new Error(`SIMD pool: '${binary.name}.${fn}' did not finish on a worker within 10 minutes`);
          }
        }
        if (Atomics.load(words, FAILED) !== 0) {
          failure ??= new Error(
            `SIMD pool: '${binary.name}.${fn}' failed on a worker (its message is on stderr)`,
          );
        }
      }
      if (failure !== undefined) throw failure;
    },
  };
}

/** The pool for this backend (made on first use; see the header). */
export function simdPool(backend: BackendWasm): SimdPool {
  const memory = simdBackendMemory(backend);
  if (memory === undefined) return makePool(backend, undefined);
  let pool = pools.get(memory);
  if (pool === undefined) {
    pool = makePool(backend, memory);
    pools.set(memory, pool);
  }
  return pool;
}

/** Splits [0, total) into at most `parts` contiguous ranges of multiples of `step` (the last may be shorter). */
export function splitRange(total: number, parts: number, step = 1): [number, number][] {
  const blocks = Math.ceil(total / step);
  const n = Math.max(1, Math.min(parts, blocks));
  const ranges: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const lo = Math.floor((blocks * i) / n) * step;
    const hi = Math.min(total, Math.floor((blocks * (i + 1)) / n) * step);
    if (hi > lo) ranges.push([lo, hi]);
  }
  return ranges;
}
