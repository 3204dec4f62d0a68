import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { l0GateLoss } from '../../src/losses/l0_gate_loss.js';
import { golden } from '../fixtures/bas/golden.js';
import { expectNoLeak, TEST_BACKENDS, useBackend } from '../helpers/backends.js';

const g = golden.l0;

for (const backend of TEST_BACKENDS) {
  describe(`l0GateLoss on ${backend}`, () => {
    before(() => useBackend(backend));

    it('mean on-probability over all gates of all layers, and MAC-weighted, match NumPy', () => {
      const [mean, weighted] = expectNoLeak(() =>
        tf.tidy(() => {
          const xs = g.inputs.map((v, i) => tf.tensor2d(v, g.shapes[i]!));
          return [
            l0GateLoss(xs).dataSync()[0]!,
            l0GateLoss(xs, { macWeights: g.mac_weights }).dataSync()[0]!,
          ];
        }),
      );
      assert.ok(Math.abs(mean! - g.mean) < 1e-6, `${mean} vs ${g.mean}`);
      assert.ok(Math.abs(weighted! - g.weighted) < 1e-6, `${weighted} vs ${g.weighted}`);
    });

    it('gradient is 1 / (N C) per element, or w_c / (N sum w) with weights', () => {
      const [plain, weighted] = tf.tidy(() => {
        const x = tf.fill([4, 2], 0.3) as tf.Tensor2D;
        return [
          tf
            .grad((v: tf.Tensor) => l0GateLoss(v as tf.Tensor2D))(x)
            .arraySync() as number[][],
          tf
            .grad((v: tf.Tensor) => l0GateLoss(v as tf.Tensor2D, { macWeights: [1, 3] }))(x)
            .arraySync() as number[][],
        ];
      });
      for (const row of plain!) for (const v of row) assert.ok(Math.abs(v - 1 / 8) < 1e-7);
      for (const row of weighted!) {
        assert.ok(Math.abs(row[0]! - 1 / 16) < 1e-7);
        assert.ok(Math.abs(row[1]! - 3 / 16) < 1e-7);
      }
    });

    it('a single tensor with weights: expected fraction of gated MACs that run', () => {
      const v = tf.tidy(
        () =>
          l0GateLoss(
            tf.tensor2d([
              [1, 0],
              [1, 0],
            ]),
            { macWeights: new Float32Array([3, 1]) },
          ).dataSync()[0]!,
      );
      assert.ok(Math.abs(v - 0.75) < 1e-7);
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
