// Registers this project's kernels for the 'webgpu' backend: AddN split to fit the device's storage-buffer
// limit (add_n.ts), and the training kernels of training_kernels.ts. Idempotent: called on every activation
// of the webgpu backend; the stock kernels replaced are kept (stock_kernel_registry.ts) for fallbacks and A/B runs.
import * as tf from '@tensorflow/tfjs-core';
import { makeAddNConfig } from './add_n.js';
import {
  isOurKernelFunc,
  isOurWebGpuKernel,
  keepStockWebGpuKernel,
  markOurWebGpuKernel,
  stockWebGpuKernel,
  stockWebGpuKernels,
} from './stock_kernel_registry.js';
import { applyStockKernelsFromEnv } from './training_kernel_switch.js';
import { WEBGPU_TRAINING_KERNELS } from './training_kernels.js';

function replace(name: string, make: (stock: tf.KernelConfig | undefined) => tf.KernelConfig): void {
  const current = tf.getKernel(name, 'webgpu');
  if (current !== undefined && isOurKernelFunc(current.kernelFunc)) return;
  if (current !== undefined) keepStockWebGpuKernel(name, current);
  const config = make(stockWebGpuKernel(name));
  if (config.backendName !== 'webgpu' || config.kernelName !== name) {
    throw new Error(
      `registerWebGpuKernels: kernel config for '${name}' must have backendName 'webgpu'; got '${config.kernelName}' for '${config.backendName}'`,
    );
  }
  if (current !== undefined) tf.unregisterKernel(name, 'webgpu');
  markOurWebGpuKernel(config.kernelFunc);
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
  for (const [name, stock] of stockWebGpuKernels()) {
    if (!isOurWebGpuKernel(name)) continue;
    tf.unregisterKernel(name, 'webgpu');
    tf.registerKernel(stock);
  }
}
