// Square for the wasm backend as a same-shape multiply, x * x. The stock kernel runs a per-call unary path
// that, on the shared 2-core machine with threads, took 1.4 ms for a [32, 32, 32, 16] activation against
// 0.2 ms for XNNPACK's same-shape Multiply (contiguous SIMD, split in large blocks across threads; measured
// alternating, medians, load average 5-11). With the pool awake on a quieter machine (load 2.6) the stock kernel
// was the faster one (0.06 vs 0.13 ms; at 3.9: 1.76 vs 0.28 ms, bench/wasm_kernels.ts --kernels-only --threads 2):
// the gain is the stock unary path's sensitivity to load. tf.moments squares every batch-norm deviation: 19 calls per ResNet-20 step.
// Not from a paper; the same IEEE product, so bit-identical. float32 only; other dtypes go to the stock kernel.
// Relu as x * Step(x) was measured 3x faster too but is wrong at -Infinity (-Inf * 0 = NaN): not used.
import * as tf from '@tensorflow/tfjs-core';
import {
  runWasmKernel,
  type TensorInfo,
  type WasmKernelArgs,
  withStockFallback,
} from './wasm_kernel_utils.js';

function squareWasm(args: WasmKernelArgs, stock: tf.KernelFunc): TensorInfo {
  const { backend } = args;
  const x = args.inputs.x!;
  if (x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) === 0) {
    return stock({
      inputs: { x },
      backend,
      attrs: {},
    } as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
  }
  return runWasmKernel('Multiply', backend, { a: x, b: x });
}

export function makeSquareConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  return withStockFallback(tf.Square, stock, squareWasm);
}
