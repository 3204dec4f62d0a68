// Tile for the wasm backend. The stock kernel walks every output element through an index computation (about
// 50 ns per element); batch-norm gradients tile [C] to [N, H, W, C] and this alone was a sixth to a quarter
// of a ResNet training step. Not from a paper: the output is built by copy doubling on the wasm heap
// (TypedArray.set / copyWithin, i.e. memcpy): each input row is copied once, then every tiled axis is filled
// by copying the already-written prefix onto itself, log2(reps) memcpys per axis.
// Inputs with many tiny rows (e.g. [N, H, W, 1] tiled along channels) would need one JS call per row;
// those go to the stock kernel, which is faster there.
import * as tf from '@tensorflow/tfjs-core';
import { heapView, type TensorInfo, type WasmKernelArgs } from './wasm_kernel_utils.js';

type Heap = Float32Array | Int32Array | Uint8Array;

/** Fills out[offset, offset + total) by doubling its first `filled` elements. */
function doubleFill(out: Heap, offset: number, filled: number, total: number): void {
  let len = filled;
  while (len < total) {
    const n = Math.min(len, total - len);
    out.copyWithin(offset + len, offset, offset + n);
    len += n;
  }
}

/** JS calls the doubling scheme needs: one row copy per input row plus the doublings. */
function callCount(xShape: number[], reps: number[]): number {
  let rows = 1;
  for (let d = 0; d < xShape.length - 1; d++) rows *= xShape[d]!;
  return rows * (1 + Math.ceil(Math.log2(Math.max(1, reps[reps.length - 1]!))));
}

/** True when the doubling scheme beats the stock per-element kernel for this shape. */
export function tileUsesCopyDoubling(xShape: number[], reps: number[], dtype: string): boolean {
  if (dtype === 'string' || xShape.length === 0) return false;
  const outSize = xShape.reduce((acc, s, i) => acc * s * reps[i]!, 1);
  // ~100 ns per JS call against ~50 ns per element for the stock kernel: a call must cover >= 2 elements.
  return callCount(xShape, reps) * 2 <= outSize;
}

function tileWasm(args: WasmKernelArgs, stock?: tf.KernelFunc): TensorInfo {
  const { backend } = args;
  const x = args.inputs.x!;
  const reps = (args.attrs as { reps: number[] }).reps;
  if (!tileUsesCopyDoubling(x.shape, reps, x.dtype)) {
    if (stock === undefined) throw new Error(`Tile (wasm): no stock kernel to fall back to for ${x.dtype}`);
    return stock(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
  }
  const rank = x.shape.length;
  const outShape = x.shape.map((s, i) => s * reps[i]!);
  const out = backend.makeOutput(outShape, x.dtype);
  if (outShape.some((s) => s === 0)) return out;
  // Views are taken after the allocation above: allocation may grow (and move) the heap.
  const src = heapView(backend, x);
  const dst = heapView(backend, out);
  const xStride = new Array<number>(rank);
  const outStride = new Array<number>(rank);
  xStride[rank - 1] = 1;
  outStride[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) {
    xStride[d] = xStride[d + 1]! * x.shape[d + 1]!;
    outStride[d] = outStride[d + 1]! * outShape[d + 1]!;
  }
  // Writes the output block for one index prefix: out dims d.. at dstOff, from input dims d.. at srcOff.
  const fill = (d: number, srcOff: number, dstOff: number): void => {
    const rows = x.shape[d]!;
    if (d === rank - 1) {
      dst.set(src.subarray(srcOff, srcOff + rows), dstOff);
    } else {
      for (let i = 0; i < rows; i++) fill(d + 1, srcOff + i * xStride[d]!, dstOff + i * outStride[d]!);
    }
    doubleFill(dst, dstOff, rows * outStride[d]!, outShape[d]! * outStride[d]!);
  };
  fill(0, 0, 0);
  return out;
}

/** Builds the kernel config; `stock` is the kernel ours replaces (used for shapes where it is faster). */
export function makeTileConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  const stockFunc = stock?.kernelFunc;
  return {
    kernelName: tf.Tile,
    backendName: 'wasm',
    kernelFunc: ((args: WasmKernelArgs) => tileWasm(args, stockFunc)) as unknown as tf.KernelFunc,
  };
}
