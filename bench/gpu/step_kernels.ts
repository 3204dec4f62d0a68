// Counts the kernels one training step runs (tf.profile), by name, for the project's dense and gated ResNet-20 on
// one backend, and on webgpu the compute dispatches (calls of WebGPUBackend.runWebGPUProgram, each with its own
// bind group and uniforms; Identity and Reshape share buffers and dispatch nothing, our batch-norm backward
// dispatches four programs): a webgpu step of small layers is bound by their number, not by arithmetic. On webgpu
// it counts with every kernel of ours, then with each kernel of our own (no stock version: the batch-norm
// backward, the SGD update, the gate module) switched off, where the library's tf-op form runs. Counts do not depend on the batch
// or on the device, so lavapipe answers for a GPU.
//   node --import tsx bench/gpu/step_kernels.ts [--backend webgpu] [--batch 4]  ->  bench/results/step_kernels-<backend>.json
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../../src/backend/backend_names.js';
import { initBackend } from '../../src/backend/init_backend.js';
import { useWebGpuTrainingKernel } from '../../src/backend/webgpu/training_kernel_switch.js';
import { intArg, stringArg } from '../lib/args.js';
import { machineInfo, writeResult } from '../lib/results.js';
import { trainStepFixture } from '../lib/train_step_timer.js';
import { ownKernelSwitches } from './kernel_switch.js';

const SCRIPT = 'bench/gpu/step_kernels.ts';
const backendName = (stringArg(SCRIPT, '--backend') ?? 'webgpu') as BackendName;
const batch = intArg(SCRIPT, '--batch', 4);

const report = await initBackend(backendName);
if (report.name !== backendName) {
  throw new Error(
    `${SCRIPT}: backend '${backendName}' did not start (got '${report.name}': ${report.reason})`,
  );
}

/** Kernels of one training step (after a first step that creates the optimiser's slots), by name. */
async function stepKernels(
  gated: boolean,
): Promise<{ kernels: number; dispatches: number | null; byName: Record<string, number> }> {
  const fixture = trainStepFixture({ model: 'resnet20', gated, batch, size: 32 });
  const backend = tf.backend() as unknown as { runWebGPUProgram?: (...args: unknown[]) => unknown };
  const run = backend.runWebGPUProgram;
  let dispatches = 0;
  try {
    await fixture.step();
    if (run !== undefined) {
      backend.runWebGPUProgram = (...args: unknown[]) => {
        dispatches++;
        return run.apply(backend, args);
      };
    }
    const info = await tf.profile(() => fixture.step());
    const byName: Record<string, number> = {};
    for (const k of info.kernels) byName[k.name] = (byName[k.name] ?? 0) + 1;
    const sorted = Object.fromEntries(Object.entries(byName).sort((a, b) => b[1] - a[1]));
    return {
      kernels: info.kernels.length,
      dispatches: run === undefined ? null : dispatches,
      byName: sorted,
    };
  } finally {
    if (run !== undefined) backend.runWebGPUProgram = run;
    fixture.dispose();
  }
}

const own = ownKernelSwitches();
const settings = backendName === 'webgpu' ? ['ours', ...own.map((n) => `without-${n}`)] : ['as registered'];
const rows = [];
for (const setting of settings) {
  if (backendName === 'webgpu') {
    for (const name of own) useWebGpuTrainingKernel(name, setting === `without-${name}` ? 'stock' : 'ours');
  }
  for (const gated of [false, true]) {
    const counts = await stepKernels(gated);
    rows.push({ setting, model: 'resnet20', gated, ...counts });
    console.log(
      `${backendName} ${setting} resnet20 ${gated ? 'gated' : 'dense'}: ${counts.kernels} kernels, ${counts.dispatches ?? '-'} dispatches`,
    );
  }
}
if (backendName === 'webgpu') for (const name of own) useWebGpuTrainingKernel(name, 'ours');
const file = writeResult(`step_kernels-${backendName}`, {
  benchmark: 'step_kernels',
  description:
    'kernels one training step of ResNet-20 runs (tf.profile), by name, and on webgpu its compute dispatches (runWebGPUProgram calls); webgpu: with our kernels, and with each of our own kernels (no stock version) off',
  machine: machineInfo(),
  backend: report,
  batch,
  ownKernels: own,
  rows,
});
console.log(`wrote ${file}`);
