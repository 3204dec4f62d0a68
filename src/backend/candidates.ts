// How each backend is brought up. Each `activate` either makes its backend the active tfjs backend and
// returns why it is usable, or throws an Error whose message says why not (shown by `doctor`).
import * as tf from '@tensorflow/tfjs-core';
import { isDeno } from '../io/deno_runtime.js';
import type { BackendName } from './backend_names.js';
import { alignTensorMemory } from './wasm/aligned_heap.js';
import { registerWasmKernels } from './wasm/register_wasm_kernels.js';
import { setSimdWorkerHost, simdPool } from './wasm/simd_pool.js';
import { nodeSimdWorkerHost } from './wasm/simd_worker_host.js';
import type { BackendWasm } from './wasm/wasm_kernel_utils.js';
import { configureWasmThreads } from './wasm/wasm_threads.js';
import { adapterLabel, softwareAdapterReason } from './webgpu/adapter_description.js';
import type { AdapterProber } from './webgpu/adapter_probe.js';
import { providerLabel, setUpWebGpu, webGpuProvider, webGpuReason } from './webgpu/webgpu_device.js';

/** Loads a module by specifier; injectable so tests can stand in for packages we cannot install. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

interface CandidateContext {
  importModule: ModuleImporter;
  /** Threads for the wasm backend; default: all cores (at most 8). */
  wasmThreads?: number | undefined;
  /** Whether initBackend('auto') is choosing (then software GPU adapters are passed over). */
  auto: boolean;
  /** Looks for a WebGPU adapter without loading Dawn in this process (child-process probe by default). */
  probeWebGpuAdapter: AdapterProber;
}

export interface Candidate {
  name: BackendName;
  /** The name tfjs registers this backend under. */
  tfjsName: string;
  activate(ctx: CandidateContext): Promise<string>;
}

async function setActive(tfjsName: string): Promise<void> {
  const ok = await tf.setBackend(tfjsName);
  if (!ok || tf.getBackend() !== tfjsName) {
    throw new Error(`tfjs could not initialise the '${tfjsName}' backend`);
  }
  await tf.ready();
}

function describeImportError(pkg: string, err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  // Node: Cannot find module / ERR_MODULE_NOT_FOUND; Deno: Import "<pkg>" not a dependency.
  if (/Cannot find (module|package)|ERR_MODULE_NOT_FOUND|not a dependency/.test(message)) {
    return new Error(`${pkg} is not installed (optional; see README, "Backends")`);
  }
  return new Error(`${pkg} failed to load: ${message.split('\n')[0]}`);
}

async function importOrExplain(ctx: CandidateContext, pkg: string): Promise<unknown> {
  try {
    return await ctx.importModule(pkg);
  } catch (err) {
    throw describeImportError(pkg, err);
  }
}

/** tfjs-node(-gpu) registers the 'tensorflow' backend; the GPU build is asked whether it sees a CUDA device. */
function tensorflowCandidate(name: 'tensorflow' | 'tensorflow-gpu', pkg: string): Candidate {
  return {
    name,
    tfjsName: 'tensorflow',
    async activate(ctx) {
      await importOrExplain(ctx, pkg);
      if (tf.findBackend('tensorflow') === null) {
        throw new Error(`${pkg} loaded but registered no 'tensorflow' backend (two copies of tfjs-core?)`);
      }
      await setActive('tensorflow');
      if (name === 'tensorflow-gpu') {
        const backend = tf.backend() as { isUsingGpuDevice?: boolean };
        if (backend.isUsingGpuDevice === false) {
          throw new Error(`${pkg} found no CUDA device (needs CUDA 11.2 + cuDNN 8.1 and an NVIDIA driver)`);
        }
        return `${pkg}: libtensorflow with CUDA`;
      }
      return `${pkg}: libtensorflow on the CPU`;
    },
  };
}

const webgpuCandidate: Candidate = {
  name: 'webgpu',
  tfjsName: 'webgpu',
  async activate(ctx) {
    if (ctx.auto) {
      // Probed in a child process: nothing Dawn prints reaches our stderr, and a software adapter (a CPU
      // emulating a GPU, slower than wasm) is passed over without loading Dawn here.
      const probe = await ctx.probeWebGpuAdapter();
      if (probe.adapter === undefined) {
        throw new Error(probe.problem ?? `${providerLabel(webGpuProvider())} found no WebGPU adapter`);
      }
      const software = softwareAdapterReason(probe.adapter);
      if (software !== undefined) {
        throw new Error(
          `the only adapter is a software one, ${adapterLabel(probe.adapter)}: ${software}; 'auto' prefers wasm (initBackend('webgpu') uses it anyway)`,
        );
      }
    }
    // Deno has WebGPU built in (navigator.gpu); Node gets it from Dawn, the `webgpu` package.
    if (!isDeno()) await importOrExplain(ctx, 'webgpu');
    await importOrExplain(ctx, '@tensorflow/tfjs-backend-webgpu');
    const s = await setUpWebGpu(ctx.importModule);
    await setActive('webgpu');
    const software = softwareAdapterReason(s.adapter);
    return `${webGpuReason(s)}${software === undefined ? '' : ` (software: ${software})`}`;
  },
};

const wasmCandidate: Candidate = {
  name: 'wasm',
  tfjsName: 'wasm',
  async activate(ctx) {
    await importOrExplain(ctx, '@tensorflow/tfjs-backend-wasm');
    const threads = await configureWasmThreads(ctx.wasmThreads);
    await setActive('wasm');
    alignTensorMemory(tf.backend() as BackendWasm);
    registerWasmKernels();
    // Our SIMD kernels' worker threads start now, so that the first training step already has them.
    setSimdWorkerHost(nodeSimdWorkerHost);
    await simdPool(tf.backend() as BackendWasm).whenReady();
    return `XNNPACK on the CPU, ${threads.inUse} thread(s)${threads.note ? ` (${threads.note})` : ''}`;
  },
};

const cpuCandidate: Candidate = {
  name: 'cpu',
  tfjsName: 'cpu',
  async activate(ctx) {
    await importOrExplain(ctx, '@tensorflow/tfjs-backend-cpu');
    await setActive('cpu');
    // Its first tensor write prints a banner advising tfjs-node; doctor already says which backends exist.
    (tf.backend() as { firstUse?: boolean }).firstUse = false;
    return 'pure JavaScript reference (slow; last resort)';
  },
};

export const CANDIDATES: readonly Candidate[] = [
  tensorflowCandidate('tensorflow-gpu', '@tensorflow/tfjs-node-gpu'),
  tensorflowCandidate('tensorflow', '@tensorflow/tfjs-node'),
  webgpuCandidate,
  wasmCandidate,
  cpuCandidate,
];
