// Our kernels for src/gates/fused_gate.ts on the wasm backend: a gate module's whole training forward
// ('BatchShapingGateForward') and its backward ('BatchShapingGateBackward'), each one kernel on the heap
// (loops: gate_module_math.ts). The tf-op form runs ~55 kernels per gate and step (pool, two small matmuls,
// batch statistics, BN, ReLU, sigmoid, the logistic noise, the straight-through gate, their gradients, and a
// saved copy of each intermediate); on a gated ResNet-20 step at batch 32 that fixed cost was most of the
// gating overhead. The matrices are tiny ([N, C] x [C, 16]), so the one pass over the block input (the pool)
// and one over its gradient (spreading the pooled gradient) dominate. float32 only.
import type * as tf from '@tensorflow/tfjs-core';
import { gateBackwardArgs, gateForwardArgs } from '../gate_kernel_args.js';
import { cacheLayout, gateBackward, gateForward } from './gate_module_math.js';
import { gatePoolKernels } from './simd/gate_pool.js';
import { heapOffset } from './simd_module.js';
import { heapView, type TensorInfo, type WasmKernelArgs } from './wasm_kernel_utils.js';

const GATE_FORWARD = 'BatchShapingGateForward'; // = GATE_FORWARD_KERNEL of src/gates/fused_gate.ts
const GATE_BACKWARD = 'BatchShapingGateBackward'; // = GATE_BACKWARD_KERNEL there

function gateForwardKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] {
  const { d, t } = gateForwardArgs(`${GATE_FORWARD} (wasm)`, inputs);
  const { n, c, k, o } = d;
  const { uniform, ...rest } = t;
  const named = { ...rest, u: uniform };
  const { epsilon, momentum, tau } = attrs as { epsilon: number; momentum: number; tau: number };
  const outs = [[n, o], [n, o], [n, o], [cacheLayout(d).size], [k], [k]].map((s) =>
    backend.makeOutput(s, 'float32'),
  );
  const simd = gatePoolKernels(backend);
  simd?.poolSum(heapOffset(backend, t.x.dataId), heapOffset(backend, outs[3]!.dataId), n, d.pixels, c);
  // Views only after every allocation: the heap may grow and move.
  const view = (info: TensorInfo) => heapView(backend, info) as Float32Array;
  const [logits, probs, mask, cache, newMean, newVar] = outs.map(view) as Float32Array[];
  const views = Object.fromEntries(Object.entries(named).map(([key, info]) => [key, view(info)])) as Record<
    keyof typeof named,
    Float32Array
  >;
  gateForward(
    d,
    {
      ...views,
      logits: logits!,
      probs: probs!,
      mask: mask!,
      cache: cache!,
      newMean: newMean!,
      newVar: newVar!,
    },
    { epsilon, momentum, tau },
    simd !== undefined,
  );
  return outs;
}

function gateBackwardKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] {
  const {
    d,
    t: named,
    xShape,
    tau,
  } = gateBackwardArgs(`${GATE_BACKWARD} (wasm)`, inputs, attrs as tf.NamedAttrMap);
  const { c, k: hidden, o } = d;
  const outs = [xShape, [c, hidden], [hidden], [hidden], [hidden, o], [o]].map((s) =>
    backend.makeOutput(s, 'float32'),
  );
  const view = (info: TensorInfo) => heapView(backend, info) as Float32Array;
  const [dx, dw1, dgamma, dbeta, dw2, db2] = outs.map(view) as Float32Array[];
  const views = Object.fromEntries(Object.entries(named).map(([key, info]) => [key, view(info)])) as Record<
    keyof typeof named,
    Float32Array
  >;
  gateBackward(
    d,
    { ...views, dx: dx!, dw1: dw1!, dgamma: dgamma!, dbeta: dbeta!, dw2: dw2!, db2: db2! },
    tau,
  );
  return outs;
}

export const gateForwardConfig: tf.KernelConfig = {
  kernelName: GATE_FORWARD,
  backendName: 'wasm',
  kernelFunc: gateForwardKernel as unknown as tf.KernelFunc,
};

export const gateBackwardConfig: tf.KernelConfig = {
  kernelName: GATE_BACKWARD,
  backendName: 'wasm',
  kernelFunc: gateBackwardKernel as unknown as tf.KernelFunc,
};
