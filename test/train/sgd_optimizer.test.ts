import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { SgdOptimizer } from '../../src/train/sgd_optimizer.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

// Oracle: torch.optim.SGD's update written out in float64 on plain arrays.
function reference(
  w0: number[],
  grads: number[][],
  lrs: number[],
  o: { momentum: number; nesterov: boolean; weightDecay: number; decay: boolean },
): number[] {
  const w = [...w0];
  const v = w.map(() => 0);
  grads.forEach((g, t) => {
    for (let i = 0; i < w.length; i++) {
      const d = g[i]! + (o.decay ? o.weightDecay * w[i]! : 0);
      v[i] = o.momentum * v[i]! + d;
      const u = o.nesterov ? d + o.momentum * v[i]! : v[i]!;
      w[i] = w[i]! - lrs[t]! * u;
    }
  });
  return w;
}

const close = (a: ArrayLike<number>, b: number[], tol = 1e-5) => {
  for (let i = 0; i < b.length; i++)
    assert.ok(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `${i}: ${a[i]} vs ${b[i]}`);
};

for (const backend of TEST_BACKENDS) {
  describe(`SgdOptimizer (${backend})`, () => {
    after(() => {});
    it('matches PyTorch SGD (momentum, nesterov, weight decay) and exempts rank-1 tensors', async () => {
      await useBackend(backend);
      for (const nesterov of [false, true]) {
        const kernel0 = [0.5, -1.25, 2, 0.75];
        const bias0 = [0.3, -0.2];
        const kernel = tf.variable(tf.tensor2d(kernel0, [2, 2]));
        const bias = tf.variable(tf.tensor1d(bias0));
        const before = tf.memory().numTensors;
        const opt = new SgdOptimizer({ kernel, bias }, { momentum: 0.9, nesterov, weightDecay: 0.01 });
        assert.deepEqual(opt.decayedNames(), ['kernel']);
        const gk = [
          [0.1, 0.2, -0.3, 0.4],
          [-0.5, 0.25, 0.125, 1],
          [0.3, -0.1, 0.2, -0.2],
        ];
        const gb = [
          [1, -1],
          [0.5, 0.5],
          [-2, 0.25],
        ];
        const lrs = [0.1, 0.05, 0.2];
        for (let t = 0; t < 3; t++) {
          const grads = { kernel: tf.tensor2d(gk[t]!, [2, 2]), bias: tf.tensor1d(gb[t]!) };
          opt.step(grads, lrs[t]!);
          tf.dispose(Object.values(grads));
        }
        const o = { momentum: 0.9, nesterov, weightDecay: 0.01 };
        close(await kernel.data(), reference(kernel0, gk, lrs, { ...o, decay: true }));
        close(await bias.data(), reference(bias0, gb, lrs, { ...o, decay: false }));
        // Two velocity buffers exist now; nothing else stays behind.
        assert.equal(tf.memory().numTensors, before + 2);
        opt.dispose();
        assert.equal(tf.memory().numTensors, before);
        kernel.dispose();
        bias.dispose();
      }
    });

    it('continues identically after saving and loading its state', async () => {
      await useBackend(backend);
      const make = () => tf.variable(tf.tensor1d([1, 2, 3]));
      const g = [tf.tensor1d([0.1, -0.2, 0.3]), tf.tensor1d([0.5, 0.1, -0.4]), tf.tensor1d([-0.3, 0.2, 0.1])];
      const a = make();
      const optA = new SgdOptimizer(
        { a },
        { momentum: 0.9, nesterov: false, weightDecay: 0.1, decay: () => true },
      );
      for (const x of g) optA.step({ a: x }, 0.1);
      const b = make();
      const optB1 = new SgdOptimizer(
        { a: b },
        { momentum: 0.9, nesterov: false, weightDecay: 0.1, decay: () => true },
      );
      optB1.step({ a: g[0]! }, 0.1);
      const saved = Object.fromEntries(Object.entries(optB1.state()).map(([k, v]) => [k, v.clone()]));
      optB1.dispose();
      const optB2 = new SgdOptimizer(
        { a: b },
        { momentum: 0.9, nesterov: false, weightDecay: 0.1, decay: () => true },
      );
      optB2.loadState(saved);
      tf.dispose(Object.values(saved));
      optB2.step({ a: g[1]! }, 0.1);
      optB2.step({ a: g[2]! }, 0.1);
      assert.deepEqual(Array.from(await b.data()), Array.from(await a.data()));
      assert.throws(() => optB2.loadState({ a: tf.zeros([2]) }), /shape \[2\]/);
      assert.throws(() => optB2.step({ nope: g[0]! }, 0.1), /unknown parameter 'nope'/);
      tf.dispose([a, b, ...g]);
      optA.dispose();
      optB2.dispose();
    });
  });
}
