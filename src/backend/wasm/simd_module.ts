// Our SIMD wasm module (simd_kernels.wat), instantiated on the tfjs-backend-wasm heap: it imports the backend's
// own WebAssembly memory, so its kernels read and write tensors in place. One instance per backend memory,
// made on first use (synchronously: the module is a few KB); undefined, with the reason kept, where it cannot
// be made (no wasm SIMD, a backend whose memory is not reachable), in which case callers keep their XNNPACK path.
import { SIMD_KERNELS_PLAIN, SIMD_KERNELS_SHARED } from './simd_kernels_binary.js';
import type { BackendWasm } from './wasm_kernel_utils.js';

/** The exports of simd_kernels.wat (pointers are byte offsets on the backend's heap). */
export interface SimdKernels {
  filterGrad(
    x: number,
    dy: number,
    dw: number,
    batch: number,
    inH: number,
    inW: number,
    inC: number,
    outH: number,
    outW: number,
    outC: number,
    filterH: number,
    filterW: number,
    strideH: number,
    strideW: number,
    dilationH: number,
    dilationW: number,
    padTop: number,
    padLeft: number,
    rowsPerChunk: number,
  ): void;
  padNHWC(
    src: number,
    dst: number,
    batch: number,
    inH: number,
    inW: number,
    channels: number,
    top: number,
    bottom: number,
    left: number,
    right: number,
  ): void;
  conv2d(
    x: number,
    filter: number,
    y: number,
    batch: number,
    paddedH: number,
    paddedW: number,
    inC: number,
    outH: number,
    outW: number,
    outC: number,
    filterH: number,
    filterW: number,
    strideH: number,
    strideW: number,
    dilationH: number,
    dilationW: number,
  ): void;
}

interface EmscriptenMemoryHolder {
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
}

const instances = new WeakMap<WebAssembly.Memory, SimdKernels>();
let unavailable: string | undefined;

/** The backend's WebAssembly memory: Module.wasmMemory (threaded build) or the module's exported memory. */
function backendMemory(backend: BackendWasm): WebAssembly.Memory | undefined {
  const module = backend.wasm as unknown as EmscriptenMemoryHolder;
  return module.wasmMemory ?? module.asm?.memory;
}

function decode(base64: string): Uint8Array {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Our kernels on this backend's heap, or undefined (see simdKernelsUnavailable for why). */
export function simdKernels(backend: BackendWasm): SimdKernels | undefined {
  const memory = backendMemory(backend);
  if (memory === undefined) {
    unavailable = 'the wasm backend exposes no WebAssembly.Memory (neither Module.wasmMemory nor asm.memory)';
    return undefined;
  }
  const known = instances.get(memory);
  if (known !== undefined) return known;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const module = new WebAssembly.Module(decode(shared ? SIMD_KERNELS_SHARED : SIMD_KERNELS_PLAIN));
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const kernels = instance.exports as unknown as SimdKernels;
    instances.set(memory, kernels);
    unavailable = undefined;
    return kernels;
  } catch (err) {
    unavailable = `our SIMD wasm module did not instantiate: ${err instanceof Error ? err.message : String(err)}`;
    return undefined;
  }
}

/** Why simdKernels() last returned undefined (undefined when it did not). */
export function simdKernelsUnavailable(): string | undefined {
  return unavailable;
}

/** Byte offset of a tensor's data on the wasm heap. */
export function heapOffset(backend: BackendWasm, dataId: object): number {
  return (backend as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } }).dataIdMap.get(
    dataId,
  ).memoryOffset;
}
