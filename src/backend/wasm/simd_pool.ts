// Runs a SIMD kernel (simd/*.wat) split over threads. XNNPACK keeps its own pthread pool, which our modules cannot
// use; with a threaded backend (shared memory) we start our own workers instead: as many as XNNPACK's pool has
// threads, minus the calling one. Each instantiates every module of simd/binaries.ts on the same shared memory
// (WORKER_SOURCE below: plain JavaScript, no imports, no inherited loader flags). A job is a list of independent
// parts (ranges of rows or channels) posted through a small shared control block (simd_pool_layout.ts): the
// calling thread and the workers claim parts one at a time (Atomics.compareExchange on one word) until none is
// left, so a worker that wakes late, or shares its core, delays one small part instead of a thread's share; the
// calling thread then waits (Atomics.wait) for the parts still running, so dispatch is synchronous, as a tfjs
// kernel must be. Nothing waits for a worker to start (a worker's start may need the main thread's event loop,
// e.g. under a module loader): until one is ready, everything runs on the calling thread, as it does without
// shared memory, with one XNNPACK thread, or where workers cannot be made (the reason is kept in `note`).
import { SIMD_BINARIES } from './simd/binaries.js';
import { type SimdBinary, simdBackendMemory, simdModule } from './simd_module.js';
import {
  ARGC,
  CLAIM,
  COMPLETED,
  controlWords,
  FAILED,
  FUNCTION,
  MAX_ARGS,
  MAX_PARTS,
  MODULE,
  READY,
  SEQ,
  tableOffset,
} from './simd_pool_layout.js';
import type { BackendWasm } from './wasm_kernel_utils.js';

/**
 * A pool worker: instantiates the modules on the shared memory, says it is ready, then, at every job, claims and
 * runs parts until none is left. After a failure the parts not yet started are counted, not run.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { memory, control, slot, table, binaries } = workerData;
const words = new Int32Array(control);
const decode = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const modules = binaries.map((b64) => {
  const exports = new WebAssembly.Instance(new WebAssembly.Module(decode(b64)), { env: { memory } }).exports;
  return Object.keys(exports).sort().map((name) => exports[name]);
});
Atomics.store(words, ${READY} + slot, 1);
let seen = Atomics.load(words, ${SEQ});
for (;;) {
  Atomics.wait(words, ${SEQ}, seen);
  seen = Atomics.load(words, ${SEQ});
  for (;;) {
    const claim = Atomics.load(words, ${CLAIM});
    const part = claim & 0xffff;
    const parts = claim >>> 16;
    if (part >= parts) break;
    if (Atomics.compareExchange(words, ${CLAIM}, claim, claim + 1) !== claim) continue;
    if (Atomics.load(words, ${FAILED}) === 0) {
      try {
        const argc = words[${ARGC}];
        const at = table + part * argc;
        modules[words[${MODULE}]][words[${FUNCTION}]](...words.subarray(at, at + argc));
      } catch (err) {
        Atomics.store(words, ${FAILED}, 1);
        console.error('SIMD pool worker ' + slot + ': ' + (err && err.message ? err.message : String(err)));
      }
    }
    if (Atomics.add(words, ${COMPLETED}, 1) + 1 === parts) Atomics.notify(words, ${COMPLETED});
  }
}
`;
/** How long one part of a job may take before the pool gives up on its worker. */
const JOB_TIMEOUT_MS = 600_000;

export interface SimdPool {
  /** Threads a job may be split over (the calling one included). */
  readonly threads: number;
  /**
   * How many parts to split a job into where parts are cheap to add (PARTS_PER_THREAD per thread, at most
   * MAX_PARTS; 1 on one thread): a late or slowed worker then costs one small part.
   */
  readonly parts: number;
  /** Why fewer threads than XNNPACK's are used, if so. */
  readonly note?: string;
  /**
   * Runs `fn` of `binary` once per entry of `parts` (its i32 arguments, as many for every part), concurrently and
   * in any order: the calling thread and the workers claim them one at a time. At most MAX_PARTS parts of
   * MAX_ARGS arguments. Returns when all are done; throws the first failure, once no part is running.
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

/** Parts per thread of a job split for dynamic claiming (SimdPool.parts). */
const PARTS_PER_THREAD = 32;

const pools = new WeakMap<WebAssembly.Memory, SimdPool>();

type Kernel = (...args: number[]) => void;

/** A kernel and where workers find it: its module's index in SIMD_BINARIES, its index in the sorted exports. */
interface Resolved {
  kernel: Kernel;
  module: number;
  fn: number;
}

function resolve(backend: BackendWasm, binary: SimdBinary, fn: string): Resolved {
  const exports = simdModule<Record<string, Kernel>>(backend, binary);
  const kernel = exports?.[fn];
  if (exports === undefined || kernel === undefined)
    throw new Error(`SIMD module '${binary.name}' has no function '${fn}' on this backend`);
  return {
    kernel,
    module: SIMD_BINARIES.findIndex((b) => b.name === binary.name),
    fn: Object.keys(exports).sort().indexOf(fn),
  };
}

function checkParts(fn: string, parts: readonly (readonly number[])[]): void {
  if (parts.length > MAX_PARTS)
    throw new Error(`SimdPool.run: '${fn}' has ${parts.length} parts (at most ${MAX_PARTS})`);
  const argc = parts[0]?.length ?? 0;
  if (argc > MAX_ARGS)
    throw new Error(`SimdPool.run: '${fn}' takes at most ${MAX_ARGS} arguments; got ${argc}`);
  if (parts.some((p) => p.length !== argc))
    throw new Error(`SimdPool.run: the parts of '${fn}' must have as many arguments each (${argc})`);
}

function makePool(backend: BackendWasm, memory: WebAssembly.Memory | undefined): SimdPool {
  const resolved = new Map<string, Resolved>(); // by binary name and function
  const lookup = (binary: SimdBinary, fn: string): Resolved => {
    const key = `${binary.name}.${fn}`;
    let r = resolved.get(key);
    if (r === undefined) {
      r = resolve(backend, binary, fn);
      resolved.set(key, r);
    }
    return r;
  };
  const sequential = (binary: SimdBinary, fn: string, parts: readonly (readonly number[])[]): void => {
    checkParts(fn, parts);
    const { kernel } = lookup(binary, fn);
    for (const part of parts) kernel(...part);
  };
  const single = (note?: string): SimdPool => ({
    threads: 1,
    parts: 1,
    ...(note !== undefined && { note }),
    run: sequential,
    whenReady: () => Promise.resolve(),
  });
  if (host === undefined) return single('no worker host in this runtime');
  const h = host;
  const wanted = h.threads();
  if (wanted <= 1) return single();
  if (memory === undefined || !(memory.buffer instanceof SharedArrayBuffer)) {
    return single('the backend memory is not shared');
  }
  const workers = wanted - 1;
  const control = new SharedArrayBuffer(controlWords(workers) * 4);
  const words = new Int32Array(control);
  const table = tableOffset(workers);
  const binaries = SIMD_BINARIES.map((b) => b.shared);
  const started: { unref(): void; terminate(): unknown }[] = [];
  try {
    for (let slot = 0; slot < workers; slot++) {
      const worker = h.start(WORKER_SOURCE, { memory, control, slot, table, binaries });
      worker.unref();
      started.push(worker);
    }
  } catch (err) {
    for (const w of started) void w.terminate();
    return single(`workers unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
  const readyWorkers = () => {
    let n = 0;
    for (let w = 0; w < workers; w++) n += Atomics.load(words, READY + w);
    return n;
  };
  return {
    threads: wanted,
    parts: Math.min(MAX_PARTS, wanted * PARTS_PER_THREAD),
    async whenReady(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (readyWorkers() < workers && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    run(binary, fn, parts) {
      const ready = parts.length > 1 ? readyWorkers() : 0;
      if (ready === 0) {
        // One part, or workers still starting: the calling thread runs it all.
        sequential(binary, fn, parts);
        return;
      }
      checkParts(fn, parts);
      const { kernel, module, fn: fnIndex } = lookup(binary, fn);
      if (module < 0) throw new Error(`SIMD module '${binary.name}' is not listed in simd/binaries.ts`);
      const argc = parts[0]!.length;
      words[MODULE] = module;
      words[FUNCTION] = fnIndex;
      words[ARGC] = argc;
      for (let p = 0; p < parts.length; p++) words.set(parts[p]!, table + p * argc);
      Atomics.store(words, COMPLETED, 0);
      Atomics.store(words, FAILED, 0);
      Atomics.store(words, CLAIM, parts.length << 16); // the job is posted: parts may be claimed from here
      Atomics.add(words, SEQ, 1);
      Atomics.notify(words, SEQ, Math.min(ready, parts.length - 1));
      let failure: unknown;
      for (;;) {
        const claim = Atomics.load(words, CLAIM);
        const part = claim & 0xffff;
        if (part >= parts.length) break;
        if (Atomics.compareExchange(words, CLAIM, claim, claim + 1) !== claim) continue;
        if (failure === undefined && Atomics.load(words, FAILED) === 0) {
          try {
            kernel(...parts[part]!);
          } catch (err) {
            failure = err;
            Atomics.store(words, FAILED, 1);
          }
        }
        Atomics.add(words, COMPLETED, 1);
      }
      for (
        let done = Atomics.load(words, COMPLETED);
        done < parts.length;
        done = Atomics.load(words, COMPLETED)
      ) {
        if (Atomics.wait(words, COMPLETED, done, JOB_TIMEOUT_MS) === 'timed-out') {
          throw new Error(`SIMD pool: '${binary.name}.${fn}' did not finish on a worker within 10 minutes`);
        }
      }
      if (failure !== undefined) throw failure;
      if (Atomics.load(words, FAILED) !== 0) {
        throw new Error(`SIMD pool: '${binary.name}.${fn}' failed on a worker (its message is on stderr)`);
      }
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
