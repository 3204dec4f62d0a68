// Registers this project's kernels for the wasm backend (training kernels tfjs-backend-wasm lacks or runs slowly).
// Idempotent: safe to call on every initBackend('wasm').
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter.js';
import { conv2dBackpropInputConfig } from './conv2d_backprop_input.js';

/** Our kernels, in registration order. */
const OUR_KERNELS: tf.KernelConfig[] = [conv2dBackpropFilterConfig, conv2dBackpropInputConfig];

/** The stock kernels we replaced, kept so a kernel can fall back to them and benchmarks can compare. */
const stockKernels = new Map<string, tf.KernelConfig>();

/** The stock tfjs-backend-wasm kernel that ours replaced, if there was one. */
export function stockWasmKernel(name: string): tf.KernelConfig | undefined {
  return stockKernels.get(name);
}

/** Names of the kernels this project registers for 'wasm'. */
export function ourWasmKernelNames(): string[] {
  return OUR_KERNELS.map((k) => k.kernelName);
}

export function registerWasmKernels(): void {
  for (const config of OUR_KERNELS) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current !== undefined) {
      if (!stockKernels.has(config.kernelName)) stockKernels.set(config.kernelName, current);
      tf.unregisterKernel(config.kernelName, 'wasm');
    }
    tf.registerKernel(config);
  }
}
