// Backend selection: the only module that loads tfjs backend packages.
export { BACKEND_NAMES, type BackendChoice, type BackendName, isBackendChoice } from './backend_names.js';
export type { ModuleImporter } from './candidates.js';
export { type BackendReport, type InitBackendOptions, initBackend } from './init_backend.js';
export { type BackendProbe, probeBackends } from './probe_backends.js';
export { hasSyncReadback } from './sync_readback.js';
export {
  STOCK_KERNELS_ENV,
  useWebGpuTrainingKernel,
  type WebGpuKernelChoice,
  webGpuTrainingKernelChoice,
} from './webgpu/training_kernel_switch.js';
