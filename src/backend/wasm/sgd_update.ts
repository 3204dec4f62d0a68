// Our kernel for src/train/optimizer.ts on the wasm backend: one SGD-with-momentum update of a parameter
// ('BatchShapingSgdUpdate': inputs w, g, v; attrs lr, weightDecay, momentum, nesterov; outputs [w', v']) in one
// SIMD pass (simd/sgd_update.wat) instead of the 8 kernels of the tf-op form, each a full pass with its fixed
// per-kernel cost (~100 parameters, ~800 kernels per ResNet-20 step). The same float32 operations in the same
// order: bit-identical. Where our SIMD module is unavailable the same arithmetic runs in JavaScript with
// Math.fround after every operation (float64 then one rounding is exact for +, -, x). float32 only.
import * as tf from '@tensorflow/tfjs-core';
import { sgdUpdateKernels } from './simd/sgd_update.js';
import { heapOffset } from './simd_module.js';
import { type BackendWasm, heapView, type TensorInfo, type WasmKernelArgs } from './wasm_kernel_utils.js';

const SGD_UPDATE = 'BatchShapingSgdUpdate'; // = SGD_UPDATE_KERNEL of src/train/optimizer.ts

function sgdUpdate({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] {
  const [w, g, v] = [inputs.w!, inputs.g!, inputs.v!];
  for (const [arg, t] of [
    ['g', g],
    ['v', v],
  ] as const) {
    if (!tf.util.arraysEqual(t.shape, w.shape) || t.dtype !== 'float32' || w.dtype !== 'float32') {
      throw new Error(
        `${SGD_UPDATE} (wasm): '${arg}' must be float32 of w's shape [${w.shape}]; got ${t.dtype} [${t.shape}]`,
      );
    }
  }
  const { lr, weightDecay, momentum, nesterov } = attrs as {
    lr: number;
    weightDecay: number;
    momentum: number;
    nesterov: boolean;
  };
  const wOut = backend.makeOutput(w.shape, 'float32');
  const vOut = backend.makeOutput(w.shape, 'float32');
  const size = tf.util.sizeFromShape(w.shape);
  if (size === 0) return [wOut, vOut];
  const simd = sgdUpdateKernels(backend);
  const decay = weightDecay > 0;
  if (simd !== undefined) {
    const at = (t: TensorInfo) => heapOffset(backend, t.dataId);
    const flags = (decay ? 1 : 0) | (nesterov ? 2 : 0);
    simd.sgdUpdate(at(w), at(g), at(v), at(wOut), at(vOut), size, lr, weightDecay, momentum, flags);
    return [wOut, vOut];
  }
  sgdUpdateJs(backend, [w, g, v, wOut, vOut], size, { lr, weightDecay, momentum, nesterov });
  return [wOut, vOut];
}

/**
 * The update in JavaScript on the heap (where our SIMD module is unavailable; exported for its test):
 * `tensors` are w, g, v, wOut, vOut.
 */
export function sgdUpdateJs(
  backend: BackendWasm,
  tensors: TensorInfo[],
  size: number,
  o: { lr: number; weightDecay: number; momentum: number; nesterov: boolean },
): void {
  const f = Math.fround;
  const decay = o.weightDecay > 0;
  const nesterov = o.nesterov;
  const [lr32, wd32, mu32] = [f(o.lr), f(o.weightDecay), f(o.momentum)];
  const [wv, gv, vv, wo, vo] = tensors.map((t) => heapView(backend, t));
  for (let i = 0; i < size; i++) {
    const d = decay ? f(gv![i]! + f(wv![i]! * wd32)) : gv![i]!;
    const next = f(f(vv![i]! * mu32) + d);
    vo![i] = next;
    const u = nesterov ? f(d + f(next * mu32)) : next;
    wo![i] = f(wv![i]! - f(u * lr32));
  }
}

export const sgdUpdateConfig: tf.KernelConfig = {
  kernelName: SGD_UPDATE,
  backendName: 'wasm',
  kernelFunc: sgdUpdate as unknown as tf.KernelFunc,
};
