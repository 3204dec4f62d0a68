// Add, Sub and Multiply for the wasm backend when one float32 operand is a per-channel vector broadcast over
// the leading axes of the other: [N, H, W, C] op [C] (batch-norm scale/shift and every batch-norm gradient
// term), [N, H, W, C] op [N, 1, 1, C] (channel gates, squeeze-excitation style masks). The stock kernels hand
// these to XNNPACK's broadcasting n-d operator, which walks the output in rows of C elements; with threads it
// splits that walk into C-element tasks and gets slower than one thread (measured, [32, 32, 32, 16] x [16]:
// 1.7 ms on 2 threads, 0.8 ms on 1). Not from a paper: the small operand is first tiled to the full shape by
// our copy-doubling Tile (memcpy, tile.ts), then the stock kernel runs its same-shape path (contiguous SIMD,
// split into large blocks per thread): 0.34 ms for that shape on 2 threads. The arithmetic per element is the
// same single IEEE operation, so results are bit-identical to the stock broadcast.
// Used always with threads, and on one thread for C <= 32 (at C = 64 the extra memory pass of the tile costs
// more than the broadcast saves). The gain depends on the machine's load: the figures above are from the shared
// machine at a load average of 5-8 (tile + same-shape 1.5-5x faster on 2 threads); bench/wasm_kernels.ts
// --kernels-only --threads 2 gave 0.7-1.2x at a load of 2.6 and 3-6x at 3.9 (see README.md). Everything else (scalars,
// two-sided broadcasts, other dtypes) goes to the stock kernel, except small float32 outputs (<= 1024
// elements), which small_binary.ts computes in JavaScript without entering wasm.
import * as tf from '@tensorflow/tfjs-core';
import { isSmallBinary, smallBinaryOnHeap } from './small_binary.js';
import {
  disposeInfo,
  reshapeInfo,
  runWasmKernel,
  type TensorInfo,
  type WasmKernelArgs,
  withStockFallback,
} from './wasm_kernel_utils.js';

export type BroadcastBinaryKernel = typeof tf.Add | typeof tf.Sub | typeof tf.Multiply;

/** Below this many output elements the stock broadcast's fixed cost is as small as the tile's. */
export const MIN_TILED_ELEMENTS = 8192;
/** On one thread, the widest channel vector for which tile + same-shape beats the stock broadcast. */
const MAX_CHANNELS_ONE_THREAD = 32;

/** How to tile the small operand: which input it is, its shape padded to the output's rank, and the reps. */
export interface TilePlan {
  small: 'a' | 'b';
  paddedShape: number[];
  reps: number[];
}

/**
 * The tile plan for `aShape op bShape`, or undefined where the stock kernel is used: one operand must have the
 * output's full shape and the other a shape of 1s and full extents (after left-padding with 1s) whose last
 * extent is the output's last (> 1), with at least MIN_TILED_ELEMENTS outputs; one thread: C <= 32.
 */
export function tilePlan(aShape: number[], bShape: number[], threads: number): TilePlan | undefined {
  const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
  const sameShape = (p: number[], q: number[]) => p.length === q.length && p.every((d, i) => d === q[i]);
  if (sameShape(aShape, bShape)) return undefined;
  let full: number[];
  let other: number[];
  let small: 'a' | 'b';
  if (size(aShape) >= size(bShape)) [full, other, small] = [aShape, bShape, 'b'];
  else [full, other, small] = [bShape, aShape, 'a'];
  const rank = full.length;
  if (rank < 2 || other.length > rank || size(full) < MIN_TILED_ELEMENTS) return undefined;
  const paddedShape = [...new Array<number>(rank - other.length).fill(1), ...other];
  const channels = full[rank - 1]!;
  if (channels < 2 || paddedShape[rank - 1] !== channels) return undefined;
  if (threads <= 1 && channels > MAX_CHANNELS_ONE_THREAD) return undefined;
  const reps: number[] = [];
  for (let d = 0; d < rank; d++) {
    const s = paddedShape[d]!;
    if (s !== full[d] && s !== 1) return undefined; // not a broadcast of `small` into `full`
    reps.push(s === full[d] ? 1 : full[d]!);
  }
  return { small, paddedShape, reps };
}

/** Threads the wasm backend's XNNPACK pool runs on (1 for the single-threaded module). */
function threadsOf(backend: WasmKernelArgs['backend']): number {
  const tfjs = (backend.wasm as unknown as { tfjs: { getThreadsCount?: () => number } }).tfjs;
  return typeof tfjs.getThreadsCount === 'function' ? tfjs.getThreadsCount() : 1;
}

function broadcastBinaryWasm(
  kernel: BroadcastBinaryKernel,
  args: WasmKernelArgs,
  stock: tf.KernelFunc,
): TensorInfo {
  const { backend } = args;
  const a = args.inputs.a!;
  const b = args.inputs.b!;
  const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  if (isSmallBinary(a, b, tf.util.sizeFromShape(outShape))) {
    return smallBinaryOnHeap(kernel, backend, a, b, outShape);
  }
  const runStock = (inputs: Record<string, TensorInfo>) =>
    stock({
      inputs,
      backend,
      attrs: args.attrs ?? {},
    } as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
  const plan =
    a.dtype === 'float32' && b.dtype === 'float32'
      ? tilePlan(a.shape, b.shape, threadsOf(backend))
      : undefined;
  if (plan === undefined) return runStock({ a, b });
  const view = reshapeInfo(backend, plan.small === 'a' ? a : b, plan.paddedShape);
  const tiled = runWasmKernel('Tile', backend, { x: view }, { reps: plan.reps });
  disposeInfo(backend, view);
  const out = runStock(plan.small === 'a' ? { a: tiled, b } : { a, b: tiled });
  disposeInfo(backend, tiled);
  return out;
}

export function makeBroadcastBinaryConfig(
  kernel: BroadcastBinaryKernel,
): (stock: tf.KernelConfig | undefined) => tf.KernelConfig {
  return (stock) => withStockFallback(kernel, stock, (args, fn) => broadcastBinaryWasm(kernel, args, fn));
}
