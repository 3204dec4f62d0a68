// Tensor buffers on cache-line boundaries. The wasm backend takes every tensor's memory from emscripten's malloc,
// which aligns to 8 bytes: half the buffers start off a 16-byte boundary and where each one starts in its cache
// line is chance, so SIMD loads straddle lines by a different pattern in every process, and the same training
// step's time moved from process to process by more than the few percent a benchmark must resolve (the gating
// overhead, bench/gating_overhead.ts). Here the backend's malloc and free are wrapped: each tensor gets
// `TENSOR_ALIGNMENT - 8` spare bytes and starts on the next 64-byte boundary; free hands back the pointer malloc
// gave. Memory the C++ side hands over (makeOutput with an offset) never went through the wrapper and is freed as
// it is.
import type { BackendWasm } from './wasm_kernel_utils.js';

/** Bytes: one cache line, a multiple of the 16-byte SIMD vector. */
export const TENSOR_ALIGNMENT = 64;

interface HeapAllocator {
  _malloc(bytes: number): number;
  _free(offset: number): void;
}

const aligned = new WeakSet<object>();

/**
 * Makes every tensor buffer the backend allocates from now on start on a `TENSOR_ALIGNMENT`-byte boundary.
 * Idempotent per backend; buffers allocated before keep their offsets and are freed as they were.
 */
export function alignTensorMemory(backend: BackendWasm): void {
  const wasm = backend.wasm as unknown as HeapAllocator;
  if (aligned.has(wasm)) return;
  // emscripten binds _malloc/_free lazily: the first call replaces the property with the wasm export, which
  // would replace a wrapper installed before it. One call binds both.
  wasm._free(wasm._malloc(8));
  const malloc = wasm._malloc;
  const free = wasm._free;
  const start = new Map<number, number>(); // aligned offset -> offset malloc returned
  wasm._malloc = (bytes: number): number => {
    const raw = malloc(bytes + TENSOR_ALIGNMENT - 8) >>> 0;
    if (raw === 0) return 0;
    const offset = Math.ceil(raw / TENSOR_ALIGNMENT) * TENSOR_ALIGNMENT;
    start.set(offset, raw);
    return offset;
  };
  wasm._free = (offset: number): void => {
    const raw = start.get(offset);
    if (raw === undefined) {
      free(offset);
      return;
    }
    start.delete(offset);
    free(raw);
  };
  aligned.add(wasm);
}
