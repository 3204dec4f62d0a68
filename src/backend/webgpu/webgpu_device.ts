// Brings up tfjs-backend-webgpu on a device we create ourselves, instead of the package's own factory:
//  - the device gets the adapter's real limits for what tfjs's kernels bind and dispatch (the package asks for
//    a few; storage buffers per stage stay at the default 8 there, whatever the GPU offers);
//  - WebGPU errors become exceptions (device_errors.ts), and a synchronous read a clear error
//    (no_sync_readback.ts);
//  - our kernels are registered (register_webgpu_kernels.ts).
// Under Node the GPU object is Dawn's (the `webgpu` package); under Deno it is Deno's own `navigator.gpu`
// (wgpu), and Dawn is not loaded.
// The backend is created once per process; later activations reuse it.
import * as tf from '@tensorflow/tfjs-core';
import { denoVersion, isDeno } from '../../io/deno_runtime.js';
import { type AdapterDescription, adapterLabel, describeAdapter } from './adapter_description.js';
import { DeviceErrorWatch, type ErrorReportingDevice, type WatchedBackend } from './device_errors.js';
import { guardSyncReadback, type SyncReadingBackend } from './no_sync_readback.js';
import { registerWebGpuKernels } from './register_webgpu_kernels.js';

/** The device limits we request at the adapter's value (those tfjs's kernels depend on). */
export const REQUESTED_LIMITS = [
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxUniformBufferBindingSize',
] as const;

/** Whose WebGPU implementation the backend runs on. */
export type WebGpuProvider = 'dawn' | 'deno';

export interface WebGpuSetup {
  adapter: AdapterDescription;
  /** Dawn (Node, the `webgpu` package) or Deno's built-in WebGPU. */
  provider: WebGpuProvider;
  /** The device's storage buffers per shader stage (AddN's group size + 1). */
  storageBuffers: number;
  /** The device tfjs runs on; tests inject errors through it. */
  device: GPUDevice;
  watch: DeviceErrorWatch;
}

type Import = (specifier: string) => Promise<unknown>;

let setup: WebGpuSetup | undefined;

/** The device the webgpu backend runs on, once it has been brought up. */
export function webGpuSetup(): WebGpuSetup | undefined {
  return setup;
}

/** Makes `navigator.gpu` Dawn's GPU object (Node has no WebGPU of its own). */
function installNavigatorGpu(dawn: { create(flags: string[]): GPU; globals?: object }): GPU {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator?.gpu !== undefined) return g.navigator.gpu;
  if (dawn.globals !== undefined) Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else {
    // Node 21+ defines a read-only navigator; extend it rather than replace it.
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  }
  return gpu;
}

/** Deno's own WebGPU: `navigator.gpu`, present unless Deno was built or started without it. */
function denoNavigatorGpu(): GPU {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (gpu === undefined) {
    throw new Error(
      `Deno ${denoVersion() ?? ''} has no navigator.gpu here (its WebGPU is missing or disabled)`,
    );
  }
  return gpu;
}

/**
 * Creates the device and registers a 'webgpu' backend factory that returns tfjs's WebGPUBackend on it.
 * `dawn` and `tfjsWebGpu` are the imported packages. Returns the setup (the same one on a second call).
 */
export async function setUpWebGpu(importModule: Import): Promise<WebGpuSetup> {
  if (setup !== undefined && tf.findBackendFactory('webgpu') !== null) return setup;
  const provider = webGpuProvider();
  const gpu =
    provider === 'deno'
      ? denoNavigatorGpu()
      : installNavigatorGpu(
          (await importModule('webgpu')) as { create(flags: string[]): GPU; globals?: object },
        );
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) {
    throw new Error(
      `${providerLabel(provider)} found no WebGPU adapter (no GPU, or no Vulkan driver: install the glvnd loader libraries and set VK_DRIVER_FILES)`,
    );
  }
  const pkg = (await importModule('@tensorflow/tfjs-backend-webgpu')) as {
    WebGPUBackend: new (device: GPUDevice, adapterInfo?: unknown) => tf.KernelBackend;
  };
  const requiredLimits: Record<string, number> = {};
  const limits = adapter.limits as unknown as Record<string, number>;
  for (const name of REQUESTED_LIMITS) {
    const limit = limits[name];
    if (typeof limit === 'number') requiredLimits[name] = limit;
  }
  const device = await adapter.requestDevice({ requiredLimits });
  const watch = new DeviceErrorWatch(device as unknown as ErrorReportingDevice);
  const adapterInfo = (adapter as unknown as { info?: object }).info;
  const backend = new pkg.WebGPUBackend(device, adapterInfo);
  watch.attach(backend as unknown as WatchedBackend);
  guardSyncReadback(backend as unknown as SyncReadingBackend);
  if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => backend, 3);
  registerWebGpuKernels();
  setup = {
    adapter: describeAdapter(adapter as unknown as { info?: object }),
    provider,
    storageBuffers: device.limits.maxStorageBuffersPerShaderStage,
    device,
    watch,
  };
  return setup;
}

/** The WebGPU implementation this process uses: Deno's own under Deno, else Dawn. */
export function webGpuProvider(): WebGpuProvider {
  return isDeno() ? 'deno' : 'dawn';
}

/** How the reasons name a provider: "Dawn" or "Deno (wgpu)". */
export function providerLabel(provider: WebGpuProvider): string {
  return provider === 'deno' ? 'Deno (wgpu)' : 'Dawn';
}

/** The reason initBackend reports for an active webgpu backend. */
export function webGpuReason(s: WebGpuSetup): string {
  return `${providerLabel(s.provider)} WebGPU adapter: ${adapterLabel(s.adapter)}; ${s.storageBuffers} storage buffers per shader stage`;
}
