// Which backends read synchronously, and what the library does where they cannot (webgpu): the losses' value
// check is skipped (shapes still checked), dynamicMacs asks for host masks or dynamicMacsAsync.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { hasSyncReadback, requireSyncReadback } from '../../src/backend/sync_readback.js';
import { checkGateProbs } from '../../src/losses/check_gate_probs.js';
import { dynamicMacs, dynamicMacsAsync, gateMacCosts } from '../../src/models/macs.js';
import { createModelSkeleton } from '../../src/models/registry.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

describe('hasSyncReadback / requireSyncReadback', () => {
  it('host-memory backends read synchronously; webgpu and unknown backends do not', () => {
    for (const b of ['cpu', 'wasm', 'tensorflow']) assert.equal(hasSyncReadback(b), true, b);
    for (const b of ['webgpu', 'webgl', 'something']) assert.equal(hasSyncReadback(b), false, b);
  });

  it('names the function, the reason and the active backend', async () => {
    await useBackend('cpu');
    requireSyncReadback('f', 'it reads'); // cpu: no error
    // A backend not known to read synchronously (a cpu backend under another name).
    if (tf.findBackendFactory('async-double') === null)
      tf.registerBackend('async-double', () => new MathBackendCPU());
    await tf.setBackend('async-double');
    try {
      assert.throws(
        () => requireSyncReadback('f', 'it reads'),
        /^Error: f: it reads, which needs a backend with synchronous readback \(cpu, wasm, tensorflow\); the active backend is 'async-double'/,
      );
    } finally {
      await useBackend('cpu');
      tf.removeBackend('async-double');
    }
  });
});

for (const backend of TEST_BACKENDS) {
  describe(`readback rules on ${backend}`, () => {
    before(() => useBackend(backend));
    const sync = hasSyncReadback(backend);

    it(sync ? 'checkGateProbs checks values' : 'checkGateProbs skips the value check (documented)', () => {
      const bad = tf.tensor2d([0.5, 1.5, 0.2, 0.1], [2, 2]);
      const check = () => checkGateProbs('lossFn', 'gateProbs', bad, true);
      if (sync) assert.throws(check, /lossFn: argument 'gateProbs' must contain probabilities in \[0, 1\]/);
      else assert.equal(check().length, 1);
      assert.throws(() => checkGateProbs('lossFn', 'gateProbs', tf.zeros([4]), true), /rank-2/);
      bad.dispose();
    });

    it('dynamicMacsAsync reads tensor masks on any backend; dynamicMacs only where reads are synchronous', async () => {
      const m = createModelSkeleton('resnet20');
      const shape: [number, number, number] = [32, 32, 3];
      const costs = gateMacCosts(m, shape);
      const host = costs.map((g, l) => ({
        name: g.name,
        mask: [new Array<number>(g.costs.length).fill(1), new Array<number>(g.costs.length).fill(l % 2)],
      }));
      const tensors = host.map((g) => ({ name: g.name, mask: tf.tensor2d(g.mask) }));
      const want = dynamicMacs(m, shape, host);
      assert.deepEqual(await dynamicMacsAsync(m, shape, tensors), want);
      assert.ok(want.main[1]! < want.main[0]!);
      if (sync) assert.deepEqual(dynamicMacs(m, shape, tensors), want);
      else {
        assert.throws(
          () => dynamicMacs(m, shape, tensors),
          new RegExp(
            `dynamicMacs: argument 'gates' holds a tensor mask .*'${backend}' backend cannot read synchronously.*dynamicMacsAsync`,
          ),
        );
      }
      tf.dispose(tensors.map((t) => t.mask));
    });
  });
}
