// Registers this project's kernels for the wasm backend (training kernels tfjs-backend-wasm lacks or runs slowly).
// Idempotent: safe to call on every initBackend('wasm').
import * as tf from '@tensorflow/tfjs-core';
import { makeBatchMatMulConfig } from './batch_mat_mul.js';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter.js';
import { conv2dBackpropInputConfig } from './conv2d_backprop_input.js';
import { identityConfig } from './identity.js';
import { makeReduceConfig } from './reduce_over_axes.js';
import { makeTileConfig } from './tile.js';
import { unsortedSegmentSumConfig } from './unsorted_segment_sum.js';

/** Makes our kernel config; `stock` is the tfjs-backend-wasm kernel it replaces, if any (for fallbacks). */
type KernelFactory = (stock: tf.KernelConfig | undefined) => tf.KernelConfig;

const FACTORIES: KernelFactory[] = [
  () => conv2dBackpropFilterConfig,
  () => conv2dBackpropInputConfig,
  makeTileConfig,
  () => unsortedSegmentSumConfig,
  makeBatchMatMulConfig,
  () => identityConfig,
  makeReduceConfig(tf.Sum),
  makeReduceConfig(tf.Mean),
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
    const registered: tf.KernelConfig = { ...config, setupFunc: config.setupFunc ?? stock?.setupFunc };
    if (current !== undefined) tf.unregisterKernel(name, 'wasm');
    ours.add(registered.kernelFunc);
    tf.registerKernel(registered);
  }
}

/** Names of the kernels this project registers for 'wasm'. */
export function ourWasmKernelNames(): string[] {
  return FACTORIES.map((f) => f(undefined).kernelName);
}

/**
 * Puts the stock tfjs-backend-wasm kernels back where ours replaced one (kernels tfjs lacks stay ours), so
 * that benchmarks can compare both in one process; registerWasmKernels() switches ours on again.
 */
export function restoreStockWasmKernels(): void {
  for (const [name, stock] of stockKernels) {
    if (!isOurWasmKernel(name)) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(stock);
  }
}
