// Per-kernel A/B switch for this project's webgpu training kernels (training_kernels.ts): put tfjs-backend-webgpu's
// stock kernel back under one name, or ours again, e.g. to time a training step both ways in one process
// (bench/gpu) or to rule one of ours out when results look wrong. 'stock' for a kernel of our own that tfjs does
// not have (BatchShapingBatchNormGrad, BatchShapingSgdUpdate) unregisters it: the library then takes its tf-op path, as on stock tfjs.
// The all-at-once switch is restoreStockWebGpuKernels() / registerWebGpuKernels() (register_webgpu_kernels.ts).
// Process-wide: BATCH_SHAPING_WEBGPU_STOCK_KERNELS=all or a comma list of kernel names, read by
// applyStockKernelsFromEnv() (call it after registering ours).
import * as tf from '@tensorflow/tfjs-core';
import { stockWebGpuKernel } from './stock_kernel_registry.js';
import { WEBGPU_TRAINING_KERNELS } from './training_kernels.js';

export type WebGpuKernelChoice = 'ours' | 'stock';

/** The environment variable applyStockKernelsFromEnv reads. */
export const STOCK_KERNELS_ENV = 'BATCH_SHAPING_WEBGPU_STOCK_KERNELS';

function ourConfig(fn: string, name: string): tf.KernelConfig {
  const config = WEBGPU_TRAINING_KERNELS.find((c) => c.kernelName === name);
  if (config === undefined) {
    throw new Error(
      `${fn}: argument 'name' must be one of ${WEBGPU_TRAINING_KERNELS.map((c) => c.kernelName).join(', ')}; got ${JSON.stringify(name)}`,
    );
  }
  return config;
}

/** Registers our kernel (`'ours'`) or tfjs-backend-webgpu's (`'stock'`) under `name` for 'webgpu'. */
export function useWebGpuTrainingKernel(name: string, choice: WebGpuKernelChoice): void {
  const fn = 'useWebGpuTrainingKernel';
  const ours = ourConfig(fn, name);
  if (choice !== 'ours' && choice !== 'stock') {
    throw new Error(`${fn}: argument 'choice' must be 'ours' or 'stock'; got ${JSON.stringify(choice)}`);
  }
  const current = tf.getKernel(name, 'webgpu');
  const stock = stockWebGpuKernel(name);
  if (
    choice === 'stock' &&
    stock === undefined &&
    current !== undefined &&
    current.kernelFunc !== ours.kernelFunc
  ) {
    throw new Error(`${fn}: the kernel registered for '${name}' is neither ours nor a kept stock one`);
  }
  const wanted = choice === 'ours' ? ours : stock;
  if (current?.kernelFunc === wanted?.kernelFunc) return;
  if (current !== undefined) tf.unregisterKernel(name, 'webgpu');
  if (wanted !== undefined) tf.registerKernel(wanted);
}

/** Which version runs under `name` on 'webgpu' now: ours, stock (or none, for a kernel of our own). */
export function webGpuTrainingKernelChoice(name: string): WebGpuKernelChoice {
  const ours = ourConfig('webGpuTrainingKernelChoice', name);
  return tf.getKernel(name, 'webgpu')?.kernelFunc === ours.kernelFunc ? 'ours' : 'stock';
}

/** Switches the kernels named in BATCH_SHAPING_WEBGPU_STOCK_KERNELS ('all' or a comma list) to stock. */
export function applyStockKernelsFromEnv(
  env: Record<string, string | undefined> = (
    globalThis as { process?: { env: Record<string, string | undefined> } }
  ).process?.env ?? {},
): string[] {
  const value = env[STOCK_KERNELS_ENV]?.trim();
  if (value === undefined || value === '') return [];
  const names =
    value === 'all'
      ? WEBGPU_TRAINING_KERNELS.map((c) => c.kernelName)
      : value.split(',').map((s) => s.trim());
  for (const name of names) {
    try {
      useWebGpuTrainingKernel(name, 'stock');
    } catch (err) {
      throw new Error(`${STOCK_KERNELS_ENV}=${value}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return names;
}
