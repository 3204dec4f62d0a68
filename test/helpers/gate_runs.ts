// Shared by the fused-gate tests (wasm: test/gates/fused_gate.test.ts, webgpu: test/backend/webgpu/): one
// training call of a ChannelGate on the active backend, and the check that the fused kernels' outputs, gradients
// and BN buffers match the tf-op gate's on cpu.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { ChannelGate } from '../../src/gates/channel_gate.js';
import { GATE_BACKWARD_KERNEL, GATE_FORWARD_KERNEL } from '../../src/gates/fused_gate.js';
import { NoiseSource } from '../../src/gates/noise_source.js';
import { ParamStore } from '../../src/layers/param_store.js';
import { type TestBackend, useBackend } from './backends.js';
import { maxRelErr } from './kernel_compare.js';
import { values } from './read.js';

type Shape = [number, number, number, number];
export type GateRun = {
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
export async function runGate(shape: Shape, gated: number): Promise<GateRun> {
  const store = new ParamStore(7);
  const gate = new ChannelGate(store.scope('g'), shape[3], gated, { biasInit: 0.3 });
  const noise = new NoiseSource(5);
  const x = tf.randomNormal(shape, 0.5, 1, 'float32', 11) as tf.Tensor4D;
  const targets = [12, 13, 14].map((seed) => tf.randomNormal([shape[0], gated], 0, 1, 'float32', seed));
  const xVar = tf.variable(x, true, `fused_gate_test_x_${tf.getBackend()}_${shape.join('x')}_${gated}`);
  const kept: tf.Tensor[] = [];
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
  const kernels = profile.kernels.map((k) => k.name);
  const [logits, probs, mask, value, ...gradList] = kept;
  const names = [...store.weights.keys(), 'x'];
  const out: GateRun = { outputs: new Map(), grads: new Map(), buffers: new Map(), kernels };
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

/** ResNet-20's gated blocks at batch 8, batch 1 (BN of one sample), channels with no multiple of 4, 1x1 maps. */
export const FUSED_GATE_CASES: [Shape, number][] = [
  [[8, 16, 16, 16], 16],
  [[8, 8, 8, 64], 64],
  [[1, 4, 4, 5], 7],
  [[3, 7, 7, 10], 12],
  [[4, 1, 1, 32], 32],
];

/**
 * Runs the gate on cpu (the tf ops) and on `backend` (the fused kernels, which must have run, once each way) and
 * asserts every output, gradient and BN buffer within `tol` relative. Returns the largest error.
 */
export async function expectFusedGateMatches(
  backend: TestBackend,
  shape: Shape,
  gated: number,
  tol = 1e-4,
): Promise<number> {
  await useBackend('cpu');
  const reference = await runGate(shape, gated);
  await useBackend(backend);
  const fused = await runGate(shape, gated);
  assert.deepEqual(
    fused.kernels.filter((k) => k.startsWith('BatchShapingGate')),
    [GATE_FORWARD_KERNEL, GATE_BACKWARD_KERNEL],
  );
  assert.ok(!reference.kernels.some((k) => k.startsWith('BatchShapingGate')));
  let worst = 0;
  for (const part of ['outputs', 'grads', 'buffers'] as const) {
    for (const [name, ref] of reference[part]) {
      const err = maxRelErr(ref, fused[part].get(name)!);
      worst = Math.max(worst, err);
      assert.ok(err <= tol, `${part} ${name}: relative error ${err}`);
    }
  }
  assert.equal(fused.grads.size, 6); // fc1 (no bias), BN weight and bias, fc2 weight and bias, x
  return worst;
}

/**
 * Logits near 0 (bias 0.3, small weights): the noise, not the logit, sets most gates; the fused kernels on
 * `backend` must draw the same noise as the tf-op path on cpu and give the same mask.
 */
export async function expectSameNoiseDecidedMask(backend: TestBackend): Promise<void> {
  await useBackend('cpu');
  const reference = await runGate([16, 2, 2, 8], 32);
  await useBackend(backend);
  const fused = await runGate([16, 2, 2, 8], 32);
  const mask = fused.outputs.get('mask')!;
  const on = mask.reduce((s, v) => s + v, 0);
  assert.ok(on > 0.1 * mask.length && on < 0.9 * mask.length, `on fraction ${on / mask.length}`);
  assert.deepEqual([...mask], [...reference.outputs.get('mask')!]);
}
