import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { registerWasmKernels } from '../../../src/backend/wasm/register_wasm_kernels.js';
import { sgdUpdateJs } from '../../../src/backend/wasm/sgd_update.js';
import { disposeInfo } from '../../../src/backend/wasm/wasm_kernel_utils.js';
import { SGD_UPDATE_KERNEL } from '../../../src/train/optimizer.js';
import { useBackend } from '../../helpers/backends.js';
import { sgdOptimizer, threeSgdSteps } from '../../helpers/sgd_steps.js';
import { expectNoWasmLeak, randomHost, wasmBackend } from './wasm_test_utils.js';

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
        const fused = await threeSgdSteps(nesterov, wd);
        tf.unregisterKernel(SGD_UPDATE_KERNEL, 'wasm');
        let opsWasm: Map<string, Float32Array>;
        try {
          opsWasm = await threeSgdSteps(nesterov, wd);
        } finally {
          registerWasmKernels();
        }
        assert.notEqual(tf.getKernel(SGD_UPDATE_KERNEL, 'wasm'), undefined);
        await useBackend('cpu');
        const opsCpu = await threeSgdSteps(nesterov, wd);
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
    const opt = sgdOptimizer({ w }, true, 1e-4);
    opt.step({ w: g }, 0.1); // creates the momentum buffer
    await expectNoWasmLeak(() => opt.step({ w: g }, 0.1), 'sgd update');
    opt.dispose();
    tf.dispose([w, g]);
  });
});
