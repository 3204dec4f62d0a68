// Child process for deno_webgpu.test.ts, run under Deno: brings up the webgpu backend on Deno's own WebGPU
// (navigator.gpu, wgpu; Dawn is not loaded), then runs our webgpu kernels against cpu (conv gradients, AddN past
// the storage-buffer limit) and a gated ResNet-20's 3 SGD steps against wasm. Prints one JSON line.
// Usage: deno run -A --sloppy-imports deno_webgpu_child.ts
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/index.js';
import { webGpuSetup } from '../../../src/backend/webgpu/webgpu_device.js';
import { isDeno } from '../../../src/io/deno_runtime.js';
import { filterGrad, inputGrad } from '../../helpers/conv_grad_cases.js';
import { threeSteps } from '../../helpers/gated_resnet_steps.js';
import { type HostTensor, maxRelErr, randomHost, runOnActiveBackend } from '../../helpers/kernel_compare.js';

async function onBoth(
  inputs: HostTensor[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<number> {
  await tf.setBackend('cpu');
  const ref = await runOnActiveBackend(inputs, fn);
  await tf.setBackend('webgpu');
  const got = await runOnActiveBackend(inputs, fn);
  return Math.max(...ref.map((r, i) => maxRelErr(r, got[i]!)));
}

await initBackend('cpu');
const report = await initBackend('webgpu');
const setup = webGpuSetup()!;

const x = randomHost([4, 9, 9, 8], 1);
const w = randomHost([3, 3, 8, 16], 2);
const r = randomHost([4, 5, 5, 16], 3);
const convErr = Math.max(
  await onBoth([x, w, r], filterGrad(2, 'same')),
  await onBoth([x, w, r], inputGrad(2, 'same')),
);
// More inputs than storage buffers per shader stage: the stock AddN silently dropped work past the limit.
const n = setup.storageBuffers + 5;
const addends = Array.from({ length: n }, (_, i) => randomHost([64], 10 + i));
const addNErr = await onBoth(addends, (...xs) => tf.addN(xs));

const wasm = await threeSteps('wasm');
const webgpu = await threeSteps('webgpu');

process.stdout.write(
  `${JSON.stringify({
    deno: isDeno(),
    reason: report.reason,
    provider: setup.provider,
    convErr,
    addNInputs: n,
    addNErr,
    wasm,
    webgpu,
  })}\n`,
);
