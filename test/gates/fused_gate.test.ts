import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { ChannelGate } from '../../src/gates/channel_gate.js';
import { fusedTrainingGate, hasFusedGate } from '../../src/gates/fused_gate.js';
import { ParamStore } from '../../src/layers/param_store.js';
import { useBackend } from '../helpers/backends.js';
import {
  expectFusedGateMatches,
  expectSameNoiseDecidedMask,
  FUSED_GATE_CASES,
  runGate,
} from '../helpers/gate_runs.js';
import { expectNoLeakAsync } from '../helpers/read.js';

describe('fusedTrainingGate (the whole gate as one kernel each way)', () => {
  before(async () => {
    await useBackend('cpu');
    await useBackend('wasm');
  });

  it('is available on wasm (webgpu: test/backend/webgpu/gate_module.test.ts); cpu takes the tf-op path', async () => {
    await useBackend('wasm');
    assert.equal(hasFusedGate(), true);
    await useBackend('cpu');
    assert.equal(hasFusedGate(), false);
    const store = new ParamStore(1);
    const gate = new ChannelGate(store.scope('g'), 4, 8);
    const uniform = tf.fill([2, 8], 0.5) as tf.Tensor2D;
    assert.throws(
      () =>
        fusedTrainingGate(
          tf.zeros([2, 3, 3, 4]) as tf.Tensor4D,
          { w1: gate.fc1.weight, bn: gate.bn, w2: gate.fc2.weight, b2: gate.fc2.bias! },
          uniform,
          gate.tau,
        ),
      /backend 'cpu' has no BatchShapingGateForward kernel/,
    );
    uniform.dispose();
    store.dispose();
  });

  for (const [shape, gated] of FUSED_GATE_CASES) {
    it(`matches the tf-op gate on cpu: outputs, every gradient, BN running stats [${shape}] -> ${gated}`, async () => {
      await expectFusedGateMatches('wasm', shape, gated);
    });
  }

  it('draws the same noise as the tf-op path: the mask flips where the noise decides', async () => {
    await expectSameNoiseDecidedMask('wasm');
  });

  it('leaks no tensors', async () => {
    await useBackend('wasm');
    await expectNoLeakAsync(() => runGate([4, 3, 3, 6], 8), 'fusedTrainingGate');
  });
});
