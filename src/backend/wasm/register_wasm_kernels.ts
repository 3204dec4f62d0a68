// Registers this project's kernels for the wasm backend (training kernels tfjs-backend-wasm lacks or runs slowly).
// Idempotent: safe to call on every initBackend('wasm').
//
// NOTES (details, measurements and method in ./README.md; numbers in bench/results/wasm_kernels.json):
//   Conv2DBackpropFilter  missing in tfjs-backend-wasm; our SIMD kernel (simd/conv.wat) below 256 input channels,
//                         1.7-3.6x less time than XNNPACK's forms (bench/results/simd_kernels*.json); else one
//                         XNNPACK Conv2D with batch/channel roles swapped or im2col + GEMM; 1x1: subsample + matmul
//   Conv2D                our SIMD kernel on up to 2 threads for 3x3 over 8-64 input channels, 1.07-1.16x on one
//                         thread, whole steps 1.01-1.08x on two (bench/results/conv_threads.json), bit-identical; BatchShapingDirectConv2D: the same at any width (conditional inference)
//   Conv2DBackpropInput   stock is a scalar loop; ours 7.5-11x (3x3 s1), 4.6x (3x3 s2, sub-pixel), 9x (1x1 s2);
//                         0.95-1.23x the forward conv's time on ResNet-18's layers (results/input_grad.json)
//   Tile                  stock ~50 ns/element; copy doubling on the heap, ~150x for [C] -> [N,H,W,C]
//   UnsortedSegmentSum    missing (tf.gather had no gradient); one pass on the heap
//   BatchMatMul           stock is ~1 GFLOP/s with transposes or batch > 1; 1.6-35x there, same elsewhere
//   Identity              stock copies; ours shares the buffer (no copy; ~1000 calls per ResNet-20 step)
//   Sum, Mean             over leading axes (BN statistics, global pooling) via XNNPACK AvgPool, ~5x
//   Add, Sub, Multiply    per-channel broadcasts ([N,H,W,C] op [C] or [N,1,1,C]): our Tile + XNNPACK's same-shape
//                         path instead of its threaded broadcast, 1.5-5x on 2 threads under load, 0.7-1.2x
//                         quiet; bit-identical results;
//                         small float32 ones (<= 1024 elements) in JavaScript on the heap (no wasm call, no pool)
//   Square                x * x on XNNPACK's same-shape Multiply, 5-9x under load, 0.5x quiet (bit-identical)
//   BatchShapingChannelMask(Grad), BatchShapingSgdUpdate: the gated step's mask and the optimizer update, one
//                         SIMD pass each (simd/channel_mask.wat, simd/sgd_update.wat)
//   BatchShapingGateForward/Backward: a gate module's training forward and backward, one kernel each (~55 kernels
//                         of the tf-op form per gate and step)
//   BatchShapingGatherChannels: conditional inference's open channels of a conv weight, gathered on the heap
// A gated ResNet-20 training step runs 2.2-2.8x faster with these than with the stock kernels (1 thread).
import * as tf from '@tensorflow/tfjs-core';
import { makeBatchMatMulConfig } from './batch_mat_mul.js';
import { makeBroadcastBinaryConfig } from './broadcast_binary.js';
import { channelMaskConfig, channelMaskGradConfig } from './channel_mask.js';
import { directConv2DConfig, makeConv2DConfig } from './conv2d.js';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter.js';
import { conv2dBackpropInputConfig } from './conv2d_backprop_input.js';
import { gateBackwardConfig, gateForwardConfig } from './gate_module.js';
import { gatherChannelsConfig } from './gather_channels.js';
import { identityConfig } from './identity.js';
import { makeReduceConfig } from './reduce_over_axes.js';
import { sgdUpdateConfig } from './sgd_update.js';
import { makeSquareConfig } from './square.js';
import { makeTileConfig } from './tile.js';
import { unsortedSegmentSumConfig } from './unsorted_segment_sum.js';

/** Makes our kernel config; `stock` is the tfjs-backend-wasm kernel it replaces, if any (for fallbacks). */
type KernelFactory = (stock: tf.KernelConfig | undefined) => tf.KernelConfig;

const FACTORIES: KernelFactory[] = [
  () => conv2dBackpropFilterConfig,
  () => conv2dBackpropInputConfig,
  makeConv2DConfig,
  () => directConv2DConfig,
  makeTileConfig,
  () => unsortedSegmentSumConfig,
  makeBatchMatMulConfig,
  () => identityConfig,
  makeReduceConfig(tf.Sum),
  makeReduceConfig(tf.Mean),
  makeBroadcastBinaryConfig(tf.Add),
  makeBroadcastBinaryConfig(tf.Sub),
  makeBroadcastBinaryConfig(tf.Multiply),
  makeSquareConfig,
  () => channelMaskConfig,
  () => channelMaskGradConfig,
  () => sgdUpdateConfig,
  () => gateForwardConfig,
  () => gateBackwardConfig,
  () => gatherChannelsConfig,
];

/** The stock kernels we replaced, kept for fallbacks and for benchmarks that compare against them. */
const stockKernels = new Map<string, tf.KernelConfig>();
/** Kernel functions we registered, to recognise ours on a repeated call. */
const ours = new WeakSet<object>();

/** The stock tfjs-backend-wasm kernel that ours replaced (undefined where there was none). */
export function stockWasmKernel(name: string): tf.KernelConfig | undefined {
  return stockKernels.get(name);
}

/** Whether the kernel now registered for 'wasm' under `name` is this project's. */
export function isOurWasmKernel(name: string): boolean {
  const current = tf.getKernel(name, 'wasm');
  return current !== undefined && ours.has(current.kernelFunc);
}

export function registerWasmKernels(): void {
  for (const factory of FACTORIES) {
    // The factory is called with the stock kernel we saw first, never with one of ours.
    const probe = factory(undefined);
    const name = probe.kernelName;
    const current = tf.getKernel(name, 'wasm');
    if (current !== undefined && ours.has(current.kernelFunc)) continue;
    if (current !== undefined && !stockKernels.has(name)) stockKernels.set(name, current);
    const stock = stockKernels.get(name);
    const config = factory(stock);
    // The stock kernel's setup (its cwrap of the C++ function) must still run if the backend initialises later.
    const setupFunc = config.setupFunc ?? stock?.setupFunc;
    const registered: tf.KernelConfig = { ...config, ...(setupFunc && { setupFunc }) };
    if (current !== undefined) tf.unregisterKernel(name, 'wasm');
    ours.add(registered.kernelFunc);
    tf.registerKernel(registered);
  }
}

/**
 * Puts the stock tfjs-backend-wasm kernels back where ours replaced one (kernels tfjs lacks stay ours), so
 * that benchmarks can compare both in one process; registerWasmKernels() switches ours on again.
 * `names` limits this to those kernels (e.g. to measure a step without the newest ones).
 */
export function restoreStockWasmKernels(names?: readonly string[]): void {
  for (const [name, stock] of stockKernels) {
    if (!isOurWasmKernel(name) || (names !== undefined && !names.includes(name))) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(stock);
  }
}
