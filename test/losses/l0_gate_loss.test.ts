import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { l0GateLoss } from '../../src/losses/l0_gate_loss.js';
import { golden } from '../fixtures/bas/golden.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

/** Reads a tensor without a synchronous readback (WebGPU has none) and disposes it. */
async function read(t: tf.Tensor): Promise<Float32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

const g = golden.l0;

for (const backend of TEST_BACKENDS) {
  describe(`l0GateLoss on ${backend}`, () => {
    before(() => useBackend(backend));

    it("'mean': mean on-probability over all gates of all layers, and MAC-weighted, match NumPy; 'sum' = mean x gates", async () => {
      const before = tf.memory().numTensors;
      const gates = g.shapes.reduce((s, shape) => s + shape[1]!, 0);
      const values = tf.tidy(() => {
        const xs = g.inputs.map((v, i) => tf.tensor2d(v, g.shapes[i]!));
        return tf.stack([
          l0GateLoss(xs, { reduction: 'mean' }),
          l0GateLoss(xs, { macWeights: g.mac_weights, reduction: 'mean' }),
          l0GateLoss(xs),
          l0GateLoss(xs, { macWeights: g.mac_weights }),
        ]);
      });
      const [mean, weighted, sum, weightedSum] = await read(values);
      assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
      assert.ok(Math.abs(mean! - g.mean) < 1e-6, `${mean} vs ${g.mean}`);
      assert.ok(Math.abs(weighted! - g.weighted) < 1e-6, `${weighted} vs ${g.weighted}`);
      assert.ok(Math.abs(sum! - gates * g.mean) < 1e-5, `sum ${sum} vs ${gates} x ${g.mean}`);
      assert.ok(
        Math.abs(weightedSum! - gates * g.weighted) < 1e-5,
        `${weightedSum} vs ${gates} x ${g.weighted}`,
      );
    });

    it("gradient is 1 / (N C) per element ('mean'), 1 / N ('sum'), or w_c / (N sum w) with weights", async () => {
      const grads = tf.tidy(() => {
        const x = tf.fill([4, 2], 0.3) as tf.Tensor2D;
        const grad = (opts: object) => tf.grad((v: tf.Tensor) => l0GateLoss(v as tf.Tensor2D, opts))(x);
        return tf.stack([
          grad({ reduction: 'mean' }),
          grad({ macWeights: [1, 3], reduction: 'mean' }),
          grad({}),
          grad({ macWeights: [1, 3] }),
        ]);
      });
      const [plain, weighted, plainSum, weightedSum] = (await grads.array()) as number[][][];
      grads.dispose();
      for (const row of plain!) for (const v of row) assert.ok(Math.abs(v - 1 / 8) < 1e-7);
      for (const row of plainSum!) for (const v of row) assert.ok(Math.abs(v - 1 / 4) < 1e-7);
      for (const row of weighted!) {
        assert.ok(Math.abs(row[0]! - 1 / 16) < 1e-7);
        assert.ok(Math.abs(row[1]! - 3 / 16) < 1e-7);
      }
      for (const row of weightedSum!) {
        assert.ok(Math.abs(row[0]! - 1 / 8) < 1e-7);
        assert.ok(Math.abs(row[1]! - 3 / 8) < 1e-7);
      }
    });

    it('a single tensor with weights: expected fraction of gated MACs that run', async () => {
      const v = tf.tidy(() =>
        l0GateLoss(
          tf.tensor2d([
            [1, 0],
            [1, 0],
          ]),
          { macWeights: new Float32Array([3, 1]), reduction: 'mean' },
        ),
      );
      assert.ok(Math.abs((await read(v))[0]! - 0.75) < 1e-7);
    });
  });
}

describe('l0GateLoss input checks', () => {
  before(() => useBackend('cpu'));

  it('rejects bad tensors and bad weights with a message naming argument, expectation and value', () => {
    const x = tf.tensor2d([
      [0.5, 0.2],
      [0.1, 0.9],
    ]);
    const y = tf.tensor2d([[0.5], [0.1]]);
    const bad = tf.tensor2d([
      [0.5, 1.2],
      [0.1, 0.9],
    ]);
    assert.throws(
      () => l0GateLoss(bad),
      /l0GateLoss: argument 'gateProbs' must contain probabilities in \[0, 1\]; got values in/,
    );
    assert.throws(
      () => l0GateLoss(x, { macWeights: [1] }),
      /l0GateLoss: option 'macWeights' must have one weight per gate \(2\); got length 1/,
    );
    assert.throws(
      () => l0GateLoss(x, { macWeights: [1, -1] }),
      /option 'macWeights' must hold finite weights >= 0; got -1 at index 1/,
    );
    assert.throws(
      () => l0GateLoss(x, { macWeights: [0, 0] }),
      /option 'macWeights' must have a positive total; got 0/,
    );
    assert.throws(
      () => l0GateLoss([x, y], { macWeights: [1, 2] }),
      /option 'macWeights' must be one array of weights per layer \(2 layers\) when 'gateProbs' is an array; got an array of length 2/,
    );
    assert.throws(
      () =>
        l0GateLoss([x, y], {
          macWeights: [
            [1, 2],
            [1, 2],
          ],
        }),
      /option 'macWeights\[1\]' must have one weight per gate \(1\); got length 2/,
    );
    assert.throws(
      () => l0GateLoss(x, { macWeights: [[1], [2]] }),
      /option 'macWeights' must be an array of 2 numbers/,
    );
    tf.dispose([x, y, bad]);
  });
});
