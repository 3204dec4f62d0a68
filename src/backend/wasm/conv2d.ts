// Conv2D for the wasm backend on our own SIMD module (simd/conv.wat, `conv2d`), in place on the heap:
// 2 neighbouring output pixels x 16 output channels per register tile (4 x 8 where the output channels are a
// multiple of 8 but not of 16: half-width ResNets), over an input zero-padded once into a
// temporary (`padNHWC`). On one thread it is 1.07-1.16x faster than XNNPACK's convolution (the stock kernel) on
// ResNet-20's and ResNet-18's 3x3 layers up to 64 input channels (bench/simd_kernels.ts, results/simd_kernels.json),
// and bit-identical to it (same summation order, no fused multiply-add); it also speeds up Conv2DBackpropInput, a
// forward conv of dy (conv2d_backprop_input.ts calls the registered Conv2D). On 2 threads it splits over our pool
// (simd_pool.ts) in parts claimed one at a time: 0.97-1.09x XNNPACK's wall time per layer alone
// (simd_kernels-threads2.json; 0.67-1.08x with one fixed part per thread, when the stock conv stayed on threads),
// and training steps 1.01-1.08x faster in wall time, 1.01-1.15x in CPU time (bench/conv_threads.ts ->
// results/conv_threads.json); on more threads the stock conv stays (unmeasured: DEFAULT_CONV2D_MAX_THREADS).
// BatchShapingDirectConv2D below splits over the pool too.
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
  type Attrs,
  assertNHWC,
  type BackendWasm,
  disposeInfo,
  heapView,
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
  return conv2DInfo(x, filter.shape as [number, number, number, number], attrs);
}

/** tfjs's geometry of an NHWC conv of x with an HWIO filter of `filterShape`. */
function conv2DInfo(x: TensorInfo, filterShape: [number, number, number, number], attrs: Conv2DAttrs) {
  return tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/**
 * y = conv(x, filter) on our SIMD module (see the header); the caller checked directConvInfo. `packed`: the
 * filter is [Co/16, FH, FW, Ci, 16] (packedFilterShape).
 */
function directConv2D(
  backend: BackendWasm,
  kernels: ConvKernels,
  x: TensorInfo,
  filter: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  packed = false,
  epilogue: Epilogue = NO_EPILOGUE,
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
  const rows = batchSize * outHeight;
  if (packed) {
    // Each part reads its share of the map and all of its blocks' weights: split the larger of the two.
    const filterBytes = info.filterHeight * info.filterWidth * inChannels * outChannels;
    const byBlocks = filterBytes > tf.util.sizeFromShape(input.shape) && pool.threads > 1;
    const offsetOf = (t: TensorInfo | undefined) => (t === undefined ? 0 : heapOffset(backend, t.dataId));
    const tail = [offsetOf(epilogue.bias), offsetOf(epilogue.residual), +epilogue.relu];
    const parts = byBlocks
      ? splitRange(outChannels, pool.parts, 16).map(([o0, o1]) => [...common, 0, rows, o0, o1, ...tail])
      : splitRange(rows, pool.parts).map(([r0, r1]) => [...common, r0, r1, 0, outChannels, ...tail]);
    pool.run(CONV_BINARY, 'conv2dPacked', parts);
  } else {
    const parts = splitRange(rows, pool.parts).map(([r0, r1]) => [...common, r0, r1]);
    pool.run(CONV_BINARY, outChannelBlock(outChannels) === 16 ? 'conv2d' : 'conv2d8', parts);
  }
  if (input !== x) disposeInfo(backend, input);
  return packed ? y : applyEpilogue(backend, y, epilogue);
}

/**
 * What BatchShapingDirectConv2D does after the sums: + bias [Co] (optional), + residual shaped as the output
 * (optional), then ReLU (optional).
 */
interface Epilogue {
  bias?: TensorInfo;
  residual?: TensorInfo;
  relu: boolean;
}

const NO_EPILOGUE: Epilogue = { relu: false };

/** The epilogue as the separate kernels (Add, Add, Relu) on y, which it consumes. */
function applyEpilogue(backend: BackendWasm, y: TensorInfo, { bias, residual, relu }: Epilogue): TensorInfo {
  let out = y;
  const then = (next: TensorInfo) => {
    disposeInfo(backend, out);
    out = next;
  };
  if (bias !== undefined) then(runWasmKernel('Add', backend, { a: out, b: bias }));
  if (residual !== undefined) then(runWasmKernel('Add', backend, { a: out, b: residual }));
  if (relu) then(runWasmKernel('Relu', backend, { x: out }));
  return out;
}

/**
 * Our conv for weights that are new at every call (conditional inference gathers a filter per gate pattern), where
 * XNNPACK would pack them each time: the direct conv for any 3x3 or larger float32 NHWC conv with output channels
 * a multiple of 8, whatever the input channels; otherwise the registered Conv2D. Inference only (no gradient).
 * Optional input `bias` [Co] and attribute `activation` ('linear' | 'relu'), as FusedConv2D, and optional input
 * `residual` shaped as the output, added after the bias and before the activation (a residual block's
 * relu(conv + bias + shortcut)): on a packed filter computed in the conv's store (no pass over the output, no
 * kernel call), elsewhere as the Add and Relu kernels.
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
    const attrs = args.attrs as unknown as Conv2DAttrs & { activation?: string };
    const epilogue = epilogueOf(x, filter, args.inputs.bias, args.inputs.residual, attrs);
    if (filter.shape.length === 5) return packedConv2D(backend, x, filter, attrs, epilogue);
    const info = directConvInfo(x, filter, attrs, true);
    const kernels = info === undefined ? undefined : convKernels(backend);
    if (info === undefined || kernels === undefined) {
      const y = runWasmKernel(tf.Conv2D, backend, { x, filter }, args.attrs ?? {});
      return applyEpilogue(backend, y, epilogue);
    }
    return directConv2D(backend, kernels, x, filter, info, false, epilogue);
  }) as unknown as tf.KernelFunc,
};

/**
 * BatchShapingDirectConv2D with a filter packed per 16 output channels, [Co/16, FH, FW, Ci, 16] (as
 * BatchShapingGatherChannels writes gathered filters with attrs.packed): our conv2dPacked, for any input channel
 * count; without our SIMD module, unpacked to HWIO for the stock Conv2D.
 */
function packedConv2D(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DAttrs,
  epilogue: Epilogue,
): TensorInfo {
  const [blocks, fh, fw, ci, lanes] = filter.shape as [number, number, number, number, number];
  if (
    lanes !== 16 ||
    x.shape.length !== 4 ||
    x.shape[3] !== ci ||
    x.dtype !== 'float32' ||
    filter.dtype !== 'float32'
  ) {
    throw new Error(
      `${DIRECT_CONV2D} (wasm): a packed 'filter' must be float32 [Co/16, FH, FW, Ci, 16] for 'x' float32 [N, H, W, Ci]; got [${filter.shape}] and [${x.shape}]`,
    );
  }
  assertNHWC(DIRECT_CONV2D, attrs.dataFormat);
  const hwio: [number, number, number, number] = [fh, fw, ci, blocks * 16];
  const kernels = convKernels(backend);
  if (kernels === undefined) {
    const unpacked = backend.makeOutput(hwio, 'float32');
    unpackFilter(
      heapView(backend, filter) as Float32Array,
      heapView(backend, unpacked) as Float32Array,
      hwio,
    );
    const y = runWasmKernel(tf.Conv2D, backend, { x, filter: unpacked }, attrs as unknown as Attrs);
    disposeInfo(backend, unpacked);
    return applyEpilogue(backend, y, epilogue);
  }
  return directConv2D(backend, kernels, x, filter, conv2DInfo(x, hwio, attrs), true, epilogue);
}

/**
 * The epilogue BatchShapingDirectConv2D's optional `bias` and `residual` inputs and `activation` attribute ask
 * for, checked before anything is computed or allocated.
 */
function epilogueOf(
  x: TensorInfo,
  filter: TensorInfo,
  bias: TensorInfo | undefined,
  residual: TensorInfo | undefined,
  attrs: Conv2DAttrs & { activation?: string },
): Epilogue {
  const { activation } = attrs;
  if (activation !== undefined && activation !== 'linear' && activation !== 'relu') {
    throw new Error(
      `${DIRECT_CONV2D} (wasm): attribute 'activation' must be 'linear' or 'relu'; got ${JSON.stringify(activation)}`,
    );
  }
  const co = filter.shape.length === 5 ? filter.shape[0]! * 16 : filter.shape[3]!;
  if (bias !== undefined && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== co)) {
    throw new Error(
      `${DIRECT_CONV2D} (wasm): input 'bias' must be float32 [${co}] (the filter's output channels) for 'x' [${x.shape}]; got ${bias.dtype} [${bias.shape}]`,
    );
  }
  if (residual !== undefined) {
    // Shaped as the conv's output: conv2dPacked reads it at the output's offsets, and an Add would broadcast.
    const f = filter.shape;
    const hwio = (f.length === 5 ? [f[1], f[2], f[3], f[0]! * 16] : f) as [number, number, number, number];
    const { outShape } = conv2DInfo(x, hwio, attrs);
    if (residual.dtype !== 'float32' || !tf.util.arraysEqual(residual.shape, outShape)) {
      throw new Error(
        `${DIRECT_CONV2D} (wasm): input 'residual' must be float32 [${outShape}] (the conv's output); got ${residual.dtype} [${residual.shape}]`,
      );
    }
  }
  return {
    ...(bias !== undefined && { bias }),
    ...(residual !== undefined && { residual }),
    relu: activation === 'relu',
  };
}

/** [Co/16, FH, FW, Ci, 16] -> HWIO [FH, FW, Ci, Co]. */
export function unpackFilter(
  packed: Float32Array,
  hwio: Float32Array,
  shape: [number, number, number, number],
): void {
  const [fh, fw, ci, co] = shape;
  const perBlock = fh * fw * ci * 16;
  for (let b = 0; b < co / 16; b++) {
    for (let r = 0; r < fh * fw * ci; r++) {
      for (let l = 0; l < 16; l++) hwio[r * co + b * 16 + l] = packed[b * perBlock + r * 16 + l]!;
    }
  }
}

/**
 * The most SIMD pool threads at which the registered Conv2D is ours (XNNPACK's beyond). 2: on 2 threads ours made
 * training steps 1.01-1.08x faster (bench/conv_threads.ts); more threads are unmeasured (this machine has 2 cores),
 * and there XNNPACK's conv (its packed weights cached per filter) keeps the job.
 */
const DEFAULT_CONV2D_MAX_THREADS = 2;
let conv2DMaxThreads = DEFAULT_CONV2D_MAX_THREADS;

/**
 * Sets on how many threads at most the registered Conv2D runs ours (an integer >= 1; 1: XNNPACK's whenever the
 * backend is threaded); returns the previous value. For benchmarks comparing the two (bench/conv_threads.ts).
 */
export function setWasmConv2DMaxThreads(threads: number): number {
  if (!(Number.isInteger(threads) && threads >= 1)) {
    throw new Error(`setWasmConv2DMaxThreads: 'threads' must be an integer >= 1; got ${threads}`);
  }
  const previous = conv2DMaxThreads;
  conv2DMaxThreads = threads;
  return previous;
}

export function makeConv2DConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  return withStockFallback(tf.Conv2D, stock, (args: WasmKernelArgs, fn) => {
    const { backend } = args;
    const x = args.inputs.x!;
    const filter = args.inputs.filter!;
    const info =
      simdPool(backend).threads <= conv2DMaxThreads
        ? directConvInfo(x, filter, args.attrs as unknown as Conv2DAttrs)
        : undefined;
    const kernels = info === undefined ? undefined : convKernels(backend);
    if (info === undefined || kernels === undefined) {
      return fn(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo;
    }
    return directConv2D(backend, kernels, x, filter, info);
  });
}
