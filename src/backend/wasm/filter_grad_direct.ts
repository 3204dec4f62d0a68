// Conv2DBackpropFilter as one pass of our own SIMD wasm code over x and dy in place on the heap
// (simd/conv.wat): no transposes, no patch matrix, no packing. Each (tap, 2 input channels, 16 output channels)
// keeps its 8 f32x4 accumulators in registers over a chunk of output rows (`filterGrad`); where the output
// channels are a multiple of 8 but not of 16 (half-width ResNets: 8, 24 channels), 4 input x 8 output channels
// (`filterGrad8`). With threads (simd_pool.ts) the output channel blocks, or where there are fewer blocks than
// threads the input channel groups, are split between them: each thread writes its own part of dW.
// Not from a paper: the direct definition of the weight gradient, register-tiled.
import type { FilterGradGeometry } from './filter_grad_gemm.js';
import { CONV_BINARY } from './simd/conv.js';
import { heapOffset } from './simd_module.js';
import { simdPool, splitRange } from './simd_pool.js';
import { type BackendWasm, heapView, type TensorInfo } from './wasm_kernel_utils.js';

/** Output channels per register tile: 16 (4 f32x4 vectors), or 8 where the count is not a multiple of 16. */
export function outChannelBlock(outC: number): 16 | 8 | undefined {
  return outC % 16 === 0 ? 16 : outC % 8 === 0 ? 8 : undefined;
}
/** dy floats per row chunk: 8 K floats (32 KiB) of dy, with the matching x rows, fit the L1/L2 caches. */
const CHUNK_FLOATS = 8192;

/** Whether the direct kernel computes this layer (float32, output channels a multiple of 8). */
export function directFilterGradFits(x: TensorInfo, dy: TensorInfo): boolean {
  return x.dtype === 'float32' && dy.dtype === 'float32' && outChannelBlock(dy.shape[3]!) !== undefined;
}

/** dW [FH, FW, Ci, Co] of the conv x [N, H, W, Ci] -> dy [N, OH, OW, Co] (float32, NHWC). */
export function directFilterGrad(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  g: FilterGradGeometry,
): TensorInfo {
  const [batch, inH, inW, inC] = x.shape as [number, number, number, number];
  const [, outH, outW, outC] = dy.shape as [number, number, number, number];
  const dw = backend.makeOutput([g.filterHeight, g.filterWidth, inC, outC], 'float32');
  heapView(backend, dw).fill(0); // the kernel accumulates
  const rows = Math.max(1, Math.floor(CHUNK_FLOATS / (outW * outC)));
  const common = [
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
  ];
  const pool = simdPool(backend);
  const block = outChannelBlock(outC)!;
  const inGroup = block === 16 ? 2 : 4;
  const byOut = outC / block >= pool.threads;
  const parts = byOut
    ? splitRange(outC, pool.threads, block).map(([o0, o1]) => [...common, 0, inC, o0, o1])
    : splitRange(inC, pool.threads, inGroup).map(([c0, c1]) => [...common, c0, c1, 0, outC]);
  pool.run(CONV_BINARY, block === 16 ? 'filterGrad' : 'filterGrad8', parts);
  return dw;
}
