import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendReportLine } from '../../src/backend/report_line.js';

describe('backendReportLine', () => {
  it('names the chosen backend and why the installed ones before it were passed over', () => {
    const line = backendReportLine({
      name: 'wasm',
      reason: 'XNNPACK on the CPU, 2 thread(s)',
      skipped: [
        {
          name: 'tensorflow-gpu',
          why: '@tensorflow/tfjs-node-gpu is not installed (optional; see README, "Backends")',
        },
        { name: 'webgpu', why: 'the only adapter is a software one, mesa software llvmpipe' },
      ],
    });
    assert.equal(
      line,
      'backend wasm: XNNPACK on the CPU, 2 thread(s); passed over webgpu: the only adapter is a software one, mesa software llvmpipe',
    );
  });
});
