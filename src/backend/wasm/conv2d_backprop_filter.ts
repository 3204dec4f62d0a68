// Conv2DBackpropFilter for the wasm backend (tfjs-backend-wasm 4.22 has none, so convnets cannot train on it).
// Not from a paper: the classic identity dW = x (*) dy (the filter gradient is itself a convolution), evaluated
// with the backend's own XNNPACK Conv2D in one call by swapping roles:
//   input  x  [N, H, W, Ci]   -> [Ci, H, W, N]      (input channels act as the batch, the batch as channels)
//   filter dy [N, OH, OW, Co] -> [OH, OW, N, Co]    (the output gradient is the filter)
//   stride' = the forward dilation, dilation' = the forward stride, same top/left padding
//   output [Ci, FH, FW, Co] -> [FH, FW, Ci, Co]
// A probe found slice-and-matmul formulations 2-17x slower (strided slices and gathers are slow on wasm).
// First choice, wherever the output channels are a multiple of 8 and the input channels fewer than 256: our own
// register-tiled SIMD kernel on the heap (filter_grad_direct.ts; 1.3-3.6x less time than the better XNNPACK form
// on one thread, 1.0-2.9x on two: npm run bench:simd). Otherwise, where it measured faster (strided layers,
// 3-channel stems, 128+ output channels; see preferGemm), the patches of x and one GEMM (filter_grad_gemm.ts).
// Exception, 1x1 kernels without padding (ResNet projection shortcuts): there the swapped conv has a huge
// dilated kernel and, with stride 2, computes a 2x2 output to keep 1x1 of it; instead dW = xs^T dy, one
// matrix product, with xs = x subsampled by the stride through a 1x1 identity-filter conv (XNNPACK).
import * as tf from '@tensorflow/tfjs-core';
import { type FilterGradAttrs, filterGradConvInfo, pair } from '../conv2d_gradient_attrs.js';
import { directFilterGrad, directFilterGradFits } from './filter_grad_direct.js';
import { type FilterGradGeometry, gemmFilterGrad } from './filter_grad_gemm.js';
import { convKernels, convKernelsUnavailable } from './simd/conv.js';
import {
  assertNHWC,
  type BackendWasm,
  disposeInfo,
  heapView,
  reshapeInfo,
  runWasmKernel,
  type TensorInfo,
  transposeInfo,
  type WasmKernelArgs,
} from './wasm_kernel_utils.js';

/** The two evaluations of a kxk (or padded 1x1) filter gradient: swapped-roles conv, or im2col + one GEMM. */
export type FilterGradPath = 'swapped' | 'gemm' | 'direct';

/** Largest patch matrix the GEMM path puts on the wasm heap (64M floats, 256 MiB; the 32-bit heap also holds
 * every activation); bigger layers swap roles (not measured: a bound, not a speed rule). */
const MAX_PATCH_FLOATS = 64 * 1024 * 1024;

/**
 * Where im2col + GEMM beat the swapped conv in bench/wasm_kernels.ts --filter-grad (medians of alternating
 * calls over three 1-thread runs and one 2-thread run; results/wasm_filter_grad*.json): strided layers (1.0-2x:
 * the swapped conv then runs dilated), 3-channel stems (1.2-2.3x: the swapped conv's batch is 3) and 128+ output
 * channels (1.1-1.6x: the patch copy is amortised over a wide product). Stride-1 layers with 16-64 output
 * channels (ResNet-20's bulk) stay with the swapped conv (GEMM 0.6-1.1x there). Dilated convs: not measured,
 * swapped.
 */
function preferGemm(x: TensorInfo, dy: TensorInfo, g: FilterGradGeometry): boolean {
  if (g.dilationH !== 1 || g.dilationW !== 1) return false;
  const [batch, outH, outW] = dy.shape as [number, number, number, number];
  const patchFloats = g.filterHeight * g.filterWidth * x.shape[3]! * batch * outH * outW;
  if (patchFloats > MAX_PATCH_FLOATS) return false;
  return g.strideH > 1 || g.strideW > 1 || x.shape[3]! <= 4 || dy.shape[3]! >= 128;
}

function conv2dBackpropFilterWasm(args: WasmKernelArgs, forcedPath?: FilterGradPath): TensorInfo {
  const { backend } = args;
  const x = args.inputs.x!;
  const dy = args.inputs.dy!;
  const attrs = args.attrs as unknown as FilterGradAttrs;
  assertNHWC('Conv2DBackpropFilter', attrs.dataFormat);
  const [strideH, strideW] = pair(attrs.strides);
  const [dilH, dilW] = pair(attrs.dilations);
  const info = filterGradConvInfo(x.shape, attrs);
  const [, outH, outW] = dy.shape as [number, number, number, number];
  if (info.outHeight !== outH || info.outWidth !== outW) {
    throw new Error(
      `Conv2DBackpropFilter (wasm): dy spatial shape [${outH}, ${outW}] does not match the forward conv output [${info.outHeight}, ${info.outWidth}]`,
    );
  }
  const [, inH, inW] = x.shape as [number, number, number, number];
  const { filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;

  if (fh === 1 && fw === 1 && top === 0 && left === 0) {
    return pointwiseFilterGrad(backend, x, dy, strideH, strideW, info.inChannels, info.outChannels);
  }
  const geometry: FilterGradGeometry = {
    filterHeight: fh,
    filterWidth: fw,
    strideH,
    strideW,
    dilationH: dilH,
    dilationW: dilW,
    padTop: top,
    padLeft: left,
  };
  const kernels = convKernels(backend);
  // Direct below 256 input channels; at 256-512 on 14x14 and 7x7 maps im2col + GEMM measured faster (0.70-0.87x
  // on 2 threads with one fixed part per thread, 0.73x at 512 on one: bench/results/simd_kernels*.json). With the
  // part-claiming pool ours measured 1.24x and 1.04x there on 2 threads: see src/backend/wasm/README.md.
  const directFits = kernels !== undefined && directFilterGradFits(x, dy);
  const preferDirect = directFits && x.shape[3]! < 256;
  const path = forcedPath ?? (preferDirect ? 'direct' : preferGemm(x, dy, geometry) ? 'gemm' : 'swapped');
  if (path === 'direct') {
    if (!directFits) {
      throw new Error(
        `Conv2DBackpropFilter (wasm): the direct path needs float32 and output channels a multiple of 8 and our SIMD module (${convKernelsUnavailable() ?? 'loaded'}); got dy [${dy.shape}] ${dy.dtype}`,
      );
    }
    return directFilterGrad(backend, x, dy, geometry);
  }
  if (path === 'gemm') return gemmFilterGrad(backend, x, dy, geometry);
  return swappedConvFilterGrad(backend, x, dy, geometry, inH, inW);
}

/** The swapped-roles XNNPACK conv (see the header). */
function swappedConvFilterGrad(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  g: FilterGradGeometry,
  inH: number,
  inW: number,
): TensorInfo {
  const [, outH, outW] = dy.shape as [number, number, number, number];
  const { filterHeight: fh, filterWidth: fw, strideH, strideW, dilationH: dilH, dilationW: dilW } = g;
  const top = g.padTop;
  const left = g.padLeft;
  // Bottom/right padding just large enough that the swapped conv yields at least FH x FW outputs; the
  // forward padding is never exceeded (extra rows it had were never read by the forward conv).
  const bottom = Math.max(0, (fh - 1) * dilH + (outH - 1) * strideH + 1 - inH - top);
  const right = Math.max(0, (fw - 1) * dilW + (outW - 1) * strideW + 1 - inW - left);
  const xT = transposeInfo(backend, x, [3, 1, 2, 0]); // [Ci, H, W, N]
  const dyT = transposeInfo(backend, dy, [1, 2, 0, 3]); // [OH, OW, N, Co]
  let grad = runWasmKernel(
    'Conv2D',
    backend,
    { x: xT, filter: dyT },
    {
      strides: [dilH, dilW],
      dilations: [strideH, strideW],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  ); // [Ci, FH', FW', Co] with FH' >= FH, FW' >= FW
  disposeInfo(backend, xT);
  disposeInfo(backend, dyT);
  if (grad.shape[1] !== fh || grad.shape[2] !== fw) {
    // Uneven strides leave trailing rows/columns the forward conv never used; drop their gradient.
    const cropped = runWasmKernel(
      'Slice',
      backend,
      { x: grad },
      { begin: [0, 0, 0, 0], size: [grad.shape[0]!, fh, fw, grad.shape[3]!] },
    );
    disposeInfo(backend, grad);
    grad = cropped;
  }
  const dw = transposeInfo(backend, grad, [1, 2, 0, 3]); // [FH, FW, Ci, Co]
  disposeInfo(backend, grad);
  return dw;
}

/** dW of a 1x1 conv with no padding: [Ci, R] x [R, Co] over the R = N*OH*OW sampled positions. */
function pointwiseFilterGrad(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  strideH: number,
  strideW: number,
  inC: number,
  outC: number,
): TensorInfo {
  const [batch, outH, outW] = dy.shape as [number, number, number, number];
  let sampled = x; // [N, OH, OW, Ci]
  if (strideH > 1 || strideW > 1) {
    const eye = backend.makeOutput([1, 1, inC, inC], 'float32'); // identity filter: picks every stride-th pixel
    const e = heapView(backend, eye);
    e.fill(0);
    for (let c = 0; c < inC; c++) e[c * inC + c] = 1;
    sampled = runWasmKernel(
      'Conv2D',
      backend,
      { x, filter: eye },
      { strides: [strideH, strideW], pad: 'valid', dilations: 1, dataFormat: 'NHWC' },
    );
    disposeInfo(backend, eye);
    if (sampled.shape[1] !== outH || sampled.shape[2] !== outW) {
      throw new Error(`Conv2DBackpropFilter (wasm): subsampled x is [${sampled.shape}], dy is [${dy.shape}]`);
    }
  }
  const rows = batch * outH * outW;
  const a = reshapeInfo(backend, sampled, [1, rows, inC]); // [1, R, Ci]
  const b = reshapeInfo(backend, dy, [1, rows, outC]); // [1, R, Co]
  const prod = runWasmKernel('BatchMatMul', backend, { a, b }, { transposeA: true, transposeB: false }); // [1, Ci, Co]
  disposeInfo(backend, a);
  disposeInfo(backend, b);
  if (sampled !== x) disposeInfo(backend, sampled);
  const dw = reshapeInfo(backend, prod, [1, 1, inC, outC]); // [1, 1, Ci, Co]
  disposeInfo(backend, prod);
  return dw;
}

/** The kernel as it was before our SIMD path: XNNPACK only, swapped conv or GEMM by preferGemm (benchmarks). */
export function conv2dBackpropFilterXnnpackOnly(): tf.KernelFunc {
  return ((args: WasmKernelArgs) => {
    const x = args.inputs.x!;
    const attrs = args.attrs as unknown as FilterGradAttrs;
    const info = filterGradConvInfo(x.shape, attrs);
    const [strideH, strideW] = pair(attrs.strides);
    const [dilH, dilW] = pair(attrs.dilations);
    const g: FilterGradGeometry = {
      filterHeight: info.filterHeight,
      filterWidth: info.filterWidth,
      strideH,
      strideW,
      dilationH: dilH,
      dilationW: dilW,
      padTop: info.padInfo.top,
      padLeft: info.padInfo.left,
    };
    const pointwise = g.filterHeight === 1 && g.filterWidth === 1 && g.padTop === 0 && g.padLeft === 0;
    const path = !pointwise && preferGemm(x, args.inputs.dy!, g) ? 'gemm' : 'swapped';
    return conv2dBackpropFilterWasm(args, path);
  }) as unknown as tf.KernelFunc;
}

/** The kernel with its path forced (benchmarks and tests compare them; the registered kernel chooses). */
export function conv2dBackpropFilterWithPath(path: FilterGradPath): tf.KernelFunc {
  return ((args: WasmKernelArgs) => conv2dBackpropFilterWasm(args, path)) as unknown as tf.KernelFunc;
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ((args: WasmKernelArgs) => conv2dBackpropFilterWasm(args)) as unknown as tf.KernelFunc,
};
