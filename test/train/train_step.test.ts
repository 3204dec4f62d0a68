import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { createModel } from '../../src/models/registry.js';
import { Optimizer } from '../../src/train/optimizer.js';
import { getPreset } from '../../src/train/presets.js';
import { gatedLossGradients, taskLoss, trainStep } from '../../src/train/train_step.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

// Host-side oracle: mean over non-ignored pixels of -log softmax(logits)[label].
function pixelCe(logits: number[], labels: number[], k: number, ignore: number) {
  let sum = 0;
  let n = 0;
  let correct = 0;
  labels.forEach((y, p) => {
    if (y === ignore) return;
    const row = logits.slice(p * k, (p + 1) * k);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    sum += lse - row[y]!;
    n += 1;
    if (row.indexOf(m) === y) correct += 1;
  });
  return { ce: sum / n, n, correct };
}

for (const backend of TEST_BACKENDS) {
  describe(`train step (${backend})`, () => {
    it('segmentation cross-entropy ignores label 255 (vs a host oracle)', async () => {
      await useBackend(backend);
      const k = 3;
      const logitsArr = Array.from({ length: 2 * 2 * 2 * k }, (_, i) => Math.sin(i * 1.7) * 2);
      const labelsArr = [0, 2, 255, 1, 1, 255, 0, 2];
      const logits = tf.tensor4d(logitsArr, [2, 2, 2, k]);
      const masks = tf.tensor3d(labelsArr, [2, 2, 2], 'int32');
      const images = tf.zeros([2, 2, 2, 3]) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      const out = taskLoss(logits, { images, masks });
      assert.equal(tf.memory().numTensors, before + 3); // exactly the three results
      const want = pixelCe(logitsArr, labelsArr, k, 255);
      assert.ok(Math.abs((await out.ce.data())[0]! - want.ce) < 1e-5);
      assert.equal((await out.counted.data())[0], want.n);
      assert.equal((await out.correct.data())[0], want.correct);
      tf.dispose([out.ce, out.correct, out.counted]);
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([logits, masks, images]);
    });

    it('gatedLossGradients: total = ce + gamma bas + lambda l0, a gradient per parameter, no leak', async () => {
      await useBackend(backend);
      const model = createModel('resnet20', { widthMultiplier: 0.25, seed: 3 });
      const images = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const labels = tf.tensor1d([0, 1, 2, 3], 'int32');
      const before = tf.memory().numTensors;
      const r = gatedLossGradients(model, { images, labels }, { weights: { gamma: 0.5, lambda: 0.25 } });
      const [total = Number.NaN, ce = Number.NaN, bas = Number.NaN, l0 = Number.NaN, gateOn = Number.NaN] =
        await Promise.all([r.total, r.ce, r.bas, r.l0, r.gateOn].map(async (t) => (await t.data())[0]!));
      assert.ok(Math.abs(total - (ce + 0.5 * bas + 0.25 * l0)) < 1e-5);
      assert.ok(gateOn > 0 && gateOn <= 1);
      assert.deepEqual(Object.keys(r.grads).sort(), Object.keys(model.namedWeights()).sort());
      tf.dispose([...Object.values(r.grads), r.total, r.ce, r.bas, r.l0, r.correct, r.counted, r.gateOn]);
      assert.equal(tf.memory().numTensors, before);
      // The tf.Optimizer form still trains (weights change) and leaks nothing beyond the optimizer's slots.
      const opt = tf.train.sgd(0.1);
      const w0 = await model.namedWeights()['fc.weight']!.data();
      const losses = trainStep(model, opt, images, labels, { gamma: 0.75, lambda: 0 });
      tf.dispose(Object.values(losses));
      opt.dispose(); // its learning-rate scalar
      assert.equal(tf.memory().numTensors, before);
      const w1 = await model.namedWeights()['fc.weight']!.data();
      assert.notDeepEqual(Array.from(w1), Array.from(w0));
      // Our Optimizer (here the CIFAR recipe's: SGD + Nesterov, gates exempt from decay) needs the step's lr.
      const ours = new Optimizer(model.namedWeights(), getPreset('cifar10-resnet20-gated').optim);
      assert.throws(
        () => trainStep(model, ours, images, labels, { gamma: 0.75, lambda: 0 }),
        /trainStep: option 'lr' is required with an Optimizer/,
      );
      const ourLosses = trainStep(model, ours, images, labels, { gamma: 0.75, lambda: 0.01 }, { lr: 0.1 });
      tf.dispose(Object.values(ourLosses));
      const w2 = await model.namedWeights()['fc.weight']!.data();
      assert.notDeepEqual(Array.from(w2), Array.from(w1));
      ours.dispose();
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([images, labels]);
      model.dispose();
    });
  });
}
