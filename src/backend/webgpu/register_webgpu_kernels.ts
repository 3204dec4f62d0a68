// Registers this project's kernels for the 'webgpu' backend: AddN split to fit the device's storage-buffer
// limit (add_n.ts), and the training kernels of training_kernels.ts. Idempotent: called on every activation
// of the webgpu backend; the stock kernels replaced are kept (stockWebGpuKernel) for fallbacks and A/B runs.
import * as tf from '@tensorflow/tfjs-core';
import { makeAddNConfig } from './add_n.js';
import { applyStockKernelsFromEnv } from './training_kernel_switch.js';
import { WEBGPU_TRAINING_KERNELS } from './training_kernels.js';

const stockKernels = new Map<string, tf.KernelConfig>();
const ours = new WeakSet<object>();

/** tfjs-backend-webgpu's own kernel that ours replaced under `name` (undefined where there was none). */
export function stockWebGpuKernel(name: string): tf.KernelConfig | undefined {
  return stockKernels.get(name);
}

/** Whether the kernel now registered for 'webgpu' under `name` is this project's. */
export function isOurWebGpuKernel(name: string): boolean {
  const current = tf.getKernel(name, 'webgpu');
  return current !== undefined && ours.has(current.kernelFunc);
}

function replace(name: string, make: (stock: tf.KernelConfig | undefined) => tf.KernelConfig): void {
  const current = tf.getKernel(name, 'webgpu');
  if (current !== undefined && ours.has(current.kernelFunc)) return;
  if (current !== undefined && !stockKernels.has(name)) stockKernels.set(name, current);
  const config = make(stockKernels.get(name));
  if (config.backendName !== 'webgpu' || config.kernelName !== name) {
    throw new Error(
      `registerWebGpuKernels: kernel config for '${name}' must have backendName 'webgpu'; got '${config.kernelName}' for '${config.backendName}'`,
    );
  }
  if (current !== undefined) tf.unregisterKernel(name, 'webgpu');
  ours.add(config.kernelFunc);
  tf.registerKernel(config);
}

/** Call after importing @tensorflow/tfjs-backend-webgpu (whose stock kernels some of ours wrap). */
export function registerWebGpuKernels(): void {
  replace(tf.AddN, (stock) => {
    if (stock === undefined) {
      throw new Error('registerWebGpuKernels: tfjs-backend-webgpu registered no AddN kernel to wrap');
    }
    return makeAddNConfig(stock);
  });
  for (const config of WEBGPU_TRAINING_KERNELS) replace(config.kernelName, () => config);
  // BATCH_SHAPING_WEBGPU_STOCK_KERNELS=all|<names>: A/B runs with tfjs's own kernels.
  applyStockKernelsFromEnv();
}

/** Puts the stock kernels back where ours replaced one; registerWebGpuKernels() switches ours on again. */
export function restoreStockWebGpuKernels(): void {
  for (const [name, stock] of stockKernels) {
    if (!isOurWebGpuKernel(name)) continue;
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel(stock);
  }
}
