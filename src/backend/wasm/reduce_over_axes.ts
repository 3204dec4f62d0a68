// Sum and Mean over leading/middle axes for the wasm backend. The stock kernels transpose the reduced axes
// innermost first (a full strided copy) and then reduce: ~9-19 ns per element for batch-norm statistics
// over [0, 1, 2] of [N, H, W, C] and for global average pooling over [1, 2]. Not from a paper: a reduction
// over a contiguous block of axes that leaves the last axis is an average pool: view x as
// [outer, reduced, 1, inner] and run XNNPACK's AvgPool with a [reduced, 1] window (~2 ns per element);
// Sum is that mean times the count. Other axis sets (and non-float32) go to the stock kernels.
import * as tf from '@tensorflow/tfjs-core';
import {
  disposeInfo,
  reshapeInfo,
  runWasmKernel,
  type TensorInfo,
  type WasmKernelArgs,
  withStockFallback,
} from './wasm_kernel_utils.js';

export type ReduceKernel = typeof tf.Sum | typeof tf.Mean;

/** [outer, reduced, inner] sizes if `axes` is one contiguous block not containing the last axis. */
export function poolableReduction(
  shape: number[],
  axis: number | number[] | undefined,
): { outer: number; reduced: number; inner: number } | undefined {
  if (shape.length < 2) return undefined;
  const axes = [...new Set(tf.util.parseAxisParam(axis ?? shape.map((_, i) => i), shape))].sort(
    (p, q) => p - q,
  );
  if (axes.length === 0) return undefined;
  const first = axes[0]!;
  const last = axes[axes.length - 1]!;
  if (last - first + 1 !== axes.length || last === shape.length - 1) return undefined;
  const prod = (xs: number[]) => xs.reduce((p, s) => p * s, 1);
  const reduced = prod(shape.slice(first, last + 1));
  if (reduced < 2) return undefined;
  return { outer: prod(shape.slice(0, first)), reduced, inner: prod(shape.slice(last + 1)) };
}

function reduceWasm(kernel: ReduceKernel, args: WasmKernelArgs, stock: tf.KernelFunc): TensorInfo {
  const { backend } = args;
  const x = args.inputs.x!;
  const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
  const plan = x.dtype === 'float32' ? poolableReduction(x.shape, axis) : undefined;
  if (plan === undefined) {
    return stock({
      inputs: { x },
      backend,
      attrs: args.attrs,
    } as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
  }
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const outShape = keepDims
    ? x.shape.map((s, i) => (axes.includes(i) ? 1 : s))
    : x.shape.filter((_, i) => !axes.includes(i));
  const { outer, reduced, inner } = plan;
  const view = reshapeInfo(backend, x, [outer, reduced, 1, inner]); // [outer, reduced, 1, inner]
  const pooled = runWasmKernel(
    'AvgPool',
    backend,
    { x: view },
    { filterSize: [reduced, 1], strides: 1, pad: 'valid', dimRoundingMode: undefined },
  ); // [outer, 1, 1, inner]
  disposeInfo(backend, view);
  let result = pooled;
  if (kernel === tf.Sum) {
    const count = backend.makeOutput([], 'float32', undefined, new Float32Array([reduced]));
    result = runWasmKernel('Multiply', backend, { a: pooled, b: count });
    disposeInfo(backend, count);
    disposeInfo(backend, pooled);
  }
  const out = reshapeInfo(backend, result, outShape);
  disposeInfo(backend, result);
  return out;
}

export function makeReduceConfig(
  kernel: ReduceKernel,
): (stock: tf.KernelConfig | undefined) => tf.KernelConfig {
  return (stock) => withStockFallback(kernel, stock, (args, fn) => reduceWasm(kernel, args, fn));
}
