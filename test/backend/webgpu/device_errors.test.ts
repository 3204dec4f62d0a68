// WebGPU errors nobody captured become exceptions: a validation error injected on the backend's device
// surfaces at the next readback instead of a console line; then the backend works again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { DeviceErrorWatch, type ErrorReportingDevice } from '../../../src/backend/webgpu/device_errors.js';
import { webGpuSetup } from '../../../src/backend/webgpu/webgpu_device.js';
import { useBackend, WEBGPU_READY } from '../../helpers/backends.js';

const skip = WEBGPU_READY ? false : 'no WebGPU adapter (BATCH_SHAPING_WEBGPU_READY is not 1)';

/** A device double: `fire` dispatches an uncaptured error; `lose` resolves `lost`. */
function fakeDevice() {
  let listener: ((e: Event) => void) | undefined;
  let lose: (info: { reason: string; message: string }) => void = () => {};
  const device: ErrorReportingDevice = {
    addEventListener: (_type, l) => {
      listener = l;
    },
    lost: new Promise((resolve) => {
      lose = resolve;
    }),
  };
  const fire = (message: string) => {
    const event = Object.assign(new Event('uncapturederror', { cancelable: true }), {
      error: { message },
    });
    listener!(event);
    return event.defaultPrevented;
  };
  return { device, fire, lose };
}

describe('DeviceErrorWatch', () => {
  it('reports the first error once, at the next check, and keeps it from the console', () => {
    const { device, fire } = fakeDevice();
    const watch = new DeviceErrorWatch(device);
    watch.check('nothing yet');
    assert.equal(fire('Binding count (9) exceeds maxStorageBuffersPerShaderStage (8)'), true);
    fire('a consequence of the first');
    assert.throws(
      () => watch.check('reading a tensor'),
      /webgpu: reading a tensor: the GPU rejected queued work \(.*maxStorageBuffersPerShaderStage \(8\)\)/,
    );
    watch.check('after the report'); // reported once
  });

  it('makes every later check throw after the device is lost', async () => {
    const { device, lose } = fakeDevice();
    const watch = new DeviceErrorWatch(device);
    lose({ reason: 'unknown', message: 'driver reset' });
    await new Promise((r) => setImmediate(r));
    assert.throws(() => watch.check('a'), /device lost \(unknown\): driver reset/);
    assert.throws(() => watch.check('b'), /device lost/);
  });

  it('ignores a device destroyed on purpose', async () => {
    const { device, lose } = fakeDevice();
    const watch = new DeviceErrorWatch(device);
    lose({ reason: 'destroyed', message: '' });
    await new Promise((r) => setImmediate(r));
    watch.check('after destroy');
  });
});

describe('webgpu backend errors', { skip }, () => {
  it('an injected validation error surfaces as an exception from the next readback', async () => {
    await useBackend('webgpu');
    const device = webGpuSetup()!.device;
    const x = tf.tensor1d([1, 2, 3]);
    // MAP_READ may only be combined with COPY_DST: a validation error, delivered as 'uncapturederror'.
    device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
    await assert.rejects(x.data(), /webgpu: reading a tensor \(data\/array\): the GPU rejected queued work/);
    assert.deepEqual(Array.from(await tf.add(x, 1).data()), [2, 3, 4]); // reported once; work goes on
    x.dispose();
  });

  it('a synchronous read explains the async alternative', async () => {
    await useBackend('webgpu');
    const x = tf.range(0, 4096);
    const y = tf.add(x, 1); // computed on the GPU (large enough not to run on the CPU): no host copy yet
    assert.throws(
      () => y.dataSync(),
      /synchronous readback .* is not available in Node; .*await t\.data\(\)/,
    );
    tf.dispose([x, y]);
  });
});
