import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/init_backend.js';
import { softwareAdapterReason } from '../../src/backend/webgpu/adapter_description.js';
import type { AdapterProbe } from '../../src/backend/webgpu/adapter_probe.js';
import { probeWebGpuAdapter } from '../../src/backend/webgpu/adapter_probe.js';
import { removeBackendIfPresent, WEBGPU_READY } from '../helpers/backends.js';

const LAVAPIPE: AdapterProbe = {
  adapter: {
    vendor: 'mesa',
    architecture: 'software',
    device: 'llvmpipe-llvm-15-0-6-256-bits-',
    description: 'llvmpipe: Mesa 25.0.7',
    isFallbackAdapter: true,
  },
};
const noTfjsNode = (specifier: string): Promise<unknown> => {
  if (specifier.startsWith('@tensorflow/tfjs-node')) {
    return Promise.reject(
      Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' }),
    );
  }
  return import(specifier);
};

// tfjs-node(-gpu) cannot be installed here (its install downloads libtensorflow). This double behaves as the
// package does on import: it registers a backend named 'tensorflow' (here backed by the cpu implementation).
function tfjsNodeDouble(opts: { gpu: boolean | null; missing?: string[] }) {
  return async (specifier: string): Promise<unknown> => {
    if (opts.missing?.includes(specifier)) {
      throw Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });
    }
    if (specifier === '@tensorflow/tfjs-node' || specifier === '@tensorflow/tfjs-node-gpu') {
      if (tf.findBackend('tensorflow') === null) {
        tf.registerBackend('tensorflow', () => {
          const b = new MathBackendCPU() as MathBackendCPU & { isUsingGpuDevice?: boolean };
          if (opts.gpu !== null) b.isUsingGpuDevice = opts.gpu;
          return b;
        });
      }
      return {};
    }
    return import(specifier);
  };
}

describe('initBackend', () => {
  it('auto picks tensorflow-gpu first when the GPU build loads and sees a device', async () => {
    removeBackendIfPresent('tensorflow');
    const report = await initBackend('auto', { importModule: tfjsNodeDouble({ gpu: true }) });
    assert.equal(report.name, 'tensorflow-gpu');
    assert.equal(tf.getBackend(), 'tensorflow');
    assert.deepEqual(report.skipped, []);
  });

  it('auto falls through to tensorflow (CPU build) when the GPU build is missing', async () => {
    removeBackendIfPresent('tensorflow');
    const importModule = tfjsNodeDouble({ gpu: null, missing: ['@tensorflow/tfjs-node-gpu'] });
    const report = await initBackend('auto', { importModule });
    assert.equal(report.name, 'tensorflow');
    assert.equal(report.skipped.length, 1);
    assert.equal(report.skipped[0]!.name, 'tensorflow-gpu');
    assert.match(report.skipped[0]!.why, /not installed/);
  });

  it('rejects a GPU build that sees no CUDA device, with the reason', async () => {
    removeBackendIfPresent('tensorflow');
    await assert.rejects(
      initBackend('tensorflow-gpu', { importModule: tfjsNodeDouble({ gpu: false }) }),
      /found no CUDA device/,
    );
  });

  it('auto without tfjs-node reports each skipped backend and lands on a CPU backend', async () => {
    removeBackendIfPresent('tensorflow');
    const importModule = tfjsNodeDouble({
      gpu: null,
      missing: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
    });
    const report = await initBackend('auto', { importModule, wasmThreads: 1 });
    assert.ok(['webgpu', 'wasm'].includes(report.name), report.name);
    const names = report.skipped.map((s) => s.name);
    assert.deepEqual(names.slice(0, 2), ['tensorflow-gpu', 'tensorflow']);
    for (const s of report.skipped) assert.ok(s.why.length > 0);
  });

  it('webgpu fails cleanly with a reason on a machine without an adapter', async (t) => {
    const report = await initBackend('webgpu').catch((err: Error) => err);
    if (!(report instanceof Error)) {
      t.skip('this machine has a WebGPU adapter');
      return;
    }
    assert.match(report.message, /webgpu: .*(adapter|driver|failed)/i);
  });

  it('auto passes over a software-only WebGPU adapter, says why, and picks wasm', async () => {
    const report = await initBackend('auto', {
      importModule: noTfjsNode,
      probeWebGpuAdapter: async () => LAVAPIPE,
      wasmThreads: 1,
    });
    assert.equal(report.name, 'wasm');
    const webgpu = report.skipped.find((s) => s.name === 'webgpu');
    assert.match(
      webgpu!.why,
      /only adapter is a software one, mesa software llvmpipe.*fallback.*'auto' prefers wasm/,
    );
  });

  it('auto reports what the probe saw when there is no adapter', async () => {
    const problem =
      'Dawn found no WebGPU adapter (no GPU, or no working Vulkan driver); Dawn printed: bad ICD';
    const report = await initBackend('auto', {
      importModule: noTfjsNode,
      probeWebGpuAdapter: async () => ({ problem }),
      wasmThreads: 1,
    });
    assert.equal(report.name, 'wasm');
    assert.equal(report.skipped.find((s) => s.name === 'webgpu')!.why, problem);
  });

  it('the adapter probe answers without printing (its child process keeps Dawn quiet)', async () => {
    const probe = await probeWebGpuAdapter();
    if (WEBGPU_READY) assert.ok(probe.adapter !== undefined, probe.problem);
    else assert.ok(probe.adapter !== undefined || probe.problem!.length > 0);
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '-e', "import('./src/backend/init_backend.js').then((m) => m.initBackend('auto'))"],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stderr, '', 'initBackend(auto) wrote on stderr');
  });

  it('an explicit webgpu uses a software adapter and says it is one', {
    skip: !WEBGPU_READY && 'no WebGPU adapter',
  }, async () => {
    const report = await initBackend('webgpu');
    assert.equal(report.name, 'webgpu');
    assert.match(report.reason, /Dawn WebGPU adapter: .*storage buffers per shader stage/);
    const probe = await probeWebGpuAdapter();
    if (softwareAdapterReason(probe.adapter!)) assert.match(report.reason, /\(software: /);
  });

  it('names the argument and the accepted values on a bad choice', async () => {
    await assert.rejects(initBackend('cuda' as never), /initBackend: argument 'choice' must be .*got "cuda"/);
  });

  it('cpu and wasm initialise by name', async () => {
    assert.equal((await initBackend('cpu')).name, 'cpu');
    const wasm = await initBackend('wasm', { wasmThreads: 1 });
    assert.equal(wasm.name, 'wasm');
    assert.match(wasm.reason, /thread/);
  });
});
