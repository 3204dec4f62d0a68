// Conv2DBackpropFilter as one pass of our own SIMD wasm code over x and dy in place on the heap
// (simd/conv.wat, `filterGrad`): no transposes, no patch matrix, no packing. Each (tap, pair of input
// channels, 16 output channels) keeps its 8 f32x4 accumulators in registers over a chunk of output rows.
// Not from a paper: the direct definition of the weight gradient, register-tiled.
import type { FilterGradGeometry } from './filter_grad_gemm.js';
import type { ConvKernels } from './simd/conv.js';
import { heapOffset } from './simd_module.js';
import type { BackendWasm, TensorInfo } from './wasm_kernel_utils.js';

/** Output channels per register tile (4 f32x4 vectors); the kernel handles multiples of it only. */
export const DIRECT_OUT_CHANNEL_BLOCK = 16;
/** dy floats per row chunk: 8 K floats (32 KiB) of dy, with the matching x rows, fit the L1/L2 caches. */
const CHUNK_FLOATS = 8192;

/** Whether the direct kernel computes this layer (float32, output channels a multiple of 16). */
export function directFilterGradFits(x: TensorInfo, dy: TensorInfo): boolean {
  return x.dtype === 'float32' && dy.dtype === 'float32' && dy.shape[3]! % DIRECT_OUT_CHANNEL_BLOCK === 0;
}

/** dW [FH, FW, Ci, Co] of the conv x [N, H, W, Ci] -> dy [N, OH, OW, Co] (float32, NHWC). */
export function directFilterGrad(
  backend: BackendWasm,
  kernels: ConvKernels,
  x: TensorInfo,
  dy: TensorInfo,
  g: FilterGradGeometry,
): TensorInfo {
  const [batch, inH, inW, inC] = x.shape as [number, number, number, number];
  const [, outH, outW, outC] = dy.shape as [number, number, number, number];
  const dw = backend.makeOutput([g.filterHeight, g.filterWidth, inC, outC], 'float32');
  const rows = Math.max(1, Math.floor(CHUNK_FLOATS / (outW * outC)));
  kernels.filterGrad(
    heapOffset(backend, x.dataId),
    heapOffset(backend, dy.dataId),
    heapOffset(backend, dw.dataId),
    batch,
    inH,
    inW,
    inC,
    outH,
    outW,
    outC,
    g.filterHeight,
    g.filterWidth,
    g.strideH,
    g.strideW,
    g.dilationH,
    g.dilationW,
    g.padTop,
    g.padLeft,
    rows,
  );
  return dw;
}
