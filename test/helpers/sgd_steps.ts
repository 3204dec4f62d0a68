// Shared by the SGD-update kernel tests (wasm, webgpu): a few SGD-with-momentum steps of the library's Optimizer on
// the active backend, over parameters of assorted shapes, read back by name.
import * as tf from '@tensorflow/tfjs-core';
import { Optimizer, UNIFORM_GROUPS } from '../../src/train/optimizer.js';
import { randomHost } from './kernel_compare.js';

/** Conv-like, odd (a SIMD tail), tiny and scalar-sized parameters. */
export const SGD_TEST_SHAPES: Record<string, number[]> = {
  conv: [3, 3, 16, 16],
  odd: [7, 5],
  bias: [3],
  one: [1],
};

/** The library's SGD optimiser (momentum 0.9) over `params`. */
export function sgdOptimizer(
  params: Record<string, tf.Variable>,
  nesterov: boolean,
  weightDecay: number,
): Optimizer {
  return new Optimizer(params, {
    kind: 'sgd',
    momentum: 0.9,
    nesterov,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay,
    groups: UNIFORM_GROUPS,
  });
}

/** Three SGD steps on the active backend; the parameters and momentum buffers afterwards, by name. */
export async function threeSgdSteps(
  nesterov: boolean,
  weightDecay: number,
): Promise<Map<string, Float32Array>> {
  const params: Record<string, tf.Variable> = {};
  let seed = 1;
  for (const [name, shape] of Object.entries(SGD_TEST_SHAPES)) {
    params[name] = tf.variable(
      tf.tensor(randomHost(shape, seed++).values, shape),
      true,
      `sgd_test_${name}_${seed}_${tf.getBackend()}_${Math.random()}`,
    );
  }
  const opt = sgdOptimizer(params, nesterov, weightDecay);
  for (let step = 0; step < 3; step++) {
    const grads = Object.fromEntries(
      Object.entries(SGD_TEST_SHAPES).map(([name, shape]) => [
        name,
        tf.tensor(randomHost(shape, 100 * step + seed++).values, shape),
      ]),
    );
    opt.step(grads, 0.05 + 0.01 * step);
    tf.dispose(Object.values(grads));
  }
  const out = new Map<string, Float32Array>();
  const { step, ...slots } = opt.state();
  for (const [name, t] of [...Object.entries(params), ...Object.entries(slots)]) {
    out.set(name.replace(/^optimizer_\d+\//, ''), Float32Array.from(await t.data()));
  }
  tf.dispose(step);
  opt.dispose();
  tf.dispose(Object.values(params));
  return out;
}
