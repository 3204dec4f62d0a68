import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDoctor } from '../../src/cli/doctor.js';
import { WEBGPU_READY } from '../helpers/backends.js';

async function doctor(backend: string, extra: Partial<{ steps: string; batch: string }> = {}) {
  const lines: string[] = [];
  const code = await runDoctor({ backend, steps: '3', batch: '4', ...extra }, (l) => lines.push(l));
  return { code, lines };
}

describe('doctor', () => {
  it('lists every backend, marks the chosen one and reports a learning training step', async () => {
    const { code, lines } = await doctor('wasm');
    assert.equal(code, 0);
    for (const name of ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu']) {
      assert.ok(
        lines.some((l) => l.trimStart().startsWith(name)),
        `no line for ${name}`,
      );
    }
    assert.match(lines.find((l) => l.trimStart().startsWith('wasm'))!, /chosen/);
    assert.match(lines.find((l) => l.trimStart().startsWith('tensorflow '))!, /not installed/);
    const step = lines.find((l) => l.startsWith('training step on wasm'));
    assert.ok(step, lines.join('\n'));
    const [, speed] = step.match(/: ([\d.]+) images\/s/)!;
    assert.ok(Number(speed) > 0);
  });

  it('exits non-zero with a clear message when the requested backend does not work', async () => {
    const { code, lines } = await doctor('tensorflow-gpu');
    assert.equal(code, 1);
    assert.match(lines.at(-1)!, /requested backend 'tensorflow-gpu' does not work here/);
  });

  it('trains on webgpu when asked for it', { skip: !WEBGPU_READY && 'no WebGPU adapter' }, async () => {
    const { code, lines } = await doctor('webgpu');
    assert.equal(code, 0, lines.join('\n'));
    assert.match(lines.find((l) => l.trimStart().startsWith('webgpu'))!, /chosen +Dawn WebGPU adapter/);
    assert.ok(
      lines.some((l) => l.startsWith('training step on webgpu')),
      lines.join('\n'),
    );
  });

  it('rejects bad flags naming the flag and the value', async () => {
    await assert.rejects(doctor('cuda'), /--backend must be .*got 'cuda'/);
    await assert.rejects(doctor('wasm', { steps: '0' }), /--steps must be a positive integer; got '0'/);
  });
});
