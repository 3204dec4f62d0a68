// A/B switch for the benchmark: which of this project's webgpu training kernels are in use, kernel by kernel.
// A variant names the training kernels that run the stock tfjs-backend-webgpu version; the others run ours.
// (The library-level switch is all at once: restoreStockWebGpuKernels() / registerWebGpuKernels() in
// src/backend/webgpu/register_webgpu_kernels.ts; AddN stays ours in every variant: it is a correctness fix.)
import * as tf from '@tensorflow/tfjs-core';
import { stockWebGpuKernel } from '../../src/backend/webgpu/register_webgpu_kernels.js';
import { WEBGPU_TRAINING_KERNELS } from '../../src/backend/webgpu/training_kernels.js';

export interface KernelVariant {
  /** 'ours', 'stock', or 'stock-<Kernel>' (only that one stock). */
  name: string;
  /** Training kernels running the stock version in this variant. */
  stock: string[];
}

/**
 * ours, stock, and each training kernel alone on stock (the per-kernel A/B). Only kernels that replace a stock
 * one take part (our own kernels, such as the batch-norm backward, have no stock version to compare with).
 * Call after initBackend('webgpu') (the stock kernels are kept when ours are registered).
 */
export function kernelVariants(): KernelVariant[] {
  const names = WEBGPU_TRAINING_KERNELS.map((c) => c.kernelName).filter(
    (n) => stockWebGpuKernel(n) !== undefined,
  );
  return [
    { name: 'ours', stock: [] },
    ...names.map((n) => ({ name: `stock-${n}`, stock: [n] })),
    { name: 'stock', stock: names },
  ];
}

function swapIn(config: tf.KernelConfig): void {
  const current = tf.getKernel(config.kernelName, 'webgpu');
  if (current?.kernelFunc === config.kernelFunc) return;
  if (current !== undefined) tf.unregisterKernel(config.kernelName, 'webgpu');
  tf.registerKernel(config);
}

/** Registers, for 'webgpu', the stock version of the variant's kernels and ours of the rest. */
export function applyVariant(v: KernelVariant): void {
  for (const ours of WEBGPU_TRAINING_KERNELS) {
    const name = ours.kernelName;
    if (!v.stock.includes(name)) {
      swapIn(ours);
      continue;
    }
    const stock = stockWebGpuKernel(name);
    if (stock === undefined) {
      throw new Error(
        `applyVariant: variant '${v.name}' wants the stock '${name}', but none was kept (is the webgpu backend initialised through initBackend('webgpu')?)`,
      );
    }
    swapIn(stock);
  }
}
