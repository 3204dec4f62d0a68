// BatchMatMul for the wasm backend. The stock kernel reaches XNNPACK's fast fully-connected path only for one
// matrix pair without transposes; with transposeA/transposeB (every dense-layer gradient) or a batch > 1 it
// runs a slow loop (~1 GFLOP/s against ~4-5). Not from a paper: we reduce every case to that fast path:
//   - transposes become explicit Transpose kernels (O(size) copies before an O(size^1.5) product);
//   - a shared right operand ([.., M, K] x [K, N]) becomes one [batch*M, K] x [K, N] product;
//   - a batch of distinct pairs runs pair by pair (operands memcpy'd out, results into place), when the
//     pairs are big enough that per-call overhead does not dominate; tiny ones stay with the stock kernel.
import * as tf from '@tensorflow/tfjs-core';
import {
  disposeInfo,
  heapView,
  reshapeInfo,
  type TensorInfo,
  transposeInfo,
  type WasmKernelArgs,
  withStockFallback,
} from './wasm_kernel_utils.js';

/** Below this many multiply-adds per pair, one stock call over the batch beats a call per pair. */
const MIN_PAIR_MACS = 16_384;

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/** Matrix i of a [batch, rows, cols] tensor as its own [1, rows, cols] tensor (one memcpy; the wasm Slice
 * kernel is a generic strided loop and was most of the pair-by-pair time). */
function copyMatrix(
  backend: WasmKernelArgs['backend'],
  x: TensorInfo,
  i: number,
  rows: number,
  cols: number,
) {
  const out = backend.makeOutput([1, rows, cols], 'float32');
  const size = rows * cols;
  (heapView(backend, out) as Float32Array).set(
    (heapView(backend, x) as Float32Array).subarray(i * size, (i + 1) * size),
  );
  return out;
}

function batchMatMulWasm(args: WasmKernelArgs, stock: tf.KernelFunc): TensorInfo {
  const { backend } = args;
  const a = args.inputs.a!;
  const b = args.inputs.b!;
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const callStock = (x: TensorInfo, y: TensorInfo, ta: boolean, tb: boolean) =>
    stock({
      inputs: { a: x, b: y },
      backend,
      attrs: { transposeA: ta, transposeB: tb },
    } as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = outerA.reduce((p, s) => p * s, 1);
  const batchB = outerB.reduce((p, s) => p * s, 1);
  const M = transposeA ? a.shape[a.shape.length - 1]! : a.shape[a.shape.length - 2]!;
  const K = transposeA ? a.shape[a.shape.length - 2]! : a.shape[a.shape.length - 1]!;
  const N = transposeB ? b.shape[b.shape.length - 2]! : b.shape[b.shape.length - 1]!;
  const simple = batchA === 1 && batchB === 1 && !transposeA && !transposeB;
  const broadcastMismatch = batchA > 1 && batchB > 1 && batchA !== batchB;
  const pairsTooSmall = batchA > 1 && batchB > 1 && M * K * N < MIN_PAIR_MACS;
  if (simple || broadcastMismatch || pairsTooSmall || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return callStock(a, b, transposeA, transposeB);
  }
  const outOuter = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const outShape = [...outOuter, M, N];

  const aN = transposeA ? transposeInfo(backend, a, swapLastTwo(a.shape.length)) : a; // [..., M, K]
  const bN = transposeB ? transposeInfo(backend, b, swapLastTwo(b.shape.length)) : b; // [..., K, N]
  const release = () => {
    if (aN !== a) disposeInfo(backend, aN);
    if (bN !== b) disposeInfo(backend, bN);
  };

  if (batchB === 1) {
    // One product: rows of every left matrix stacked, [batchA*M, K] x [K, N].
    const a3 = reshapeInfo(backend, aN, [1, batchA * M, K]);
    const b3 = reshapeInfo(backend, bN, [1, K, N]);
    const prod = callStock(a3, b3, false, false); // [1, batchA*M, N]
    disposeInfo(backend, a3);
    disposeInfo(backend, b3);
    release();
    const out = reshapeInfo(backend, prod, outShape);
    disposeInfo(backend, prod);
    return out;
  }

  // Pair by pair: out[i] = A[i or 0] x B[i].
  const batch = Math.max(batchA, batchB);
  const a3 = reshapeInfo(backend, aN, [batchA, M, K]);
  const b3 = reshapeInfo(backend, bN, [batchB, K, N]);
  const out = backend.makeOutput(outShape, 'float32');
  for (let i = 0; i < batch; i++) {
    const ai = batchA === 1 ? a3 : copyMatrix(backend, a3, i, M, K);
    const bi = copyMatrix(backend, b3, i, K, N);
    const prod = callStock(ai, bi, false, false); // [1, M, N]
    // Views after the allocations above: the heap may have grown and moved.
    (heapView(backend, out) as Float32Array).set(heapView(backend, prod) as Float32Array, i * M * N);
    if (ai !== a3) disposeInfo(backend, ai);
    disposeInfo(backend, bi);
    disposeInfo(backend, prod);
  }
  disposeInfo(backend, a3);
  disposeInfo(backend, b3);
  release();
  return out;
}

export function makeBatchMatMulConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  return withStockFallback(tf.BatchMatMul, stock, batchMatMulWasm);
}
