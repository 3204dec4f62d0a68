// Conv2DBackpropInput for the wasm backend. The stock tfjs-backend-wasm kernel is a scalar C++ loop (about
// 3 GFLOP/s against about 25 for the XNNPACK forward conv), and it was half of a ResNet training step.
// Not from a paper: the transposed convolution written as a forward one, run by the backend's XNNPACK Conv2D:
//   dx = conv2d(zero-insert(dy, stride), flip_hw(W) with in/out swapped, stride 1, padding (K - 1 - pad))
// Zero insertion (stride > 1) wastes stride^2 multiplies on zeros; it is still several times faster than
// the stock loop, and it keeps one code path for every stride and padding. Unpadded 1x1 kernels (projection
// shortcuts) instead multiply at dy's resolution and spread the result.
import * as tf from '@tensorflow/tfjs-core';
import {
  assertNHWC,
  disposeInfo,
  reshapeInfo,
  runWasmKernel,
  type TensorInfo,
  transposeInfo,
  type WasmKernelArgs,
} from './wasm_kernel_utils.js';

interface InputAttrs {
  strides: number | [number, number];
  pad: tf.backend_util.ExplicitPadding | 'same' | 'valid' | number;
  dataFormat?: string;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/**
 * Spreads x [N, H, W, C] to [N, H*sh, W*sw, C] with each value at (h*sh, w*sw) and zeros between (and
 * sh-1 / sw-1 trailing zero rows / columns): x viewed as [N*H, 1, W, 1, C], its two unit axes padded to
 * the strides, read back as [N, H*sh, W*sw, C]. One PadV2 call.
 */
function zeroInsert(backend: WasmKernelArgs['backend'], x: TensorInfo, sh: number, sw: number): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const five = reshapeInfo(backend, x, [n * h, 1, w, 1, c]);
  const padded = runWasmKernel(
    'PadV2',
    backend,
    { x: five },
    {
      paddings: [
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  ); // [N*H, sh, W, sw, C]
  disposeInfo(backend, five);
  const out = reshapeInfo(backend, padded, [n, h * sh, w * sw, c]); // [N, H*sh, W*sw, C]
  disposeInfo(backend, padded);
  return out;
}

/**
 * dx of an unpadded 1x1 conv: dy x W^T at dy's resolution (a 1x1 conv with the transposed filter), then
 * spread by the stride; stride^2 fewer multiply-adds than convolving the zero-inserted dy.
 */
function pointwiseInputGrad(
  backend: WasmKernelArgs['backend'],
  dy: TensorInfo,
  filter: TensorInfo,
  sh: number,
  sw: number,
  inputShape: [number, number, number, number],
): TensorInfo {
  const [batch, inH, inW, inC] = inputShape;
  const wT = transposeInfo(backend, filter, [0, 1, 3, 2]); // [1, 1, Co, Ci]
  const low = runWasmKernel(
    'Conv2D',
    backend,
    { x: dy, filter: wT },
    { strides: 1, pad: 'valid', dilations: 1, dataFormat: 'NHWC' },
  ); // [N, OH, OW, Ci]
  disposeInfo(backend, wT);
  if (sh === 1 && sw === 1) return low;
  const up = zeroInsert(backend, low, sh, sw); // [N, OH*sh, OW*sw, Ci], at least [N, H, W, Ci]
  disposeInfo(backend, low);
  if (up.shape[1] === inH && up.shape[2] === inW) return up;
  const dx = runWasmKernel(
    'Slice',
    backend,
    { x: up },
    { begin: [0, 0, 0, 0], size: [batch, inH, inW, inC] },
  );
  disposeInfo(backend, up);
  return dx;
}

export function conv2dBackpropInputWasm(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const dy = args.inputs.dy!;
  const filter = args.inputs.filter!;
  const attrs = args.attrs as unknown as InputAttrs;
  assertNHWC('Conv2DBackpropInput', attrs.dataFormat);
  const strides: [number, number] =
    typeof attrs.strides === 'number' ? [attrs.strides, attrs.strides] : attrs.strides;
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [batch, inH, inW, inC] = attrs.inputShape;
  const [sh, sw] = strides;
  const { filterHeight: fh, filterWidth: fw } = info;

  if (fh === 1 && fw === 1 && info.padInfo.top === 0 && info.padInfo.left === 0) {
    return pointwiseInputGrad(backend, dy, filter, sh, sw, attrs.inputShape);
  }
  const up = sh > 1 || sw > 1 ? zeroInsert(backend, dy, sh, sw) : dy; // [N, OH*sh, OW*sw, Co]

  // Padding of the equivalent forward conv; a negative value (forward padding wider than the kernel) means
  // cropping, done by padding 0 and slicing the result.
  const top = fh - 1 - info.padInfo.top;
  const left = fw - 1 - info.padInfo.left;
  const cropTop = Math.max(0, -top);
  const cropLeft = Math.max(0, -left);
  const padTop = Math.max(0, top);
  const padLeft = Math.max(0, left);
  const padBottom = Math.max(0, cropTop + inH + fh - 1 - up.shape[1]! - padTop);
  const padRight = Math.max(0, cropLeft + inW + fw - 1 - up.shape[2]! - padLeft);

  const flipped = runWasmKernel('Reverse', backend, { x: filter }, { dims: [0, 1] }); // [FH, FW, Ci, Co] flipped
  const swapped = transposeInfo(backend, flipped, [0, 1, 3, 2]); // [FH, FW, Co, Ci]
  disposeInfo(backend, flipped);
  let dx = runWasmKernel(
    'Conv2D',
    backend,
    { x: up, filter: swapped },
    {
      strides: 1,
      dilations: 1,
      pad: [
        [0, 0],
        [padTop, padBottom],
        [padLeft, padRight],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  ); // [N, >=H, >=W, Ci]
  disposeInfo(backend, swapped);
  if (up !== dy) disposeInfo(backend, up);
  if (dx.shape[1] !== inH || dx.shape[2] !== inW) {
    const cropped = runWasmKernel(
      'Slice',
      backend,
      { x: dx },
      { begin: [0, cropTop, cropLeft, 0], size: [batch, inH, inW, inC] },
    );
    disposeInfo(backend, dx);
    dx = cropped;
  }
  return dx;
}

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInputWasm as unknown as tf.KernelFunc,
};
