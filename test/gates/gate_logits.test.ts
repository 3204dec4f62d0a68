import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { ChannelGate } from '../../src/gates/channel_gate.js';
import { trainingGateLogits } from '../../src/gates/gate_logits.js';
import { ParamStore } from '../../src/layers/param_store.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { maxRelErr } from '../helpers/kernel_compare.js';
import { expectNoLeakAsync, values } from '../helpers/read.js';

type Run = { logits: Float32Array; grads: Map<string, Float32Array>; buffers: Map<string, Float32Array> };

/** Logits, gradients of sum(logits * t) by input and parameter name, and the BN buffers after one call. */
async function run(shape: [number, number, number, number], gated: number, fused: boolean): Promise<Run> {
  const store = new ParamStore(7);
  const gate = new ChannelGate(store.scope('g'), shape[3], gated, { biasInit: 0.5 });
  const x = tf.randomNormal(shape, 0, 1, 'float32', 11) as tf.Tensor4D;
  const t = tf.randomNormal([shape[0], gated], 0, 1, 'float32', 12);
  const logitsOf = (xx: tf.Tensor4D) =>
    fused
      ? trainingGateLogits(xx, { w1: gate.fc1.weight, bn: gate.bn, w2: gate.fc2.weight, b2: gate.fc2.bias! })
      : gate.layerLogits(xx, true);
  let logits: tf.Tensor | undefined;
  const vars = [...store.weights.values()];
  const xVar = tf.variable(x, true, `gate_logits_test_x_${fused}_${shape.join('x')}_${gated}`);
  const { value, grads } = tf.variableGrads(() => {
    const l = logitsOf(xVar as unknown as tf.Tensor4D);
    logits = tf.keep(l.clone());
    return tf.sum(tf.mul(l, t)) as tf.Scalar;
  }, [...vars, xVar]);
  const out: Run = { logits: (await values(logits!)) as Float32Array, grads: new Map(), buffers: new Map() };
  for (const [name, v] of [...store.weights, ['x', xVar] as const]) {
    out.grads.set(name, (await values(grads[v.name]!)) as Float32Array);
  }
  for (const [name, v] of store.buffers) out.buffers.set(name, (await values(v)) as Float32Array);
  tf.dispose([value, logits!, x, t, xVar, ...Object.values(grads)]);
  store.dispose();
  return out;
}

for (const backend of TEST_BACKENDS) {
  describe(`trainingGateLogits on ${backend}`, () => {
    before(() => useBackend(backend));

    const cases: [[number, number, number, number], number][] = [
      [[8, 6, 6, 16], 16],
      [[1, 4, 4, 5], 7],
      [[32, 8, 8, 32], 64],
    ];
    for (const [shape, gated] of cases) {
      it(`matches the layer-by-layer gate: logits, every gradient, BN running stats [${shape}] -> ${gated}`, async () => {
        // The same tf ops in the same order: bit for bit on cpu and wasm.
        const tol = backend === 'cpu' || backend === 'wasm' ? 0 : 1e-5;
        const fused = await run(shape, gated, true);
        const layers = await run(shape, gated, false);
        assert.ok(maxRelErr(layers.logits, fused.logits) <= tol, 'logits');
        for (const [name, g] of layers.grads) {
          const err = maxRelErr(g, fused.grads.get(name)!);
          assert.ok(err <= tol, `gradient of ${name}: relative error ${err}`);
        }
        for (const [name, b] of layers.buffers) {
          assert.ok(maxRelErr(b, fused.buffers.get(name)!) <= tol, `buffer ${name}`);
        }
      });
    }

    it('rejects an input whose channels do not match fc1, naming the argument', () => {
      const store = new ParamStore(1);
      const gate = new ChannelGate(store.scope('g'), 4, 8);
      const params = { w1: gate.fc1.weight, bn: gate.bn, w2: gate.fc2.weight, b2: gate.fc2.bias! };
      tf.tidy(() => {
        assert.throws(
          () => trainingGateLogits(tf.zeros([2, 3, 3, 5]) as tf.Tensor4D, params),
          /argument 'x' must be \[N, H, W, 4\]/,
        );
      });
      store.dispose();
    });

    it('leaks no tensors', async () => {
      await expectNoLeakAsync(() => run([4, 3, 3, 6], 8, true), 'trainingGateLogits');
    });
  });
}
