// Our kernels for src/gates/channel_mask.ts on the wasm backend: a gated block's mask [N, C] applied to its
// feature map [N, H, W, C] ('BatchShapingChannelMask', y = x * mask) and the gradient of that
// ('BatchShapingChannelMaskGrad', dy -> [dx = dy * mask, dmask = sum over pixels of dy * x]), each one pass in
// SIMD on the heap (simd/channel_mask.wat). The tf-op form they replace tiles the mask to the map's shape for
// XNNPACK's same-shape Multiply, and its backward runs two such multiplies and a reduction: ~5 passes over the
// map and 5-7 kernels per gated block. Where our SIMD module is unavailable the same loops run in JavaScript
// on the heap. float32 only (the library op calls these for float32 only).
import * as tf from '@tensorflow/tfjs-core';
import { channelMaskKernels } from './simd/channel_mask.js';
import { heapOffset } from './simd_module.js';
import { type BackendWasm, heapView, type TensorInfo, type WasmKernelArgs } from './wasm_kernel_utils.js';

const CHANNEL_MASK = 'BatchShapingChannelMask'; // = CHANNEL_MASK_KERNEL of src/gates/channel_mask.ts
const CHANNEL_MASK_GRAD = 'BatchShapingChannelMaskGrad'; // = CHANNEL_MASK_GRAD_KERNEL there

/** [N, pixels, C] of x and a check of the mask against it. */
function dims(kernel: string, x: TensorInfo, mask: TensorInfo): [number, number, number] {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  if (x.shape.length !== 4 || mask.shape.length !== 2 || mask.shape[0] !== n || mask.shape[1] !== c) {
    throw new Error(
      `${kernel} (wasm): 'x' must be [N, H, W, C] and 'mask' [N, C]; got [${x.shape}], [${mask.shape}]`,
    );
  }
  for (const [arg, t] of [
    ['x', x],
    ['mask', mask],
  ] as const) {
    if (t.dtype !== 'float32') throw new Error(`${kernel} (wasm): '${arg}' must be float32; got ${t.dtype}`);
  }
  return [n, h * w, c];
}

function channelMask({ inputs, backend }: WasmKernelArgs): TensorInfo {
  const x = inputs.x!;
  const mask = inputs.mask!;
  const [n, pixels, c] = dims(CHANNEL_MASK, x, mask);
  const y = backend.makeOutput(x.shape, 'float32');
  if (n * pixels * c === 0) return y;
  const simd = channelMaskKernels(backend);
  if (simd !== undefined) {
    simd.maskForward(
      heapOffset(backend, x.dataId),
      heapOffset(backend, mask.dataId),
      heapOffset(backend, y.dataId),
      n,
      pixels,
      c,
    );
    return y;
  }
  channelMaskJs(backend, x, mask, y);
  return y;
}

/** The forward in JavaScript on the heap (where our SIMD module is unavailable; exported for its test). */
export function channelMaskJs(backend: BackendWasm, x: TensorInfo, mask: TensorInfo, y: TensorInfo): void {
  const [n, pixels, c] = dims(CHANNEL_MASK, x, mask);
  const [xv, mv, yv] = [heapView(backend, x), heapView(backend, mask), heapView(backend, y)];
  for (let i = 0, b = 0; b < n; b++) {
    for (let p = 0; p < pixels; p++) for (let k = 0; k < c; k++, i++) yv[i] = xv[i]! * mv[b * c + k]!;
  }
}

function channelMaskGrad({ inputs, backend }: WasmKernelArgs): TensorInfo[] {
  const dy = inputs.dy!;
  const x = inputs.x!;
  const mask = inputs.mask!;
  const [n, pixels, c] = dims(CHANNEL_MASK_GRAD, x, mask);
  if (!tf.util.arraysEqual(dy.shape, x.shape) || dy.dtype !== 'float32') {
    throw new Error(
      `${CHANNEL_MASK_GRAD} (wasm): 'dy' must be float32 [${x.shape}]; got ${dy.dtype} [${dy.shape}]`,
    );
  }
  const dx = backend.makeOutput(x.shape, 'float32');
  const dmask = backend.makeOutput(mask.shape, 'float32');
  const simd = channelMaskKernels(backend);
  if (simd !== undefined) {
    const at = (t: TensorInfo) => heapOffset(backend, t.dataId);
    simd.maskBackward(at(dy), at(x), at(mask), at(dx), at(dmask), n, pixels, c);
    return [dx, dmask];
  }
  channelMaskGradJs(backend, dy, x, mask, dx, dmask);
  return [dx, dmask];
}

/** The gradient in JavaScript on the heap (where our SIMD module is unavailable; exported for its test). */
export function channelMaskGradJs(
  backend: BackendWasm,
  dy: TensorInfo,
  x: TensorInfo,
  mask: TensorInfo,
  dx: TensorInfo,
  dmask: TensorInfo,
): void {
  const [n, pixels, c] = dims(CHANNEL_MASK_GRAD, x, mask);
  const [dyv, xv, mv, dxv, dmv] = [dy, x, mask, dx, dmask].map((t) => heapView(backend, t));
  dmv!.fill(0);
  for (let i = 0, b = 0; b < n; b++) {
    for (let p = 0; p < pixels; p++) {
      for (let k = 0; k < c; k++, i++) {
        const d = dyv![i]!;
        dxv![i] = d * mv![b * c + k]!;
        dmv![b * c + k] = dmv![b * c + k]! + d * xv![i]!;
      }
    }
  }
}

export const channelMaskConfig: tf.KernelConfig = {
  kernelName: CHANNEL_MASK,
  backendName: 'wasm',
  kernelFunc: channelMask as unknown as tf.KernelFunc,
};

export const channelMaskGradConfig: tf.KernelConfig = {
  kernelName: CHANNEL_MASK_GRAD,
  backendName: 'wasm',
  kernelFunc: channelMaskGrad as unknown as tf.KernelFunc,
};
