import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probeWebGpuAdapter, summariseStderr } from '../../../src/backend/webgpu/adapter_probe.js';

describe('adapter probe', () => {
  it('summarises what Dawn printed: the first three distinct non-empty lines on one line', () => {
    const stderr =
      'error: XDG_RUNTIME_DIR is invalid\nerror: XDG_RUNTIME_DIR is invalid\n\nWarning: Vulkan shaderUniform*ArrayDynamicIndexing required.\n - While initializing adapter\n    at InitializeImpl (PhysicalDeviceVk.cpp:257)\n';
    assert.equal(
      summariseStderr(stderr),
      'error: XDG_RUNTIME_DIR is invalid | Warning: Vulkan shaderUniform*ArrayDynamicIndexing required. | - While initializing adapter',
    );
    assert.equal(summariseStderr(''), '');
  });

  it('answers with an adapter or with the reason there is none, within its time limit', async () => {
    const probe = await probeWebGpuAdapter();
    assert.ok((probe.adapter === undefined) !== (probe.problem === undefined), JSON.stringify(probe));
    if (probe.adapter !== undefined) assert.equal(typeof probe.adapter.isFallbackAdapter, 'boolean');
    const hurried = await probeWebGpuAdapter(1);
    assert.match(
      hurried.problem ?? 'answered in 1 ms',
      /killed by SIGTERM|answered in 1 ms|without an answer/,
    );
  });
});
