import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { NoiseSource } from '../../src/gates/noise_source.js';
import { expectNoLeak, TEST_BACKENDS, useBackend } from '../helpers/backends.js';

function draw(source: NoiseSource, shape: number[]): number[] {
  const t = source.logistic(shape);
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

for (const backend of TEST_BACKENDS) {
  describe(`NoiseSource on ${backend}`, () => {
    before(() => useBackend(backend));

    it('the same seed gives the same sequence; another seed another one', () => {
      const a = new NoiseSource(11);
      const b = new NoiseSource(11);
      const c = new NoiseSource(12);
      const first = draw(a, [4, 8]);
      assert.deepEqual(draw(b, [4, 8]), first);
      assert.notDeepEqual(draw(c, [4, 8]), first);
      assert.notDeepEqual(draw(a, [4, 8]), first, 'successive draws differ');
    });

    it('state() / restore() replays the draws that follow', () => {
      const a = new NoiseSource(3);
      draw(a, [5]);
      const saved = a.state();
      const next = [draw(a, [6]), draw(a, [2, 3])];
      const b = new NoiseSource(99);
      b.restore(JSON.parse(JSON.stringify(saved)));
      assert.deepEqual([draw(b, [6]), draw(b, [2, 3])], next);
      assert.deepEqual(b.state(), { seed: 3, counter: 3 });
    });

    it('logistic noise has the logistic distribution (mean 0, variance pi^2/3) and no leaks', () => {
      const source = new NoiseSource(5);
      const [mean, variance] = expectNoLeak(() =>
        tf.tidy(() => {
          const l = source.logistic([40000]);
          const m = tf.moments(l);
          return [m.mean.dataSync()[0]!, m.variance.dataSync()[0]!];
        }),
      );
      const sd = Math.PI / Math.sqrt(3);
      assert.ok(Math.abs(mean) < (5 * sd) / Math.sqrt(40000), `mean ${mean}`);
      assert.ok(Math.abs(variance / (sd * sd) - 1) < 0.05, `variance ${variance}`);
    });

    it('rejects bad seeds and states with the argument named', () => {
      assert.throws(() => new NoiseSource(-1), /NoiseSource: argument 'seed'/);
      assert.throws(() => new NoiseSource(1).restore({ seed: 1, counter: 0.5 }), /'state.counter'/);
    });
  });
}
