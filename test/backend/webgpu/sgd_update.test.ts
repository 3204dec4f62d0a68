// Our webgpu SGD-with-momentum update ('BatchShapingSgdUpdate') through the library's Optimizer: three steps
// against the tf-op update on cpu and on webgpu (our kernel switched off), plain and Nesterov, with and without
// weight decay; the kernel's own shader ran; input and attribute checks; webgpu-only registration; leaks.
// Skips (saying why) where no WebGPU adapter was prepared.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { SGD_UPDATE } from '../../../src/backend/webgpu/sgd_update.js';
import { SGD_UPDATE_KERNEL } from '../../../src/train/optimizer.js';
import { sgdOptimizer, threeSgdSteps } from '../../helpers/sgd_steps.js';
import {
  compiledShaderKeys,
  expectFreedOnProgramFailure,
  expectNoWebgpuLeak,
  maxRelErr,
  randomHost,
  setUpWebgpu,
  useKernel,
  WEBGPU_SKIP,
} from './webgpu_test_utils.js';

describe('webgpu SGD update (ours)', { skip: WEBGPU_SKIP }, () => {
  let worst = 0;
  before(setUpWebgpu);
  after(async () => {
    useKernel(SGD_UPDATE, 'ours');
    console.log(`# webgpu ${SGD_UPDATE}: max relative error vs the tf-op update ${worst.toExponential(2)}`);
  });

  it('is the optimiser kernel, registered for webgpu only', () => {
    assert.equal(SGD_UPDATE, SGD_UPDATE_KERNEL);
    assert.ok(tf.getKernel(SGD_UPDATE, 'webgpu') !== undefined);
    assert.equal(tf.getKernel(SGD_UPDATE, 'cpu'), undefined);
  });

  for (const nesterov of [false, true]) {
    for (const wd of [0, 5e-4]) {
      it(`matches the tf-op update on cpu and on webgpu: nesterov ${nesterov}, weight decay ${wd}`, async () => {
        await tf.setBackend('webgpu');
        useKernel(SGD_UPDATE, 'ours');
        const fused = await threeSgdSteps(nesterov, wd);
        const key = `batchShapingSgdUpdate_param_${wd > 0 ? 'decay' : 'nodecay'}_${nesterov ? 'nesterov' : 'plain'}`;
        assert.ok(
          compiledShaderKeys().some((k) => k.startsWith(key)),
          `our shader ${key} ran`,
        );
        useKernel(SGD_UPDATE, 'stock'); // ours has no stock version: unregistered, the optimiser's tf ops run
        assert.equal(tf.getKernel(SGD_UPDATE, 'webgpu'), undefined);
        const opsWebgpu = await threeSgdSteps(nesterov, wd);
        useKernel(SGD_UPDATE, 'ours');
        await tf.setBackend('cpu');
        const opsCpu = await threeSgdSteps(nesterov, wd);
        await tf.setBackend('webgpu');
        assert.equal(fused.size, 8); // 4 parameters, 4 momentum buffers
        for (const [name, v] of fused) {
          for (const [what, ref] of [
            ['tf ops on webgpu', opsWebgpu.get(name)!],
            ['tf ops on cpu', opsCpu.get(name)!],
          ] as const) {
            const err = maxRelErr(ref, v);
            worst = Math.max(worst, err);
            // The same float32 operations in the same order; a shader compiler may fuse a multiply-add.
            assert.ok(err <= 1e-6, `${name}: ours vs ${what}: max relative error ${err.toExponential(2)}`);
          }
        }
      });
    }
  }

  it('rejects bad inputs and attributes with clear errors', async () => {
    await tf.setBackend('webgpu');
    const attrs = { lr: 0.1, weightDecay: 0, momentum: 0.9, nesterov: false };
    const run =
      (over: Record<string, tf.Tensor>, a: Record<string, unknown> = attrs) =>
      () =>
        tf.tidy(() =>
          tf
            .engine()
            .runKernel(
              SGD_UPDATE,
              { w: tf.zeros([2, 3]), g: tf.zeros([2, 3]), v: tf.zeros([2, 3]), ...over },
              a as tf.NamedAttrMap,
            ),
        );
    assert.throws(
      run({ g: tf.zeros([3, 2]) }),
      /BatchShapingSgdUpdate.*input 'g' must have w's shape \[2,3\]; got \[3,2\]/,
    );
    assert.throws(run({ v: tf.zeros([2, 3], 'int32') }), /input 'v' must be float32; got int32/);
    assert.throws(run({}, { ...attrs, lr: Number.NaN }), /attribute 'lr' must be a finite number; got null/);
    assert.throws(run({}, { ...attrs, nesterov: 1 }), /attribute 'nesterov' must be a boolean; got 1/);
  });

  it("frees v' when the second program fails", async () => {
    await tf.setBackend('webgpu');
    const [w, g, v] = [1, 2, 3].map((seed) => tf.tensor(randomHost([5, 4], seed).values, [5, 4]));
    const attrs = { lr: 0.1, weightDecay: 0, momentum: 0.9, nesterov: false };
    await expectFreedOnProgramFailure(
      2,
      () => tf.engine().runKernel(SGD_UPDATE, { w: w!, g: g!, v: v! }, attrs),
      SGD_UPDATE,
    );
    tf.dispose([w!, g!, v!]);
  });

  it('leaks no tensors and no backend data over repeated steps', async () => {
    await tf.setBackend('webgpu');
    const w = tf.variable(tf.tensor(randomHost([64, 33], 1).values, [64, 33]), true, 'sgd_webgpu_leak_w');
    const g = tf.tensor(randomHost([64, 33], 2).values, [64, 33]);
    const opt = sgdOptimizer({ w }, true, 1e-4);
    opt.step({ w: g }, 0.1); // creates the momentum buffer
    await expectNoWebgpuLeak(() => {
      opt.step({ w: g }, 0.1);
      return tf.sum(w);
    }, SGD_UPDATE);
    opt.dispose();
    tf.dispose([w, g]);
  });
});
