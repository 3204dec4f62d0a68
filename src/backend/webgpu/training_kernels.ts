// This project's training kernels for the 'webgpu' backend (tfjs-backend-webgpu 4.22), replacing slow stock ones.
// The list is registered by register_webgpu_kernels.ts when the webgpu backend is activated; each config here is
// for kernelName + backendName 'webgpu' only. Filled in as the kernels land (see the files next to this one).
import type { KernelConfig } from '@tensorflow/tfjs-core';

/** Kernel configs that replace tfjs-backend-webgpu's own for training (registered for 'webgpu' only). */
export const WEBGPU_TRAINING_KERNELS: KernelConfig[] = [];
