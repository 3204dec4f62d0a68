// Shared helpers for the webgpu kernel tests: whether a WebGPU adapter is ready (else the tests skip and say
// why), bringing up the backend with this project's kernels registered, running the same computation on 'cpu'
// and 'webgpu' from the same data (asynchronous readback: webgpu has no dataSync in Node), a scale-aware
// relative error, and a leak check over the engine's tensors and the webgpu backend's own data table.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/backend/init_backend.js';
import {
  useWebGpuTrainingKernel,
  type WebGpuKernelChoice,
} from '../../../src/backend/webgpu/training_kernel_switch.js';
import { WEBGPU_TRAINING_KERNELS } from '../../../src/backend/webgpu/training_kernels.js';
import { WEBGPU_READY } from '../../helpers/backends.js';
import { expectOutputsMatch, type HostTensor, runOnActiveBackend } from '../../helpers/kernel_compare.js';

/** Why the webgpu tests skip here, or undefined when an adapter was prepared (scripts/setup_lavapipe.sh or a GPU). */
export const WEBGPU_SKIP: string | undefined = WEBGPU_READY
  ? undefined
  : 'no WebGPU adapter prepared: BATCH_SHAPING_WEBGPU_READY is not 1 (source the env.sh written by scripts/setup_lavapipe.sh, or set it where a GPU is present)';

export { type HostTensor, maxRelErr, randomHost } from '../../helpers/kernel_compare.js';

/** Brings up webgpu (once) and makes sure our training kernels are the registered ones. */
export async function setUpWebgpu(): Promise<void> {
  if (tf.engine().registry.cpu === undefined) await initBackend('cpu');
  if (tf.engine().registry.webgpu === undefined) await initBackend('webgpu');
  for (const config of WEBGPU_TRAINING_KERNELS) useWebGpuTrainingKernel(config.kernelName, 'ours');
  await tf.setBackend('webgpu');
}

/** Registers the stock kernel (`'stock'`) or ours (`'ours'`) under `name` for 'webgpu'. */
export function useKernel(name: string, which: WebGpuKernelChoice): void {
  useWebGpuTrainingKernel(name, which);
}

/** Runs `fn` on `backend` with tensors made from `inputs`; returns every output's values (float64 copies). */
export async function runOn(
  backend: 'cpu' | 'webgpu',
  inputs: HostTensor[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<Float64Array[]> {
  await tf.setBackend(backend);
  return runOnActiveBackend(inputs, fn);
}

/** Compares `fn` on cpu and webgpu from the same data; every output within `tol`. Returns the largest error. */
export async function expectCpuWebgpuMatch(
  inputs: HostTensor[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  what: string,
  tol = 1e-4,
): Promise<number> {
  return expectOutputsMatch(await runOn('cpu', inputs, fn), await runOn('webgpu', inputs, fn), what, tol);
}

/** Shader keys the webgpu backend has compiled so far (our programs' keys start with 'batchShaping'). */
export function compiledShaderKeys(): string[] {
  const backend = tf.findBackend('webgpu') as unknown as { pipelineCache: Record<string, unknown> };
  return Object.keys(backend.pipelineCache);
}

/**
 * Runs `step` (on webgpu, inside tidy) twice to warm up, then `reps` times more, and asserts that neither the
 * engine's tensors nor the webgpu backend's data table (intermediates the engine never sees) grew.
 */
export async function expectNoWebgpuLeak(step: () => tf.Tensor, what: string, reps = 5): Promise<void> {
  await tf.setBackend('webgpu');
  const backend = tf.backend();
  const run = async () => {
    const out = tf.tidy(step);
    await out.data();
    out.dispose();
  };
  for (let i = 0; i < 2; i++) await run();
  const tensors = tf.memory().numTensors;
  const ids = backend.numDataIds();
  for (let i = 0; i < reps; i++) await run();
  assert.equal(tf.memory().numTensors, tensors, `${what}: engine tensors grew`);
  assert.equal(backend.numDataIds(), ids, `${what}: webgpu backend data table grew`);
}

/**
 * Makes the `failAt`-th program `run` dispatches throw, and asserts that `run` throws that error and that the
 * webgpu backend's data table is as before: every buffer the kernel made before the failure was freed.
 */
export async function expectFreedOnProgramFailure(
  failAt: number,
  run: () => unknown,
  what: string,
): Promise<void> {
  await tf.setBackend('webgpu');
  const backend = tf.backend() as unknown as {
    runWebGPUProgram: (...args: unknown[]) => unknown;
    numDataIds(): number;
  };
  const real = backend.runWebGPUProgram;
  let calls = 0;
  backend.runWebGPUProgram = (...args: unknown[]) => {
    calls++;
    if (calls === failAt) throw new Error('injected program failure');
    return real.apply(backend, args);
  };
  const ids = backend.numDataIds();
  try {
    assert.throws(run, /injected program failure/, what);
  } finally {
    backend.runWebGPUProgram = real;
  }
  assert.equal(calls, failAt, `${what}: programs run`);
  assert.equal(backend.numDataIds(), ids, `${what}: buffers made before the failure were freed`);
}
