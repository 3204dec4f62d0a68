import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AdapterDescription,
  adapterLabel,
  describeAdapter,
  softwareAdapterReason,
} from '../../../src/backend/webgpu/adapter_description.js';

const lavapipe: AdapterDescription = {
  vendor: 'mesa',
  architecture: 'software',
  device: 'llvmpipe-llvm-15-0-6-256-bits-',
  description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1',
  isFallbackAdapter: true,
};
const nvidia: AdapterDescription = {
  vendor: 'nvidia',
  architecture: 'hopper',
  device: '',
  description: 'NVIDIA H200',
  isFallbackAdapter: false,
};

describe('softwareAdapterReason', () => {
  it('flags a fallback adapter', () => {
    assert.match(softwareAdapterReason(lavapipe)!, /fallback/);
  });

  it('flags software renderers by name when they do not say they are a fallback', () => {
    const named = { ...lavapipe, isFallbackAdapter: false, architecture: '' };
    assert.match(softwareAdapterReason(named)!, /software renderer \('llvmpipe-llvm/);
    const swiftshader = { ...nvidia, vendor: 'google', description: 'SwiftShader Device (Subzero)' };
    assert.match(softwareAdapterReason(swiftshader)!, /SwiftShader/);
  });

  it('passes a hardware GPU', () => {
    assert.equal(softwareAdapterReason(nvidia), undefined);
  });
});

describe('describeAdapter / adapterLabel', () => {
  it('reads info getters (prototype properties) and the fallback flag from either place', () => {
    class Info {
      get vendor() {
        return 'mesa';
      }
      get architecture() {
        return 'software';
      }
    }
    const d = describeAdapter({ info: new Info(), isFallbackAdapter: true });
    assert.deepEqual(d, {
      vendor: 'mesa',
      architecture: 'software',
      device: '',
      description: '',
      isFallbackAdapter: true,
    });
    assert.equal(adapterLabel(d), 'mesa software');
    assert.equal(adapterLabel(nvidia), 'nvidia hopper (NVIDIA H200)');
  });
});
