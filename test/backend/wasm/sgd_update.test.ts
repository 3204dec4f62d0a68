import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmKernels } from '../../../src/backend/wasm/register_wasm_kernels.js';
import { sgdUpdateJs } from '../../../src/backend/wasm/sgd_update.js';
import { disposeInfo } from '../../../src/backend/wasm/wasm_kernel_utils.js';
import { Optimizer, SGD_UPDATE_KERNEL, UNIFORM_GROUPS } from '../../../src/train/optimizer.js';
import { useBackend } from '../../helpers/backends.js';
import { expectNoWasmLeak, randomHost, wasmBackend } from './wasm_test_utils.js';

// Conv-like, odd (SIMD tail), tiny and scalar-sized parameters.
const SHAPES: Record<string, number[]> = { conv: [3, 3, 16, 16], odd: [7, 5], bias: [3], one: [1] };

/** Three SGD steps on the active backend; the parameters and momentum buffers afterwards, by name. */
async function threeSteps(nesterov: boolean, weightDecay: number): Promise<Map<string, Float32Array>> {
  const params: Record<string, tf.Variable> = {};
  let seed = 1;
  for (const [name, shape] of Object.entries(SHAPES)) {
    params[name] = tf.variable(
      tf.tensor(randomHost(shape, seed++).values, shape),
      true,
      `sgd_test_${name}_${seed}_${tf.getBackend()}_${Math.random()}`,
    );
  }
  const opt = new Optimizer(params, {
    kind: 'sgd',
    momentum: 0.9,
    nesterov,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay,
    groups: UNIFORM_GROUPS,
  });
  for (let step = 0; step < 3; step++) {
    const grads = Object.fromEntries(
      Object.entries(SHAPES).map(([name, shape]) => [
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

describe('wasm SGD update kernel (simd/sgd_update.wat)', () => {
  before(async () => {
    await useBackend('cpu');
    await useBackend('wasm');
  });

  for (const nesterov of [false, true]) {
    for (const wd of [0, 5e-4]) {
      it(`is bit-identical to the tf-op update on cpu and on wasm: nesterov ${nesterov}, weight decay ${wd}`, async () => {
        await useBackend('wasm');
        assert.notEqual(tf.getKernel(SGD_UPDATE_KERNEL, 'wasm'), undefined);
        const fused = await threeSteps(nesterov, wd);
        tf.unregisterKernel(SGD_UPDATE_KERNEL, 'wasm');
        let opsWasm: Map<string, Float32Array>;
        try {
          opsWasm = await threeSteps(nesterov, wd);
        } finally {
          registerWasmKernels();
        }
        assert.notEqual(tf.getKernel(SGD_UPDATE_KERNEL, 'wasm'), undefined);
        await useBackend('cpu');
        const opsCpu = await threeSteps(nesterov, wd);
        assert.equal(fused.size, 8); // 4 parameters, 4 momentum buffers
        for (const [name, v] of fused) {
          assert.deepEqual(v, opsWasm.get(name), `${name}: fused vs tf ops on wasm`);
          assert.deepEqual(v, opsCpu.get(name), `${name}: fused vs tf ops on cpu`);
        }
      });
    }
  }

  it('the JavaScript fallback (no SIMD module) is bit-identical to the SIMD kernel', async () => {
    await useBackend('wasm');
    const backend = wasmBackend();
    const shape = [9, 7]; // 63 elements: a SIMD tail of 3
    const [w, g, v] = [1, 2, 3].map((seed) => tf.tensor(randomHost(shape, seed).values, shape));
    for (const nesterov of [false, true]) {
      for (const weightDecay of [0, 1e-3]) {
        const attrs = { lr: 0.07, weightDecay, momentum: 0.9, nesterov };
        const simd = tf.engine().runKernel(SGD_UPDATE_KERNEL, { w: w!, g: g!, v: v! }, attrs) as tf.Tensor[];
        const outs = [0, 1].map(() => backend.makeOutput(shape, 'float32'));
        sgdUpdateJs(backend, [w!, g!, v!, outs[0]!, outs[1]!], 63, attrs);
        for (let i = 0; i < 2; i++) {
          const js = Float32Array.from(backend.readSync(outs[i]!.dataId) as Float32Array);
          assert.deepEqual(
            js,
            Float32Array.from(await simd[i]!.data()),
            `output ${i}, ${JSON.stringify(attrs)}`,
          );
          disposeInfo(backend, outs[i]!);
        }
        tf.dispose(simd);
      }
    }
    tf.dispose([w!, g!, v!]);
  });

  it('leaks no tensors and no wasm heap over repeated steps', async () => {
    await useBackend('wasm');
    const w = tf.variable(tf.tensor(randomHost([64, 33], 1).values, [64, 33]), true, 'sgd_leak_w');
    const g = tf.tensor(randomHost([64, 33], 2).values, [64, 33]);
    const opt = new Optimizer(
      { w },
      {
        kind: 'sgd',
        momentum: 0.9,
        nesterov: true,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 1e-4,
        groups: UNIFORM_GROUPS,
      },
    );
    opt.step({ w: g }, 0.1); // creates the momentum buffer
    await expectNoWasmLeak(() => opt.step({ w: g }, 0.1), 'sgd update');
    opt.dispose();
    tf.dispose([w, g]);
  });
});
