// AddN on webgpu past the device's storage-buffer limit: equal to cpu, not silently wrong (tfjs's stock kernel
// binds one storage buffer per input and Dawn drops the command buffer past the limit). Needs a WebGPU adapter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { addNGroupSize } from '../../../src/backend/webgpu/add_n.js';
import { isOurWebGpuKernel } from '../../../src/backend/webgpu/stock_kernel_registry.js';
import { webGpuSetup } from '../../../src/backend/webgpu/webgpu_device.js';
import { useBackend, WEBGPU_READY } from '../../helpers/backends.js';

const skip = WEBGPU_READY ? false : 'no WebGPU adapter (BATCH_SHAPING_WEBGPU_READY is not 1)';

/** n tensors of `shape` with distinct seeded values, as host arrays. */
function hostInputs(n: number, shape: number[]): Float32Array[] {
  const size = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, k) =>
    Float32Array.from({ length: size }, (_, i) => Math.sin(1 + k * 7.3 + i * 0.37) * (k + 1)),
  );
}

async function addNOn(
  backend: 'cpu' | 'webgpu',
  inputs: Float32Array[],
  shape: number[],
): Promise<Float32Array> {
  await useBackend(backend);
  const ts = inputs.map((v) => tf.tensor(v, shape));
  const sum = tf.addN(ts);
  const values = (await sum.data()) as Float32Array;
  tf.dispose([...ts, sum]);
  return values;
}

describe('addNGroupSize', () => {
  it('leaves one storage buffer for the output', () => {
    assert.equal(addNGroupSize(8), 7);
    assert.equal(addNGroupSize(16), 15);
  });

  it('names the argument on a limit too small to add two tensors', () => {
    assert.throws(
      () => addNGroupSize(2),
      /addNGroupSize: argument 'storageBuffers' must be an integer >= 3.*got 2/,
    );
  });
});

describe('AddN on webgpu', { skip }, () => {
  it('is our kernel, on a device with the adapter storage-buffer limit', async () => {
    await useBackend('webgpu');
    assert.ok(isOurWebGpuKernel('AddN'));
    assert.ok(webGpuSetup()!.storageBuffers >= 8, `${webGpuSetup()!.storageBuffers}`);
  });

  for (const n of [2, 7, 8, 9, 16, 30, 54]) {
    it(`sums ${n} tensors like cpu`, async () => {
      const shape = [3, 5, 7];
      const inputs = hostInputs(n, shape);
      const want = await addNOn('cpu', inputs, shape);
      const got = await addNOn('webgpu', inputs, shape);
      for (let i = 0; i < want.length; i++) {
        assert.ok(
          Math.abs(got[i]! - want[i]!) <= 1e-4 * (1 + Math.abs(want[i]!)),
          `[${i}]: ${got[i]} vs ${want[i]}`,
        );
      }
    });
  }

  it('frees its partial sums (no tensors or GPU buffers left behind)', async () => {
    await useBackend('webgpu');
    const ts = hostInputs(40, [64]).map((v) => tf.tensor(v));
    const sum = tf.addN(ts); // warm-up: buffers of the pool get allocated once
    await sum.data();
    sum.dispose();
    const before = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    const again = tf.addN(ts);
    await again.data();
    again.dispose();
    const after = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    assert.equal(after.numTensors, before.numTensors);
    assert.equal(after.numBytesInGPU, before.numBytesInGPU);
    tf.dispose(ts);
  });

  it('gives the gradient of a sum of 30 terms', async () => {
    await useBackend('webgpu');
    const x = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((v: tf.Tensor) =>
      tf.sum(tf.addN(Array.from({ length: 30 }, (_, k) => tf.mul(v, k + 1)))),
    )(x);
    assert.deepEqual(Array.from(await g.data()), [465, 465, 465]);
    tf.dispose([x, g]);
  });
});
