// `batch-shaping doctor`: which backends work here, which one is chosen and why, and a training-step check.

import * as tf from '@tensorflow/tfjs-core';
import type { Command } from 'commander';
import { type BackendChoice, isBackendChoice } from '../backend/backend_names.js';
import { initBackend } from '../backend/init_backend.js';
import { probeBackends } from '../backend/probe_backends.js';
import { denoVersion } from '../io/deno_runtime.js';
import { timeTinyConvnetSteps } from './tiny_convnet_step.js';

/** The JavaScript runtime (Deno reports a Node version through its compatibility layer: name Deno's own). */
function runtimeName(): string {
  const deno = denoVersion();
  return deno !== undefined ? `Deno ${deno}` : `Node ${process.version}`;
}

export interface DoctorOptions {
  backend: string;
  steps: string;
  batch: string;
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`doctor: ${flag} must be a positive integer; got '${value}'`);
  return n;
}

export async function runDoctor(
  opts: DoctorOptions,
  log: (line: string) => void = console.log,
): Promise<number> {
  if (!isBackendChoice(opts.backend)) {
    throw new Error(
      `doctor: --backend must be auto, tensorflow-gpu, tensorflow, webgpu, wasm or cpu; got '${opts.backend}'`,
    );
  }
  const steps = positiveInt('--steps', opts.steps);
  const batch = positiveInt('--batch', opts.batch);
  log(
    `batch-shaping doctor: ${runtimeName()}, tfjs-core ${tf.version_core}, ${process.platform}/${process.arch}`,
  );
  const probes = await probeBackends();
  let chosen: string | undefined;
  if (opts.backend === 'auto') {
    chosen = probes.find((p) => p.available && p.autoSkips === undefined)?.name;
  } else if (probes.some((p) => p.name === opts.backend && p.available)) {
    chosen = opts.backend;
  }
  for (const p of probes) {
    const state = p.name === chosen ? 'chosen   ' : p.available ? 'available' : 'no       ';
    const skip = p.autoSkips !== undefined && p.name !== chosen ? `; not chosen by auto: ${p.autoSkips}` : '';
    log(`  ${p.name.padEnd(15)} ${state} ${p.detail}${skip}`);
  }
  if (chosen === undefined) {
    log(
      opts.backend === 'auto'
        ? 'doctor: no backend works on this machine (see the reasons above and README, "Backends").'
        : `doctor: the requested backend '${opts.backend}' does not work here (reason above).`,
    );
    return 1;
  }
  await initBackend(chosen as BackendChoice);
  const timing = await timeTinyConvnetSteps(batch, steps);
  const learned = timing.lastLoss < timing.firstLoss;
  log(
    `training step on ${chosen}: ${timing.imagesPerSecond.toFixed(1)} images/s ` +
      `(tiny convnet, batch ${batch}, 32x32, ${steps} steps); loss ${timing.firstLoss.toFixed(3)} -> ${timing.lastLoss.toFixed(3)}`,
  );
  if (!Number.isFinite(timing.lastLoss) || !learned) {
    log(
      `doctor: the training step on ${chosen} did not reduce the loss; this backend is not training correctly.`,
    );
    return 1;
  }
  return 0;
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('list backends (available / chosen / why not) and time one training step on the chosen one')
    .option('--backend <name>', 'auto | tensorflow-gpu | tensorflow | webgpu | wasm | cpu', 'auto')
    .option('--steps <n>', 'timed training steps', '5')
    .option('--batch <n>', 'batch size of the timed step', '16')
    .action(async (opts: DoctorOptions) => {
      process.exitCode = await runDoctor(opts);
    });
}
