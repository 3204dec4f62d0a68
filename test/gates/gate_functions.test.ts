import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  GATE_TAU,
  gateProbabilities,
  relaxedGate,
  straightThroughGate,
  thresholdGate,
} from '../../src/gates/gate_functions.js';
import { NoiseSource } from '../../src/gates/noise_source.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { expectNoLeakAsync, numbers, values } from '../helpers/read.js';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

for (const backend of TEST_BACKENDS) {
  describe(`gate functions on ${backend}`, () => {
    before(() => useBackend(backend));

    it('mean of the noisy hard gate is sigmoid(logit) (closed form of P(sigmoid((z+l)/tau) > 0.5))', async () => {
      const logitValues = [-2, -0.5, 0, 1, 3];
      const n = 20000;
      const source = new NoiseSource(7);
      const means = await expectNoLeakAsync(() =>
        numbers(
          tf.tidy(() => {
            const logits = tf.tile(tf.tensor2d([logitValues]), [n, 1]); // [n, 5]
            const noise = source.logistic(logits.shape);
            return tf.mean(straightThroughGate(logits, noise), 0);
          }),
        ),
      );
      logitValues.forEach((z, j) => {
        const p = sigmoid(z);
        const tol = 5 * Math.sqrt((p * (1 - p)) / n) + 1e-3;
        assert.ok(Math.abs(means[j]! - p) < tol, `logit ${z}: mean ${means[j]} vs sigmoid ${p} (tol ${tol})`);
      });
    });

    it('forward is the hard gate 1[s > 0.5] of the relaxed gate s', async () => {
      const [sT, hardT] = tf.tidy(() => {
        const logits = tf.tensor2d([[-1.5, -0.2, 0.3, 2]]);
        const noise = tf.tensor2d([[2, 0.1, -0.4, -1]]);
        return [relaxedGate(logits, noise), straightThroughGate(logits, noise)];
      });
      const s = await values(sT!);
      const hard = await values(hardT!);
      for (let i = 0; i < s.length; i++) assert.equal(hard[i], s[i]! > 0.5 ? 1 : 0);
    });

    it('straight-through gradient equals ds/dlogit (finite difference of the relaxed gate)', async () => {
      const logitValues = [-1.2, -0.3, 0.05, 0.8, 2.5];
      const noiseValues = [0.4, -0.9, 0.2, -0.1, 1.3];
      const weights = [0.5, -1, 2, 1.5, -0.7];
      const grad = await expectNoLeakAsync(() =>
        numbers(
          tf.tidy(() => {
            const noise = tf.tensor1d(noiseValues);
            const w = tf.tensor1d(weights);
            const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(straightThroughGate(z, noise), w)));
            return g(tf.tensor1d(logitValues));
          }),
        ),
      );
      const h = 1e-3;
      logitValues.forEach((z, i) => {
        const s = (v: number) => sigmoid((v + noiseValues[i]!) / GATE_TAU);
        const fd = (weights[i]! * (s(z + h) - s(z - h))) / (2 * h);
        assert.ok(Math.abs(grad[i]! - fd) < 1e-4 + 1e-3 * Math.abs(fd), `grad ${grad[i]} vs fd ${fd}`);
      });
    });

    it('inference gate is the deterministic threshold 1[logit > 0]', async () => {
      const out = await numbers(tf.tidy(() => thresholdGate(tf.tensor1d([-1, -1e-3, 0, 1e-3, 2]))));
      assert.deepEqual(out, [0, 0, 0, 1, 1]);
    });

    it('gate probability is sigmoid(logit), noise-free', async () => {
      const z = [-3, 0, 0.7];
      const p = await numbers(tf.tidy(() => gateProbabilities(tf.tensor1d(z))));
      z.forEach((v, i) => {
        assert.ok(Math.abs(p[i]! - sigmoid(v)) < 1e-6);
      });
    });

    it('rejects noise of another shape and a non-positive tau', () => {
      tf.tidy(() => {
        assert.throws(() => straightThroughGate(tf.zeros([2, 3]), tf.zeros([3, 2])), /argument 'noise'/);
        assert.throws(() => straightThroughGate(tf.zeros([2]), tf.zeros([2]), 0), /argument 'tau'/);
      });
    });
  });
}
