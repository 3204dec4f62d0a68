// measureLatency: one entry per sample with its own MACs (equal to dynamicMacs of the model's own masks for
// that sample), positive times, nothing leaked; bad options and inputs are refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { setGateUsage } from '../../src/inference/gate_usage.js';
import { measureLatency } from '../../src/inference/latency.js';
import { dynamicMacs } from '../../src/models/macs.js';
import type { GatedModel } from '../../src/models/model_types.js';
import { createModel } from '../../src/models/registry.js';
import { useBackend } from '../helpers/backends.js';

describe('measureLatency', () => {
  let model: GatedModel;
  let x: tf.Tensor4D;
  before(async () => {
    await useBackend('wasm');
    model = createModel('resnet20', { widthMultiplier: 0.25, seed: 3 });
    x = tf.randomNormal([3, 8, 8, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    setGateUsage(model, x, { seed: 3 });
  });
  after(() => {
    x.dispose();
    model.dispose();
  });

  test('per-sample MACs match the masked model, times are positive, nothing leaks', () => {
    const before = tf.memory().numTensors;
    const m = measureLatency(model, x, { reps: 2, conditional: { skip: 'always' } });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(m.backend, 'wasm');
    assert.deepEqual(
      m.samples.map((s) => s.index),
      [0, 1, 2],
    );
    const ref = model.apply(x, { training: false });
    const macs = dynamicMacs(model, [8, 8, 3], ref.gates).total;
    tf.dispose([ref.logits, ...ref.gates.flatMap((g) => [g.probs, g.mask])]);
    m.samples.forEach((s, i) => {
      assert.ok(Math.abs(s.macs - macs[i]!) < 1e-6 * macs[i]!, `sample ${i}: ${s.macs} vs ${macs[i]}`);
      assert.ok(s.macs < m.denseMacs);
      assert.ok(s.ms > 0 && s.maskedMs > 0);
    });
    // setGateUsage gives each sample its own pattern.
    assert.ok(new Set(m.samples.map((s) => s.macs)).size > 1);
  });

  test('bad options and inputs are refused', () => {
    assert.throws(
      () => measureLatency(model, x, { reps: 0 }),
      /measureLatency: option 'reps' must be an integer >= 1/,
    );
    assert.throws(
      () => measureLatency(model, x, { conditional: { skip: 'never' } }),
      /option 'conditional.skip' must not be 'never'/,
    );
    const empty = tf.zeros([0, 8, 8, 3]) as tf.Tensor4D;
    assert.throws(
      () => measureLatency(model, empty),
      /argument 'images' must be a tensor \[N >= 1, H, W, C\]; got \[0,8,8,3\]/,
    );
    empty.dispose();
  });
});
