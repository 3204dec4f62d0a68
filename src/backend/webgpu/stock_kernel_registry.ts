// Which 'webgpu' kernels are this project's and which stock tfjs-backend-webgpu kernels they replaced: the
// shared state of registerWebGpuKernels (register_webgpu_kernels.ts) and the per-kernel A/B switch
// (training_kernel_switch.ts), kept apart from both so that neither imports the other's module for it.
import * as tf from '@tensorflow/tfjs-core';

const stockKernels = new Map<string, tf.KernelConfig>();
const ours = new WeakSet<object>();

/** tfjs-backend-webgpu's own kernel that ours replaced under `name` (undefined where there was none). */
export function stockWebGpuKernel(name: string): tf.KernelConfig | undefined {
  return stockKernels.get(name);
}

/** Every stock kernel kept, by kernel name. */
export function stockWebGpuKernels(): ReadonlyMap<string, tf.KernelConfig> {
  return stockKernels;
}

/** Keeps `stock` as the kernel ours replaces under `name`; the first one seen wins. */
export function keepStockWebGpuKernel(name: string, stock: tf.KernelConfig): void {
  if (!stockKernels.has(name)) stockKernels.set(name, stock);
}

/** Marks a kernel function as this project's. */
export function markOurWebGpuKernel(kernelFunc: tf.KernelFunc): void {
  ours.add(kernelFunc);
}

/** Whether `kernelFunc` is one of this project's. */
export function isOurKernelFunc(kernelFunc: tf.KernelFunc): boolean {
  return ours.has(kernelFunc);
}

/** Whether the kernel now registered for 'webgpu' under `name` is this project's. */
export function isOurWebGpuKernel(name: string): boolean {
  const current = tf.getKernel(name, 'webgpu');
  return current !== undefined && ours.has(current.kernelFunc);
}
