// Add, Sub and Multiply of small float32 tensors on the wasm heap in JavaScript, without entering the wasm
// module. A training step makes hundreds of these (optimizer updates of batch-norm and gate parameters,
// per-channel gradient terms, scalars): 796 of a gated ResNet-20 step's ~3000 kernels have under a thousand
// elements. The stock kernel's fixed cost is a cwrap call plus an XNNPACK dispatch to the thread pool, whose
// threads have gone to sleep during the step's JavaScript between kernels; profiled in a step on the shared
// 2-core machine: ~50 us per tiny Multiply on one thread, ~250 us on two. A loop here costs ~25 ns per element
// (typed-array views of the shared wasm memory; 0.06 ms for 2304 elements in bench/wasm_kernels.ts, where the
// stock kernel, called back to back with its pool awake, took 0.01 ms), so only outputs <= 1024 elements come
// here. Not from a paper.
// Exactness: each element is one float32 operation done in float64 and rounded once to float32 on store;
// for +, - and x that double rounding is exact (float64 has more than 2 x 24 + 2 significand bits), so the
// results are bit-identical to XNNPACK's float32 arithmetic and to the cpu backend's.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm, TensorInfo } from './wasm_kernel_utils.js';
import { heapView } from './wasm_kernel_utils.js';

export type SmallBinaryKernel = typeof tf.Add | typeof tf.Sub | typeof tf.Multiply;

/** Largest output (elements) computed in JavaScript; beyond it the wasm kernels' SIMD loops win. */
export const MAX_SMALL_ELEMENTS = 1024;

/** Whether `a op b` is computed by smallBinaryOnHeap (float32 operands, non-empty output <= 1024 elements). */
export function isSmallBinary(a: TensorInfo, b: TensorInfo, outSize: number): boolean {
  return a.dtype === 'float32' && b.dtype === 'float32' && outSize > 0 && outSize <= MAX_SMALL_ELEMENTS;
}

/** Row-major strides of `shape` left-padded to `rank`, 0 along broadcast (size-1) axes. */
function broadcastStrides(shape: number[], outShape: number[]): number[] {
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let d = rank - 1, s = shape.length - 1; d >= 0; d--, s--) {
    const extent = s >= 0 ? shape[s]! : 1;
    strides[d] = extent === 1 ? 0 : stride;
    stride *= extent;
  }
  return strides;
}

/** `a op b` with numpy broadcasting, written to a new output on the heap. Check isSmallBinary first. */
export function smallBinaryOnHeap(
  kernel: SmallBinaryKernel,
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  outShape: number[],
): TensorInfo {
  const out = backend.makeOutput(outShape, 'float32');
  // Views after the allocation: it may grow (and move) the heap.
  const av = heapView(backend, a) as Float32Array;
  const bv = heapView(backend, b) as Float32Array;
  const ov = heapView(backend, out) as Float32Array;
  const n = ov.length;
  // One loop per operator and operand layout, so that each stays monomorphic (a shared closure per element
  // measured ~50 ns per element; these run at a few ns).
  const op = kernel === tf.Add ? 0 : kernel === tf.Sub ? 1 : 2;
  if (av.length === n && bv.length === n) {
    if (op === 0) for (let i = 0; i < n; i++) ov[i] = av[i]! + bv[i]!;
    else if (op === 1) for (let i = 0; i < n; i++) ov[i] = av[i]! - bv[i]!;
    else for (let i = 0; i < n; i++) ov[i] = av[i]! * bv[i]!;
  } else if (bv.length === 1 && av.length === n) {
    const q = bv[0]!;
    if (op === 0) for (let i = 0; i < n; i++) ov[i] = av[i]! + q;
    else if (op === 1) for (let i = 0; i < n; i++) ov[i] = av[i]! - q;
    else for (let i = 0; i < n; i++) ov[i] = av[i]! * q;
  } else if (av.length === 1 && bv.length === n) {
    const p = av[0]!;
    if (op === 0) for (let i = 0; i < n; i++) ov[i] = p + bv[i]!;
    else if (op === 1) for (let i = 0; i < n; i++) ov[i] = p - bv[i]!;
    else for (let i = 0; i < n; i++) ov[i] = p * bv[i]!;
  } else {
    // General broadcast: walk the output index by index (small sizes only).
    const rank = outShape.length;
    const as = broadcastStrides(a.shape, outShape);
    const bs = broadcastStrides(b.shape, outShape);
    const idx = new Array<number>(rank).fill(0);
    let ai = 0;
    let bi = 0;
    for (let i = 0; i < n; i++) {
      const p = av[ai]!;
      const q = bv[bi]!;
      ov[i] = op === 0 ? p + q : op === 1 ? p - q : p * q;
      // Increment the output index (last axis fastest), moving the input offsets along.
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]!++;
        ai += as[d]!;
        bi += bs[d]!;
        if (idx[d]! < outShape[d]!) break;
        ai -= as[d]! * outShape[d]!;
        bi -= bs[d]! * outShape[d]!;
        idx[d] = 0;
      }
    }
  }
  return out;
}
