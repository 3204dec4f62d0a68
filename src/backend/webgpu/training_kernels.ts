// This project's training kernels for the 'webgpu' backend (tfjs-backend-webgpu 4.22), replacing slow stock ones.
// The list is registered by register_webgpu_kernels.ts when the webgpu backend is activated (which keeps the stock
// kernels); each config is for backendName 'webgpu'. A/B: useWebGpuTrainingKernel(name, 'ours' | 'stock') and
// BATCH_SHAPING_WEBGPU_STOCK_KERNELS (training_kernel_switch.ts), or all at once restoreStockWebGpuKernels().
//   Conv2DBackpropFilter  implicit GEMM tiled in workgroup memory, split-K over N*OH*OW + a summing pass
//                         (stock: one thread per filter weight looping over N*OH*OW)
//   Conv2DBackpropInput   implicit GEMM per output phase (sub-pixel), tiled in workgroup memory
//                         (stock: one thread per dx element looping over all taps, unless a flag is set)
//   BatchShapingBatchNormGrad  our own kernel (tfjs has none): fused batch-norm backward in four dispatches,
//                         for fusedBatchNorm's custom gradient where the active backend registers it
//   BatchShapingGateForward/Backward  our own kernels: a gate module's training forward and backward, 9 dispatches
//                         each way where the tf-op form takes ~55 per gate and step (fused_gate.ts)
//   BatchShapingSgdUpdate our own kernel: the optimiser's SGD-with-momentum update in two dispatches (the tf-op
//                         form takes six per parameter)
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { batchNormGradWebgpuConfig } from './batch_norm_grad.js';
import { conv2dBackpropFilterWebgpuConfig } from './conv2d_backprop_filter.js';
import { conv2dBackpropInputWebgpuConfig } from './conv2d_backprop_input.js';
import { gateBackwardWebgpuConfig, gateForwardWebgpuConfig } from './gate_module.js';
import { sgdUpdateWebgpuConfig } from './sgd_update.js';

/** Kernel configs that replace tfjs-backend-webgpu's own for training (registered for 'webgpu' only). */
export const WEBGPU_TRAINING_KERNELS: KernelConfig[] = [
  conv2dBackpropFilterWebgpuConfig,
  conv2dBackpropInputWebgpuConfig,
  batchNormGradWebgpuConfig,
  sgdUpdateWebgpuConfig,
  gateForwardWebgpuConfig,
  gateBackwardWebgpuConfig,
];
