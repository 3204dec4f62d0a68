// Conv2D for the wasm backend on our own SIMD module (simd/conv.wat, `conv2d`), in place on the heap:
// 2 neighbouring output pixels x 16 output channels per register tile, over an input zero-padded once into a
// temporary (`padNHWC`). XNNPACK's convolution (the stock kernel) runs ResNet-20's narrow 3x3 layers at
// 9-11 G multiply-adds/s on one thread; this tile reaches ~15 (bench/wasm_kernels.ts --conv). It also speeds up
// Conv2DBackpropInput, which is a forward conv of dy (conv2d_backprop_input.ts calls the registered Conv2D).
// Our kernel runs on the calling thread only, so it is used when XNNPACK's pool has one thread (with two,
// XNNPACK's conv is 1.6-2x faster than ours on two free cores), for float32 NHWC convs with a spatial kernel
// (1x1 stays on XNNPACK's GEMM), 16+ input channels (the 3-channel stem: parity) and output channels a multiple
// of 16, once the module is on the heap; everything else goes to the stock kernel. Its results are
// bit-identical to XNNPACK's (same summation order, no fused multiply-add).
// Not from a paper: the direct definition of the convolution, register-tiled.
import * as tf from '@tensorflow/tfjs-core';
import { DIRECT_OUT_CHANNEL_BLOCK } from './filter_grad_direct.js';
import { CONV_BINARY, type ConvKernels, convKernels } from './simd/conv.js';
import { heapOffset } from './simd_module.js';
import { simdPool, splitRange } from './simd_pool.js';
import {
  type BackendWasm,
  disposeInfo,
  type TensorInfo,
  type WasmKernelArgs,
  withStockFallback,
} from './wasm_kernel_utils.js';

interface Conv2DAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The conv's geometry when our kernel computes it, else undefined (the stock kernel then does). */
function directConvInfo(x: TensorInfo, filter: TensorInfo, attrs: Conv2DAttrs) {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4) return undefined;
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') return undefined;
  const [fh, fw, , co] = filter.shape as [number, number, number, number];
  if (co % DIRECT_OUT_CHANNEL_BLOCK !== 0 || fh * fw === 1 || x.shape[3]! < 16) return undefined;
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
  pool.run(CONV_BINARY, 'conv2d', parts);
  if (input !== x) disposeInfo(backend, input);
  return y;
}

export function makeConv2DConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  return withStockFallback(tf.Conv2D, stock, (args: WasmKernelArgs, fn) => {
    const { backend } = args;
    const x = args.inputs.x!;
    const filter = args.inputs.filter!;
    const info = directConvInfo(x, filter, args.attrs as unknown as Conv2DAttrs);
    const kernels = info === undefined ? undefined : convKernels(backend);
    if (info === undefined || kernels === undefined) {
      return fn(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
    }
    return directConv2D(backend, kernels, x, filter, info);
  });
}
