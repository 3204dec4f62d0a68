// Our kernels for src/gates/fused_gate.ts on the wasm backend: a gate module's whole training forward
// ('BatchShapingGateForward') and its backward ('BatchShapingGateBackward'), each one kernel on the heap
// (loops: gate_module_math.ts). The tf-op form runs ~55 kernels per gate and step (pool, two small matmuls,
// batch statistics, BN, ReLU, sigmoid, the logistic noise, the straight-through gate, their gradients, and a
// saved copy of each intermediate); on a gated ResNet-20 step at batch 32 that fixed cost was most of the
// gating overhead. The matrices are tiny ([N, C] x [C, 16]), so the one pass over the block input (the pool)
// and one over its gradient (spreading the pooled gradient) dominate. float32 only.
import * as tf from '@tensorflow/tfjs-core';
import { cacheLayout, type GateDims, gateBackward, gateForward } from './gate_module_math.js';
import { gatePoolKernels } from './simd/gate_pool.js';
import { heapOffset } from './simd_module.js';
import { heapView, type TensorInfo, type WasmKernelArgs } from './wasm_kernel_utils.js';

const GATE_FORWARD = 'BatchShapingGateForward'; // = GATE_FORWARD_KERNEL of src/gates/fused_gate.ts
const GATE_BACKWARD = 'BatchShapingGateBackward'; // = GATE_BACKWARD_KERNEL there

function expectShape(kernel: string, arg: string, t: TensorInfo | undefined, shape: number[]): TensorInfo {
  if (t === undefined || t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, shape)) {
    const got = t === undefined ? 'nothing' : `${t.dtype} [${t.shape}]`;
    throw new Error(`${kernel} (wasm): '${arg}' must be float32 [${shape}]; got ${got}`);
  }
  return t;
}

function forwardDims(inputs: Record<string, TensorInfo>): GateDims {
  const { x, w1, w2 } = inputs;
  if (x === undefined || x.shape.length !== 4 || w1?.shape.length !== 2 || w2?.shape.length !== 2) {
    throw new Error(
      `${GATE_FORWARD} (wasm): 'x' must be [N, H, W, C], 'w1' [C, K] and 'w2' [K, O]; got [${x?.shape}], [${w1?.shape}], [${w2?.shape}]`,
    );
  }
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const dims = { n, pixels: h * w, c, k: w1.shape[1]!, o: w2.shape[1]! };
  if (Object.values(dims).some((v) => v === 0)) {
    throw new Error(
      `${GATE_FORWARD} (wasm): every dimension must be non-zero; got x [${x.shape}], w2 [${w2.shape}]`,
    );
  }
  return dims;
}

function gateForwardKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] {
  const d = forwardDims(inputs);
  const { n, c, k, o } = d;
  const x = expectShape(GATE_FORWARD, 'x', inputs.x, inputs.x!.shape);
  const named = {
    x,
    w1: expectShape(GATE_FORWARD, 'w1', inputs.w1, [c, k]),
    gamma: expectShape(GATE_FORWARD, 'gamma', inputs.gamma, [k]),
    beta: expectShape(GATE_FORWARD, 'beta', inputs.beta, [k]),
    w2: expectShape(GATE_FORWARD, 'w2', inputs.w2, [k, o]),
    b2: expectShape(GATE_FORWARD, 'b2', inputs.b2, [o]),
    u: expectShape(GATE_FORWARD, 'uniform', inputs.uniform, [n, o]),
    runningMean: expectShape(GATE_FORWARD, 'runningMean', inputs.runningMean, [k]),
    runningVar: expectShape(GATE_FORWARD, 'runningVar', inputs.runningVar, [k]),
  };
  const { epsilon, momentum, tau } = attrs as { epsilon: number; momentum: number; tau: number };
  const outs = [[n, o], [n, o], [n, o], [cacheLayout(d).size], [k], [k]].map((s) =>
    backend.makeOutput(s, 'float32'),
  );
  const simd = gatePoolKernels(backend);
  simd?.poolSum(heapOffset(backend, x.dataId), heapOffset(backend, outs[3]!.dataId), n, d.pixels, c);
  // Views only after every allocation: the heap may grow and move.
  const view = (t: TensorInfo) => heapView(backend, t) as Float32Array;
  const [logits, probs, mask, cache, newMean, newVar] = outs.map(view) as Float32Array[];
  const views = Object.fromEntries(Object.entries(named).map(([key, t]) => [key, view(t)])) as Record<
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
  const { xShape, hidden, tau } = attrs as { xShape: number[]; hidden: number; tau: number };
  const dLogits = inputs.dLogits;
  if (dLogits === undefined || dLogits.shape.length !== 2 || xShape?.length !== 4) {
    throw new Error(
      `${GATE_BACKWARD} (wasm): 'dLogits' must be [N, O] and attribute 'xShape' [N, H, W, C]; got [${dLogits?.shape}], ${JSON.stringify(xShape)}`,
    );
  }
  const [n, h, w, c] = xShape as [number, number, number, number];
  const o = dLogits.shape[1]!;
  const d: GateDims = { n, pixels: h * w, c, k: hidden, o };
  const named = {
    dLogits: expectShape(GATE_BACKWARD, 'dLogits', dLogits, [n, o]),
    dProbs: expectShape(GATE_BACKWARD, 'dProbs', inputs.dProbs, [n, o]),
    dMask: expectShape(GATE_BACKWARD, 'dMask', inputs.dMask, [n, o]),
    cache: expectShape(GATE_BACKWARD, 'cache', inputs.cache, [cacheLayout(d).size]),
  };
  const outs = [xShape, [c, hidden], [hidden], [hidden], [hidden, o], [o]].map((s) =>
    backend.makeOutput(s, 'float32'),
  );
  const view = (t: TensorInfo) => heapView(backend, t) as Float32Array;
  const [dx, dw1, dgamma, dbeta, dw2, db2] = outs.map(view) as Float32Array[];
  const views = Object.fromEntries(Object.entries(named).map(([key, t]) => [key, view(t)])) as Record<
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
