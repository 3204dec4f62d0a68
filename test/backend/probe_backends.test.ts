import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { probeBackends } from '../../src/backend/probe_backends.js';

const softwareOnly = async () => ({
  adapter: {
    vendor: 'mesa',
    architecture: 'software',
    device: 'llvmpipe',
    description: 'llvmpipe: Mesa 25.0.7',
    isFallbackAdapter: true,
  },
});

describe('probeBackends', () => {
  it('lists a software WebGPU adapter as available but passed over by auto, and activates what auto picks', async () => {
    const probes = await probeBackends({ probeWebGpuAdapter: softwareOnly, wasmThreads: 1 });
    const webgpu = probes.find((p) => p.name === 'webgpu')!;
    assert.equal(webgpu.available, true);
    assert.match(webgpu.detail, /mesa software llvmpipe .*software: it is a fallback/);
    assert.match(webgpu.autoSkips!, /'auto' prefers wasm/);
    assert.equal(tf.getBackend(), 'wasm');
  });

  it('reports what the adapter probe saw when there is none', async () => {
    const probes = await probeBackends({
      probeWebGpuAdapter: async () => ({ problem: 'Dawn found no WebGPU adapter; Dawn printed: no ICD' }),
      wasmThreads: 1,
    });
    const webgpu = probes.find((p) => p.name === 'webgpu')!;
    assert.equal(webgpu.available, false);
    assert.equal(webgpu.detail, 'Dawn found no WebGPU adapter; Dawn printed: no ICD');
  });
});
