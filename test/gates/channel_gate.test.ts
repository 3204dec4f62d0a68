import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { ChannelGate, DEFAULT_GATE_BIAS_INIT } from '../../src/gates/channel_gate.js';
import { NoiseSource } from '../../src/gates/noise_source.js';
import { ParamStore } from '../../src/layers/param_store.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { expectNoLeakAsync, scalar, values } from '../helpers/read.js';

for (const backend of TEST_BACKENDS) {
  describe(`ChannelGate on ${backend}`, () => {
    before(() => useBackend(backend));

    it('maps [N, H, W, C_in] to gate logits/probs/mask [N, C_gated] under torch-style names', async () => {
      const store = new ParamStore(1);
      const gate = new ChannelGate(store.scope('layer1.0.gate'), 6, 10);
      assert.deepEqual([...store.weights.keys()].sort(), [
        'layer1.0.gate.bn.bias',
        'layer1.0.gate.bn.weight',
        'layer1.0.gate.fc1.weight',
        'layer1.0.gate.fc2.bias',
        'layer1.0.gate.fc2.weight',
      ]);
      assert.deepEqual([...store.buffers.keys()].sort(), [
        'layer1.0.gate.bn.running_mean',
        'layer1.0.gate.bn.running_var',
      ]);
      const x = tf.randomNormal([3, 4, 4, 6], 0, 1, 'float32', 2) as tf.Tensor4D;
      for (const training of [true, false]) {
        const out = gate.apply(x, { training, noise: new NoiseSource(0) });
        for (const t of [out.gateLogits, out.gateProbs, out.gateMask]) assert.deepEqual(t.shape, [3, 10]);
        const mask = await values(out.gateMask, true);
        assert.ok(mask.every((m) => m === 0 || m === 1));
        tf.dispose([out.gateLogits, out.gateProbs, out.gateMask]);
      }
      x.dispose();
      store.dispose();
    });

    it(`starts mostly open with the default bias ${DEFAULT_GATE_BIAS_INIT}`, async () => {
      const store = new ParamStore(2);
      const gate = new ChannelGate(store.scope('g'), 8, 32);
      const [meanProb = Number.NaN, meanOpen = Number.NaN] = await values(
        tf.tidy(() => {
          const x = tf.randomNormal([16, 4, 4, 8], 0, 1, 'float32', 3) as tf.Tensor4D;
          const out = gate.apply(x, { training: true, noise: new NoiseSource(1) });
          return tf.stack([tf.mean(out.gateProbs), tf.mean(out.gateMask)]);
        }),
      );
      assert.ok(meanProb > 0.9, `mean gate probability ${meanProb}`);
      assert.ok(meanOpen > 0.85, `fraction open ${meanOpen}`);
      store.dispose();
    });

    it('gradients of a loss on mask and probs reach every gate parameter; no leaks', async () => {
      const store = new ParamStore(4);
      const gate = new ChannelGate(store.scope('g'), 5, 7, { biasInit: 0 });
      const x = tf.randomNormal([6, 3, 3, 5], 0, 1, 'float32', 5) as tf.Tensor4D;
      const noise = new NoiseSource(2);
      const target = tf.randomNormal([6, 7], 0, 1, 'float32', 6);
      await expectNoLeakAsync(async () => {
        const { value, grads } = tf.variableGrads(() => {
          const out = gate.apply(x, { training: true, noise });
          return tf.add(tf.sum(tf.mul(out.gateMask, target)), tf.mean(out.gateProbs)) as tf.Scalar;
        }, [...store.weights.values()]);
        for (const [name, v] of store.weights) {
          const g = grads[v.name]!;
          assert.ok((await scalar(tf.tidy(() => tf.max(tf.abs(g))))) > 0, `zero gradient for ${name}`);
        }
        value.dispose();
        tf.dispose(grads);
      }, 'gate gradient');
      tf.dispose([x, target]);
      store.dispose();
    });

    it('inference is deterministic and equals 1[logit > 0]', async () => {
      const store = new ParamStore(5);
      const gate = new ChannelGate(store.scope('g'), 4, 6, { biasInit: 0 });
      const read = tf.tidy(() => {
        const x = tf.randomNormal([5, 2, 2, 4], 0, 1, 'float32', 7) as tf.Tensor4D;
        const a = gate.apply(x, { training: false });
        const b = gate.apply(x, { training: false });
        return [a.gateMask, b.gateMask, a.gateLogits];
      });
      const [maskA, maskB, logits] = await Promise.all(read.map((t) => values(t)));
      assert.deepEqual(maskA, maskB);
      maskA!.forEach((m, i) => {
        assert.equal(m, logits![i]! > 0 ? 1 : 0);
      });
      store.dispose();
    });

    it('training without a noise source and a wrong input are rejected with the argument named', () => {
      const store = new ParamStore(6);
      const gate = new ChannelGate(store.scope('g'), 4, 6);
      tf.tidy(() => {
        assert.throws(
          () => gate.apply(tf.zeros([2, 2, 2, 4]) as tf.Tensor4D, { training: true }),
          /options.noise/,
        );
        assert.throws(
          () => gate.apply(tf.zeros([2, 2, 2, 3]) as tf.Tensor4D, { training: false }),
          /argument 'x'/,
        );
      });
      store.dispose();
    });
  });
}
