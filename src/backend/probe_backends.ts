// Probes every backend (not only up to the first that works), for `doctor` and the benchmarks.
// WebGPU is first probed in a child process (webgpu/adapter_probe.ts): no adapter, or only a software one, is
// reported from what the child saw, without loading Dawn here (which would print Dawn's warnings); a hardware
// adapter is then brought up for real.
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAMES, type BackendName } from './backend_names.js';
import { type InitBackendOptions, initBackend } from './init_backend.js';
import { adapterLabel, softwareAdapterReason } from './webgpu/adapter_description.js';
import { probeWebGpuAdapter } from './webgpu/adapter_probe.js';
import { providerLabel, webGpuProvider } from './webgpu/webgpu_device.js';

export interface BackendProbe {
  name: BackendName;
  available: boolean;
  /** Why it is usable, or why not. */
  detail: string;
  /** Set when the backend works but initBackend('auto') passes it over (a software WebGPU adapter): why. */
  autoSkips?: string;
}

async function probeOne(name: BackendName, options: InitBackendOptions): Promise<BackendProbe> {
  try {
    const report = await initBackend(name, options);
    return { name, available: true, detail: report.reason };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // initBackend(name) lists the single skipped backend as "  name: why"; keep the why.
    const why = message.split('\n').find((l) => l.trimStart().startsWith(`${name}:`)) ?? message;
    return { name, available: false, detail: why.replace(`${name}:`, '').trim() };
  }
}

async function probeWebGpu(options: InitBackendOptions): Promise<BackendProbe> {
  const probe = await (options.probeWebGpuAdapter ?? (() => probeWebGpuAdapter()))();
  if (probe.adapter === undefined) {
    return {
      name: 'webgpu',
      available: false,
      detail: probe.problem ?? `${providerLabel(webGpuProvider())} found no WebGPU adapter`,
    };
  }
  const software = softwareAdapterReason(probe.adapter);
  if (software === undefined) return probeOne('webgpu', options);
  return {
    name: 'webgpu',
    available: true,
    detail: `${providerLabel(webGpuProvider())} WebGPU adapter: ${adapterLabel(probe.adapter)} (software: ${software})`,
    autoSkips: "a software adapter: 'auto' prefers wasm; initBackend('webgpu') uses it",
  };
}

/**
 * Tries each backend in 'auto' order and reports which work. Leaves the one `initBackend('auto')` would choose
 * active (the first available one that 'auto' does not pass over), so callers can go on using it.
 */
export async function probeBackends(options: InitBackendOptions = {}): Promise<BackendProbe[]> {
  const probes: BackendProbe[] = [];
  for (const name of BACKEND_NAMES) {
    probes.push(name === 'webgpu' ? await probeWebGpu(options) : await probeOne(name, options));
  }
  const first = probes.find((p) => p.available && p.autoSkips === undefined);
  if (first !== undefined) await initBackend(first.name, options);
  else if (tf.getBackend() === undefined) throw new Error('probeBackends: no backend is usable');
  return probes;
}
