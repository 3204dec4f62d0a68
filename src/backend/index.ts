// `batch-shaping/backend`: backend probing and switches beyond the root's initBackend (which this module
// implements and the root exports): every candidate backend with whether it loads and why not, whether the
// active backend reads tensors synchronously, and the choice between the project's WebGPU training kernels and
// tfjs's stock ones. The only module that loads tfjs backend packages.
export { BACKEND_NAMES, isBackendChoice } from './backend_names.js';
export type { ModuleImporter } from './candidates.js';
export { type BackendProbe, probeBackends } from './probe_backends.js';
export { hasSyncReadback } from './sync_readback.js';
export { restoreStockWebGpuKernels } from './webgpu/register_webgpu_kernels.js';
export {
  STOCK_KERNELS_ENV,
  useWebGpuTrainingKernel,
  type WebGpuKernelChoice,
  webGpuTrainingKernelChoice,
} from './webgpu/training_kernel_switch.js';
