import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { ChannelGate } from '../../src/gates/channel_gate.js';
import { fusedTrainingGate, GATE_FORWARD_KERNEL, hasFusedGate } from '../../src/gates/fused_gate.js';
import { NoiseSource } from '../../src/gates/noise_source.js';
import { ParamStore } from '../../src/layers/param_store.js';
import { useBackend } from '../helpers/backends.js';
import { maxRelErr } from '../helpers/kernel_compare.js';
import { expectNoLeakAsync, values } from '../helpers/read.js';

type Shape = [number, number, number, number];
type Run = {
  outputs: Map<string, Float32Array>;
  grads: Map<string, Float32Array>;
  buffers: Map<string, Float32Array>;
  kernels: string[];
};

/**
 * One training call of a ChannelGate on the active backend (the fused op where the backend has it, the tf ops
 * elsewhere): its three outputs, the gradients of sum(logits tl + probs tp + mask tm) by parameter and for x,
 * the BN buffers afterwards, and the kernels it ran.
 */
async function run(shape: Shape, gated: number): Promise<Run> {
  const store = new ParamStore(7);
  const gate = new ChannelGate(store.scope('g'), shape[3], gated, { biasInit: 0.3 });
  const noise = new NoiseSource(5);
  const x = tf.randomNormal(shape, 0.5, 1, 'float32', 11) as tf.Tensor4D;
  const targets = [12, 13, 14].map((seed) => tf.randomNormal([shape[0], gated], 0, 1, 'float32', seed));
  const xVar = tf.variable(x, true, `fused_gate_test_x_${tf.getBackend()}_${shape.join('x')}_${gated}`);
  const kept: tf.Tensor[] = [];
  let kernels: string[] = [];
  const profile = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => {
      const out = gate.apply(xVar as unknown as tf.Tensor4D, { training: true, noise });
      const parts = [out.gateLogits, out.gateProbs, out.gateMask];
      kept.push(...parts.map((t) => tf.keep(t.clone())));
      return tf.addN(parts.map((t, i) => tf.sum(tf.mul(t, targets[i]!)))) as tf.Scalar;
    }, [...store.weights.values(), xVar]);
    kept.push(value, ...Object.values(grads));
    return [] as tf.Tensor[];
  });
  kernels = profile.kernels.map((k) => k.name);
  const [logits, probs, mask, value, ...gradList] = kept;
  const names = [...store.weights.keys(), 'x'];
  const out: Run = { outputs: new Map(), grads: new Map(), buffers: new Map(), kernels };
  for (const [name, t] of [
    ['logits', logits],
    ['probs', probs],
    ['mask', mask],
  ] as const) {
    out.outputs.set(name, (await values(t!)) as Float32Array);
  }
  for (const [i, g] of gradList.entries()) out.grads.set(names[i]!, (await values(g)) as Float32Array);
  for (const [name, v] of store.buffers) out.buffers.set(name, (await values(v)) as Float32Array);
  tf.dispose([value!, logits!, probs!, mask!, x, xVar, ...targets, ...gradList]);
  store.dispose();
  return out;
}

describe('fusedTrainingGate (the whole gate as one kernel each way)', () => {
  before(async () => {
    await useBackend('cpu');
    await useBackend('wasm');
  });

  it('is available on wasm only; cpu takes the tf-op path', async () => {
    await useBackend('wasm');
    assert.equal(hasFusedGate(), true);
    await useBackend('cpu');
    assert.equal(hasFusedGate(), false);
    const store = new ParamStore(1);
    const gate = new ChannelGate(store.scope('g'), 4, 8);
    const uniform = tf.fill([2, 8], 0.5) as tf.Tensor2D;
    assert.throws(
      () =>
        fusedTrainingGate(
          tf.zeros([2, 3, 3, 4]) as tf.Tensor4D,
          { w1: gate.fc1.weight, bn: gate.bn, w2: gate.fc2.weight, b2: gate.fc2.bias! },
          uniform,
          gate.tau,
        ),
      /backend 'cpu' has no BatchShapingGateForward kernel/,
    );
    uniform.dispose();
    store.dispose();
  });

  // ResNet-20's gated blocks at batch 8, batch 1 (BN of one sample), channels with no multiple of 4, 1x1 maps.
  const cases: [Shape, number][] = [
    [[8, 16, 16, 16], 16],
    [[8, 8, 8, 64], 64],
    [[1, 4, 4, 5], 7],
    [[3, 7, 7, 10], 12],
    [[4, 1, 1, 32], 32],
  ];
  for (const [shape, gated] of cases) {
    it(`matches the tf-op gate on cpu: outputs, every gradient, BN running stats [${shape}] -> ${gated}`, async () => {
      await useBackend('cpu');
      const reference = await run(shape, gated);
      await useBackend('wasm');
      const fused = await run(shape, gated);
      assert.deepEqual(
        fused.kernels.filter((k) => k.startsWith('BatchShapingGate')),
        [GATE_FORWARD_KERNEL, 'BatchShapingGateBackward'],
      );
      assert.ok(!reference.kernels.some((k) => k.startsWith('BatchShapingGate')));
      for (const part of ['outputs', 'grads', 'buffers'] as const) {
        for (const [name, ref] of reference[part]) {
          const err = maxRelErr(ref, fused[part].get(name)!);
          assert.ok(err <= 1e-4, `${part} ${name}: relative error ${err}`);
        }
      }
      assert.equal(fused.grads.size, 6); // fc1 (no bias), BN weight and bias, fc2 weight and bias, x
    });
  }

  it('draws the same noise as the tf-op path: the mask flips where the noise decides', async () => {
    // Logits near 0 (bias 0.3, small weights): the noise, not the logit, sets most gates.
    await useBackend('cpu');
    const reference = await run([16, 2, 2, 8], 32);
    await useBackend('wasm');
    const fused = await run([16, 2, 2, 8], 32);
    const mask = fused.outputs.get('mask')!;
    const on = mask.reduce((s, v) => s + v, 0);
    assert.ok(on > 0.1 * mask.length && on < 0.9 * mask.length, `on fraction ${on / mask.length}`);
    assert.deepEqual([...mask], [...reference.outputs.get('mask')!]);
  });

  it('leaks no tensors', async () => {
    await useBackend('wasm');
    await expectNoLeakAsync(() => run([4, 3, 3, 6], 8), 'fusedTrainingGate');
  });
});
