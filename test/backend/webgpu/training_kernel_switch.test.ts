// The per-kernel A/B switch of our webgpu training kernels: stock and ours swap under one name, a kernel of our
// own goes away on 'stock', the environment variable switches kernels process-wide, and mistakes name the
// function, the argument and the value. Skips (saying why) where no WebGPU adapter was prepared.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_GRAD } from '../../../src/backend/webgpu/batch_norm_grad.js';
import { stockWebGpuKernel } from '../../../src/backend/webgpu/stock_kernel_registry.js';
import {
  applyStockKernelsFromEnv,
  STOCK_KERNELS_ENV,
  useWebGpuTrainingKernel,
  webGpuTrainingKernelChoice,
} from '../../../src/backend/webgpu/training_kernel_switch.js';
import { WEBGPU_TRAINING_KERNELS } from '../../../src/backend/webgpu/training_kernels.js';
import { setUpWebgpu, WEBGPU_SKIP } from './webgpu_test_utils.js';

const NAMES = WEBGPU_TRAINING_KERNELS.map((c) => c.kernelName);

describe('webgpu training-kernel switch', { skip: WEBGPU_SKIP }, () => {
  before(setUpWebgpu);
  after(() => {
    for (const name of NAMES) useWebGpuTrainingKernel(name, 'ours');
  });

  it('puts the stock Conv2DBackpropFilter / Conv2DBackpropInput back and ours again', () => {
    for (const name of [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput]) {
      assert.equal(webGpuTrainingKernelChoice(name), 'ours');
      useWebGpuTrainingKernel(name, 'stock');
      assert.equal(webGpuTrainingKernelChoice(name), 'stock');
      assert.equal(tf.getKernel(name, 'webgpu')?.kernelFunc, stockWebGpuKernel(name)?.kernelFunc);
      useWebGpuTrainingKernel(name, 'stock'); // idempotent
      useWebGpuTrainingKernel(name, 'ours');
      assert.equal(webGpuTrainingKernelChoice(name), 'ours');
    }
  });

  it("unregisters a kernel of our own on 'stock' (tfjs has none) and registers it again on 'ours'", () => {
    useWebGpuTrainingKernel(BATCH_NORM_GRAD, 'stock');
    assert.equal(tf.getKernel(BATCH_NORM_GRAD, 'webgpu'), undefined);
    useWebGpuTrainingKernel(BATCH_NORM_GRAD, 'ours');
    assert.notEqual(tf.getKernel(BATCH_NORM_GRAD, 'webgpu'), undefined);
  });

  it(`switches the kernels ${STOCK_KERNELS_ENV} names, 'all' or a list`, () => {
    assert.deepEqual(applyStockKernelsFromEnv({}), []);
    assert.deepEqual(applyStockKernelsFromEnv({ [STOCK_KERNELS_ENV]: ` ${tf.Conv2DBackpropInput} ` }), [
      tf.Conv2DBackpropInput,
    ]);
    assert.equal(webGpuTrainingKernelChoice(tf.Conv2DBackpropInput), 'stock');
    assert.equal(webGpuTrainingKernelChoice(tf.Conv2DBackpropFilter), 'ours');
    assert.deepEqual(applyStockKernelsFromEnv({ [STOCK_KERNELS_ENV]: 'all' }), NAMES);
    for (const name of NAMES) assert.equal(webGpuTrainingKernelChoice(name), 'stock');
    for (const name of NAMES) useWebGpuTrainingKernel(name, 'ours');
  });

  it('names the function, the argument and the value in its errors', () => {
    assert.throws(
      () => useWebGpuTrainingKernel('Conv2D', 'stock'),
      /useWebGpuTrainingKernel: argument 'name' must be one of Conv2DBackpropFilter, .*; got "Conv2D"/,
    );
    assert.throws(
      () => useWebGpuTrainingKernel(tf.Conv2DBackpropFilter, 'tfjs' as 'stock'),
      /useWebGpuTrainingKernel: argument 'choice' must be 'ours' or 'stock'; got "tfjs"/,
    );
    assert.throws(
      () => applyStockKernelsFromEnv({ [STOCK_KERNELS_ENV]: 'Conv2DBackpropFilter,Nope' }),
      /BATCH_SHAPING_WEBGPU_STOCK_KERNELS=Conv2DBackpropFilter,Nope: useWebGpuTrainingKernel: argument 'name'.*"Nope"/,
    );
    useWebGpuTrainingKernel(tf.Conv2DBackpropFilter, 'ours');
  });
});
