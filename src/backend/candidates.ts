// How each backend is brought up. Each `activate` either makes its backend the active tfjs backend and
// returns why it is usable, or throws an Error whose message says why not (shown by `doctor`).
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from './backend_names.js';
import { registerWasmKernels } from './wasm/register_wasm_kernels.js';
import { configureWasmThreads } from './wasm/wasm_threads.js';

/** Loads a module by specifier; injectable so tests can stand in for packages we cannot install. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

export interface CandidateContext {
  importModule: ModuleImporter;
  /** Threads for the wasm backend; default: all cores (at most 8). */
  wasmThreads?: number;
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
  if (/Cannot find (module|package)|ERR_MODULE_NOT_FOUND/.test(message)) {
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
    const dawn = (await importOrExplain(ctx, 'webgpu')) as { create(flags: string[]): GPU; globals?: object };
    const g = globalThis as { navigator?: { gpu?: GPU } };
    if (g.navigator?.gpu === undefined) {
      if (dawn.globals !== undefined) Object.assign(globalThis, dawn.globals);
      // Node 21+ defines a read-only navigator; extend it rather than replace it.
      const gpu = dawn.create([]);
      if (g.navigator === undefined) {
        Object.defineProperty(globalThis, 'navigator', {
          value: { gpu },
          configurable: true,
          writable: true,
        });
      } else {
        Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
      }
    }
    const adapter = await g.navigator!.gpu!.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter === null) {
      throw new Error(
        'Dawn found no WebGPU adapter (no GPU, or no Vulkan driver: install the glvnd loader libraries and set VK_DRIVER_FILES)',
      );
    }
    await importOrExplain(ctx, '@tensorflow/tfjs-backend-webgpu');
    await setActive('webgpu');
    const info = (adapter as { info?: { vendor?: string; architecture?: string; description?: string } })
      .info;
    const what = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ');
    return `Dawn WebGPU adapter${what ? `: ${what}` : ''}`;
  },
};

const wasmCandidate: Candidate = {
  name: 'wasm',
  tfjsName: 'wasm',
  async activate(ctx) {
    await importOrExplain(ctx, '@tensorflow/tfjs-backend-wasm');
    const threads = await configureWasmThreads(ctx.wasmThreads);
    await setActive('wasm');
    registerWasmKernels();
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
