// The state-dict pair every registry model has (model_base.ts): stateDict() is exactly the weights plus the
// BatchNorm statistics, as the live variables; loadStateDict() copies another model's state so the two compute
// the same, checks every name, shape and dtype before assigning anything, and refuses on a skeleton.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { createModel, createModelSkeleton } from '../../src/models/registry.js';
import { useBackend } from '../helpers/backends.js';
import { values } from '../helpers/read.js';

describe('model.stateDict / model.loadStateDict', () => {
  it('stateDict is namedWeights plus namedBuffers, the live variables', async () => {
    await useBackend('cpu');
    const m = createModel('resnet20', { widthMultiplier: 0.25, seed: 1 });
    const state = m.stateDict();
    const weights = m.namedWeights();
    const buffers = m.namedBuffers();
    assert.deepEqual(Object.keys(state).sort(), [...Object.keys(weights), ...Object.keys(buffers)].sort());
    assert.equal(state['conv1.weight'], weights['conv1.weight']);
    assert.equal(state['bn1.running_mean'], buffers['bn1.running_mean']);
    assert.ok(Object.keys(buffers).length > 0 && Object.keys(weights).length > 0);
    m.dispose();
  });

  it("loadStateDict makes a model of another seed compute the first's outputs, and leaks nothing", async () => {
    await useBackend('cpu');
    const a = createModel('resnet20', { widthMultiplier: 0.25, seed: 1 });
    const b = createModel('resnet20', { widthMultiplier: 0.25, seed: 2 });
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    tf.tidy(() => {
      a.apply(x, { training: true }); // moves a's BN statistics away from their init
    });
    const logits = async (m: typeof a) => values(tf.tidy(() => m.apply(x, { training: false }).logits));
    assert.notDeepEqual(await logits(b), await logits(a));
    const before = tf.memory().numTensors;
    const report = b.loadStateDict(a.stateDict());
    assert.equal(tf.memory().numTensors, before);
    assert.equal(report.assigned.length, Object.keys(a.stateDict()).length);
    assert.deepEqual(report.missing, []);
    assert.deepEqual(report.unexpected, []);
    assert.deepEqual(await logits(b), await logits(a));
    // The copy is independent: disposing the source leaves b usable.
    const expected = await logits(a);
    a.dispose();
    assert.deepEqual(await logits(b), expected);
    b.dispose();
    x.dispose();
  });

  it('a mismatch names the tensor and assigns nothing; strict: false tolerates only missing names', async () => {
    await useBackend('cpu');
    const narrow = createModel('resnet20', { widthMultiplier: 0.25, seed: 1 });
    const wide = createModel('resnet20', { widthMultiplier: 0.5, seed: 2 });
    const before = await values(wide.stateDict()['conv1.weight']!, true);
    assert.throws(() => wide.loadStateDict(narrow.stateDict()), /tensor "conv1\.weight": expected shape/);
    assert.deepEqual(await values(wide.stateDict()['conv1.weight']!, true), before);
    const dense = createModel('resnet20', { widthMultiplier: 0.25, gating: 'none', seed: 3 });
    assert.throws(() => narrow.loadStateDict(dense.stateDict()), /missing from the checkpoint.*gate/);
    const report = narrow.loadStateDict(dense.stateDict(), { strict: false });
    assert.ok(report.missing.length > 0 && report.missing.every((n) => n.includes('gate')));
    assert.deepEqual(report.unexpected, []);
    for (const m of [narrow, wide, dense]) m.dispose();
  });

  it('a skeleton has no state dict', () => {
    const s = createModelSkeleton('resnet18');
    assert.throws(() => s.stateDict(), /resnet18\.stateDict: a skeleton model/);
    assert.throws(() => s.loadStateDict({}), /resnet18\.loadStateDict: a skeleton model/);
  });
});
