// Argument checks shared by the gate module kernels of the wasm and webgpu backends (BatchShapingGateForward /
// BatchShapingGateBackward of src/gates/fused_gate.ts): the gate's sizes from the inputs and attributes, and each
// tensor's dtype and shape, with errors that name the kernel, the backend and the argument.
import * as tf from '@tensorflow/tfjs-core';
import { cacheLayout, type GateDims } from './wasm/gate_module_math.js';

/** `t` if it is float32 of `shape`; else an error naming `kernel` (e.g. 'BatchShapingGateForward (wasm)'). */
function expectGateTensor(
  kernel: string,
  arg: string,
  t: tf.TensorInfo | undefined,
  shape: number[],
): tf.TensorInfo {
  if (t === undefined || t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, shape)) {
    const got = t === undefined ? 'nothing' : `${t.dtype} [${t.shape}]`;
    throw new Error(`${kernel}: '${arg}' must be float32 [${shape}]; got ${got}`);
  }
  return t;
}

/** The forward kernel's sizes and its checked inputs. */
export function gateForwardArgs(kernel: string, inputs: tf.NamedTensorInfoMap) {
  const { x, w1, w2 } = inputs;
  if (x === undefined || x.shape.length !== 4 || w1?.shape.length !== 2 || w2?.shape.length !== 2) {
    throw new Error(
      `${kernel}: 'x' must be [N, H, W, C], 'w1' [C, K] and 'w2' [K, O]; got [${x?.shape}], [${w1?.shape}], [${w2?.shape}]`,
    );
  }
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const d: GateDims = { n, pixels: h * w, c, k: w1.shape[1]!, o: w2.shape[1]! };
  if (Object.values(d).some((v) => v === 0)) {
    throw new Error(`${kernel}: every dimension must be non-zero; got x [${x.shape}], w2 [${w2.shape}]`);
  }
  const { k, o } = d;
  const t = {
    x: expectGateTensor(kernel, 'x', x, x.shape),
    w1: expectGateTensor(kernel, 'w1', w1, [c, k]),
    gamma: expectGateTensor(kernel, 'gamma', inputs.gamma, [k]),
    beta: expectGateTensor(kernel, 'beta', inputs.beta, [k]),
    w2: expectGateTensor(kernel, 'w2', w2, [k, o]),
    b2: expectGateTensor(kernel, 'b2', inputs.b2, [o]),
    uniform: expectGateTensor(kernel, 'uniform', inputs.uniform, [n, o]),
    runningMean: expectGateTensor(kernel, 'runningMean', inputs.runningMean, [k]),
    runningVar: expectGateTensor(kernel, 'runningVar', inputs.runningVar, [k]),
  };
  return { d, t };
}

/** The backward kernel's sizes (from its attributes xShape and hidden, and dLogits) and its checked inputs. */
export function gateBackwardArgs(kernel: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap) {
  const { xShape, hidden, tau } = attrs as unknown as { xShape: number[]; hidden: number; tau: number };
  const dLogits = inputs.dLogits;
  if (dLogits === undefined || dLogits.shape.length !== 2 || xShape?.length !== 4) {
    throw new Error(
      `${kernel}: 'dLogits' must be [N, O] and attribute 'xShape' [N, H, W, C]; got [${dLogits?.shape}], ${JSON.stringify(xShape)}`,
    );
  }
  const [n, h, w, c] = xShape as [number, number, number, number];
  const o = dLogits.shape[1]!;
  const d: GateDims = { n, pixels: h * w, c, k: hidden, o };
  const t = {
    dLogits: expectGateTensor(kernel, 'dLogits', dLogits, [n, o]),
    dProbs: expectGateTensor(kernel, 'dProbs', inputs.dProbs, [n, o]),
    dMask: expectGateTensor(kernel, 'dMask', inputs.dMask, [n, o]),
    cache: expectGateTensor(kernel, 'cache', inputs.cache, [cacheLayout(d).size]),
  };
  return { d, t, xShape, tau };
}
