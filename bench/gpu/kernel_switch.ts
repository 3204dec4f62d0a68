// A/B switch for the benchmark: which of this project's webgpu training kernels are in use, kernel by kernel, and
// which tfjs-backend-webgpu flags. A variant names the training kernels that run the stock version (the others
// run ours) and the flags it sets (the others keep the values they had when the first variant was applied).
// Built on the library's per-kernel switch (src/backend/webgpu/training_kernel_switch.ts). AddN stays ours in
// every variant: it is a correctness fix.
import * as tf from '@tensorflow/tfjs-core';
import { stockWebGpuKernel } from '../../src/backend/webgpu/stock_kernel_registry.js';
import { useWebGpuTrainingKernel } from '../../src/backend/webgpu/training_kernel_switch.js';
import { WEBGPU_TRAINING_KERNELS } from '../../src/backend/webgpu/training_kernels.js';
import { GATE_BACKWARD_KERNEL } from '../../src/gates/fused_gate.js';

export interface KernelVariant {
  /** 'ours', 'stock', or 'stock-<Kernel>' (only that one stock). */
  name: string;
  /** Training kernels running the stock version in this variant. */
  stock: string[];
  /** Kernels of our own (no stock version) switched off in this variant: the library takes its tf-op path. */
  off?: string[];
  /** tfjs-backend-webgpu flags this variant sets (names from TUNABLE_FLAGS). */
  flags?: Partial<Record<TunableFlag, number | boolean>>;
}

/** The flags variants may set: stock's matmul input gradient, and queue submits batched by N dispatches. */
export const TUNABLE_FLAGS = [
  'WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE',
  'WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE',
] as const;
export type TunableFlag = (typeof TUNABLE_FLAGS)[number];
let flagDefaults: Record<TunableFlag, number | boolean> | undefined;

/**
 * ours, stock, each training kernel alone on stock (the per-kernel A/B), stock with its matmul input gradient
 * (`stock-mm`: the best stock configuration), ours with queue submits batched by 64 dispatches instead of 15
 * (`ours-submit64`: the flag NOTES.md lists first), and ours with one kernel of our own switched off (`without-<Kernel>`:
 * the batch-norm backward, the SGD update, the gate module; the library's tf-op form runs instead). `stock` and `stock-mm` swap
 * only the kernels that replace a stock one; our own kernels stay on there.
 * Call after initBackend('webgpu') (the stock kernels are kept when ours are registered).
 */
export function kernelVariants(): KernelVariant[] {
  const names = WEBGPU_TRAINING_KERNELS.map((c) => c.kernelName).filter(
    (n) => stockWebGpuKernel(n) !== undefined,
  );
  const own = ownKernelSwitches();
  return [
    { name: 'ours', stock: [] },
    ...names.map((n) => ({ name: `stock-${n}`, stock: [n] })),
    { name: 'stock', stock: names },
    { name: 'stock-mm', stock: names, flags: { WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE: false } },
    { name: 'ours-submit64', stock: [], flags: { WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 64 } },
    ...own.map((n) => ({ name: `without-${n}`, stock: [], off: [n] })),
  ];
}

/**
 * Our own kernels (no stock version) that can be switched off one at a time. The gate module's backward is left
 * out: the library runs the fused gate only where both of its kernels are registered, so switching the forward
 * off switches the pair.
 */
export function ownKernelSwitches(): string[] {
  return WEBGPU_TRAINING_KERNELS.map((c) => c.kernelName).filter(
    (n) => stockWebGpuKernel(n) === undefined && n !== GATE_BACKWARD_KERNEL,
  );
}

/** Registers, for 'webgpu', the stock version of the variant's kernels and ours of the rest; sets its flags. */
export function applyVariant(v: KernelVariant): void {
  const env = tf.env();
  flagDefaults ??= Object.fromEntries(
    TUNABLE_FLAGS.map((f) => [f, env.get(f) as number | boolean]),
  ) as Record<TunableFlag, number | boolean>;
  for (const f of TUNABLE_FLAGS) env.set(f, v.flags?.[f] ?? flagDefaults[f]);
  for (const ours of WEBGPU_TRAINING_KERNELS) {
    const name = ours.kernelName;
    if (v.stock.includes(name) && stockWebGpuKernel(name) === undefined) {
      throw new Error(
        `applyVariant: variant '${v.name}' wants the stock '${name}', but none was kept (is the webgpu backend initialised through initBackend('webgpu')?)`,
      );
    }
    if (v.off?.includes(name) && stockWebGpuKernel(name) !== undefined) {
      throw new Error(
        `applyVariant: variant '${v.name}' switches off '${name}', which has a stock version (list it under 'stock')`,
      );
    }
    // 'stock' for a kernel of our own unregisters it (useWebGpuTrainingKernel): the tf-op path runs.
    const off = v.stock.includes(name) || v.off?.includes(name) === true;
    useWebGpuTrainingKernel(name, off ? 'stock' : 'ours');
  }
}
