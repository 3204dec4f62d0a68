import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { NoiseSource } from '../../src/gates/noise_source.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { expectNoLeakAsync, numbers, values } from '../helpers/read.js';

function draw(source: NoiseSource, shape: number[]): Promise<number[]> {
  return numbers(source.logistic(shape));
}

for (const backend of TEST_BACKENDS) {
  describe(`NoiseSource on ${backend}`, () => {
    before(() => useBackend(backend));

    it('the same seed gives the same sequence; another seed another one', async () => {
      const a = new NoiseSource(11);
      const b = new NoiseSource(11);
      const c = new NoiseSource(12);
      const first = await draw(a, [4, 8]);
      assert.deepEqual(await draw(b, [4, 8]), first);
      assert.notDeepEqual(await draw(c, [4, 8]), first);
      assert.notDeepEqual(await draw(a, [4, 8]), first, 'successive draws differ');
    });

    it('uniform() is the draw logistic() transforms: same counter step, same values', async () => {
      const [a, b] = [new NoiseSource(21), new NoiseSource(21)];
      const u = await numbers(a.uniform([3, 5]));
      assert.ok(u.every((v) => v > 0 && v < 1));
      const logistic = await draw(b, [3, 5]);
      assert.deepEqual(a.state(), b.state());
      for (const [i, v] of u.entries()) {
        const expected = Math.fround(Math.log(v)) - Math.fround(Math.log1p(-v));
        assert.ok(Math.abs(logistic[i]! - expected) <= 1e-5 * (1 + Math.abs(expected)), `element ${i}`);
      }
    });

    it('state() / restore() replays the draws that follow', async () => {
      const a = new NoiseSource(3);
      await draw(a, [5]);
      const saved = a.state();
      const next = [await draw(a, [6]), await draw(a, [2, 3])];
      const b = new NoiseSource(99);
      b.restore(JSON.parse(JSON.stringify(saved)));
      assert.deepEqual([await draw(b, [6]), await draw(b, [2, 3])], next);
      assert.deepEqual(b.state(), { seed: 3, counter: 3 });
    });

    it('logistic noise has the logistic distribution (mean 0, variance pi^2/3) and no leaks', async () => {
      const source = new NoiseSource(5);
      const [mean, variance] = await expectNoLeakAsync(() =>
        values(
          tf.tidy(() => {
            const l = source.logistic([40000]);
            const m = tf.moments(l);
            return tf.stack([m.mean, m.variance]);
          }),
        ),
      );
      const sd = Math.PI / Math.sqrt(3);
      assert.ok(Math.abs(mean!) < (5 * sd) / Math.sqrt(40000), `mean ${mean}`);
      assert.ok(Math.abs(variance! / (sd * sd) - 1) < 0.05, `variance ${variance}`);
    });

    it('rejects bad seeds and states with the argument named', () => {
      assert.throws(() => new NoiseSource(-1), /NoiseSource: argument 'seed'/);
      assert.throws(() => new NoiseSource(1).restore({ seed: 1, counter: 0.5 }), /'state.counter'/);
    });
  });
}
