// Conv2D for the wasm backend on our own SIMD module (simd/conv.wat, `conv2d`), in place on the heap:
// 2 neighbouring output pixels x 16 output channels per register tile (4 x 8 where the output channels are a
// multiple of 8 but not of 16: half-width ResNets), over an input zero-padded once into a
// temporary (`padNHWC`). On one thread it is 1.07-1.16x faster than XNNPACK's convolution (the stock kernel) on
// ResNet-20's and ResNet-18's 3x3 layers up to 64 input channels (bench/simd_kernels.ts, results/simd_kernels.json),
// and bit-identical to it (same summation order, no fused multiply-add); it also speeds up Conv2DBackpropInput, a
// forward conv of dy (conv2d_backprop_input.ts calls the registered Conv2D). With threads the stock conv stays:
// split over our pool (simd_pool.ts) ours measured 0.67-1.08x XNNPACK's wall time on 2 threads
// (simd_kernels-threads2.json; XNNPACK's idle threads spin for a while after each of its ops, on the cores our
// workers need). BatchShapingDirectConv2D below splits over the pool.
// Used for float32 NHWC convs with a spatial kernel (1x1 stays on XNNPACK's GEMM), 8 to 64 input channels for
// 3x3 (see MAX_FILTER_BLOCK_BYTES; the 3-channel stem is at parity) and output channels a multiple of 8, once the
// module is on the heap; everything else goes to the stock kernel.
// Not from a paper: the direct definition of the convolution, register-tiled.
import * as tf from '@tensorflow/tfjs-core';
import { outChannelBlock } from './filter_grad_direct.js';
import { CONV_BINARY, type ConvKernels, convKernels } from './simd/conv.js';
import { heapOffset } from './simd_module.js';
import { simdPool, splitRange } from './simd_pool.js';
import {
  type BackendWasm,
  disposeInfo,
  runWasmKernel,
  type TensorInfo,
  type WasmKernelArgs,
  withStockFallback,
} from './wasm_kernel_utils.js';

/**
 * The filter slice one register tile streams per pixel pair (FH*FW*Ci x 16 floats) must stay near the L1 cache:
 * up to 3x3x64 (36 KiB) ours measured 0.9-1.4x XNNPACK's speed (1 and 2 threads), at 3x3x256 0.83-0.88x and at
 * 3x3x512 on a 7x7 map 0.4x (each pixel pair then streams 295 KiB of filter from L2).
 */
const MAX_FILTER_BLOCK_BYTES = 3 * 3 * 64 * 16 * 4;

interface Conv2DAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The conv's geometry when our kernel computes it, else undefined (the stock kernel then does). */
function directConvInfo(x: TensorInfo, filter: TensorInfo, attrs: Conv2DAttrs, anyWidth = false) {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4) return undefined;
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') return undefined;
  const [fh, fw, , co] = filter.shape as [number, number, number, number];
  const ci = x.shape[3]!;
  if (outChannelBlock(co) === undefined || fh * fw === 1 || ci < 8) return undefined;
  if (!anyWidth && fh * fw * ci * 16 * 4 > MAX_FILTER_BLOCK_BYTES) return undefined;
  return tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** y = conv(x, filter) on our SIMD module (see the header); the caller checked directConvInfo. */
function directConv2D(
  backend: BackendWasm,
  kernels: ConvKernels,
  x: TensorInfo,
  filter: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { top, bottom, left, right } = info.padInfo;
  let input = x;
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    input = backend.makeOutput(
      [batchSize, inHeight + top + bottom, inWidth + left + right, inChannels],
      'float32',
    );
    kernels.padNHWC(
      heapOffset(backend, x.dataId),
      heapOffset(backend, input.dataId),
      batchSize,
      inHeight,
      inWidth,
      inChannels,
      top,
      bottom,
      left,
      right,
    );
  }
  const y = backend.makeOutput([batchSize, outHeight, outWidth, outChannels], 'float32');
  const common = [
    heapOffset(backend, input.dataId),
    heapOffset(backend, filter.dataId),
    heapOffset(backend, y.dataId),
    batchSize,
    input.shape[1]!,
    input.shape[2]!,
    inChannels,
    outHeight,
    outWidth,
    outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
  ];
  const pool = simdPool(backend);
  const parts = splitRange(batchSize * outHeight, pool.threads).map(([r0, r1]) => [...common, r0, r1]);
  pool.run(CONV_BINARY, outChannelBlock(outChannels) === 16 ? 'conv2d' : 'conv2d8', parts);
  if (input !== x) disposeInfo(backend, input);
  return y;
}

/**
 * Our conv for weights that are new at every call (conditional inference gathers a filter per gate pattern), where
 * XNNPACK would pack them each time: the direct conv for any 3x3 or larger float32 NHWC conv with output channels
 * a multiple of 8, whatever the input channels; otherwise the registered Conv2D. Inference only (no gradient).
 * = DIRECT_CONV2D_KERNEL of src/inference/folded_conv.ts.
 */
export const DIRECT_CONV2D = 'BatchShapingDirectConv2D';

export const directConv2DConfig: tf.KernelConfig = {
  kernelName: DIRECT_CONV2D,
  backendName: 'wasm',
  kernelFunc: ((args: WasmKernelArgs) => {
    const { backend } = args;
    const x = args.inputs.x!;
    const filter = args.inputs.filter!;
    const info = directConvInfo(x, filter, args.attrs as unknown as Conv2DAttrs, true);
    const kernels = info === undefined ? undefined : convKernels(backend);
    if (info === undefined || kernels === undefined) {
      return runWasmKernel(tf.Conv2D, backend, { x, filter }, args.attrs ?? {});
    }
    return directConv2D(backend, kernels, x, filter, info);
  }) as unknown as tf.KernelFunc,
};

export function makeConv2DConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  return withStockFallback(tf.Conv2D, stock, (args: WasmKernelArgs, fn) => {
    const { backend } = args;
    const x = args.inputs.x!;
    const filter = args.inputs.filter!;
    // With more threads, XNNPACK's own conv (its packed weights cached per filter) measured as fast or faster.
    const info =
      simdPool(backend).threads === 1
        ? directConvInfo(x, filter, args.attrs as unknown as Conv2DAttrs)
        : undefined;
    const kernels = info === undefined ? undefined : convKernels(backend);
    if (info === undefined || kernels === undefined) {
      return fn(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
    }
    return directConv2D(backend, kernels, x, filter, info);
  });
}
