// Conv2DBackpropFilter for the webgpu backend: the filter gradient as an implicit GEMM with split-K.
//   dW[ky, kx, ci, co] = sum over (n, oy, ox) of x[n, oy*sh + ky*dh - padTop, ox*sw + kx*dw - padLeft, ci]
//                                                * dy[n, oy, ox, co]
// i.e. C[M, Co] = A[M, K] * B[K, Co] with M = FH*FW*Ci (rows in the HWIO order of the filter, so C is dW as laid
// out), K = N*OH*OW, A = im2col(x) transposed (read on the fly, never stored) and B = dy viewed as [K, Co].
// The GEMM is tiled in workgroup memory (tiled_gemm_wgsl.ts); because M*Co is small next to K (a 3x3 16->16
// conv at batch 128, 32x32 has 144 x 16 outputs and a reduction over 131072 positions), the reduction is split
// over S workgroup slices (split-K) and a second pass adds the S partial results (split_k_sum.ts): no atomics.
// Algorithm: implicit GEMM for the weight gradient (Chetlur et al., cuDNN 2014) with split-K.
//
// Differs from stock (tfjs-backend-webgpu 4.22 Conv2DDerFilterProgram): stock runs one thread per filter weight,
// each looping over all N*OH*OW positions with no data reuse through workgroup memory and only FH*FW*Ci*Co
// threads in flight; this one reuses every loaded value 4x per thread and 16-64x per workgroup and spreads the
// reduction over enough workgroups to fill the GPU. Also accepts the `dilations` attribute (as our wasm kernel
// does; tfjs' own attrs have none). NHWC float32 only.
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { type FilterGradAttrs, filterGradConvInfo, pair } from '../conv2d_gradient_attrs.js';
import { SplitKSumProgram } from './split_k_sum.js';
import {
  chooseGemmTiling,
  type GemmLoadOrder,
  type GemmTiling,
  gemmKey,
  gemmWorkgroupSize,
  tiledGemmMain,
} from './tiled_gemm_wgsl.js';
import { assertFloat32NHWC, type ProgramUniforms } from './webgpu_kernel_utils.js';

const KERNEL = 'Conv2DBackpropFilter (webgpu, batch-shaping)';

/**
 * Workgroups to aim for before splitting the reduction further: a large GPU runs ~100-150 compute units with
 * several workgroups each (ResNet-20's 3x3 16->16 filter gradient has only 3 output tiles, so it needs splits).
 */
const TARGET_WORKGROUPS = 1024;
/** Fewest reduction steps (of tileK) a split should get, so the partial-sum traffic stays small. */
const MIN_K_TILES_PER_SPLIT = 8;
/** The summing pass reads this many partials per weight at most (a few MB of partials for the largest layers). */
const MAX_SPLITS = 256;

/** Number of reduction slices S and the slice length (a multiple of tileK) for a GEMM of tiles x kTotal. */
export function chooseSplitK(
  outputTiles: number,
  kTotal: number,
  tileK: number,
): { splits: number; kChunk: number } {
  const kTiles = Math.ceil(kTotal / tileK);
  let splits = Math.ceil(TARGET_WORKGROUPS / outputTiles);
  splits = Math.max(1, Math.min(splits, MAX_SPLITS, Math.floor(kTiles / MIN_K_TILES_PER_SPLIT)));
  const kChunk = Math.ceil(kTiles / splits) * tileK;
  return { splits: Math.ceil(kTotal / kChunk), kChunk };
}

/** The GEMM pass: writes dW directly when splits = 1, else partial results [S, FH*FW*Ci*Co]. */
class Conv2DBackpropFilterGemmProgram implements WebGPUProgram {
  variableNames = ['x', 'dy'];
  outputShape: number[];
  shaderKey: string;
  /** Marks the dispatch as 3-D (columns, rows, splits); the shader indexes by workgroup id itself. */
  dispatchLayout = { x: [0], y: [1], z: [2] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms =
    'pad : vec2<i32>, stride : vec2<i32>, dilation : vec2<i32>, filterWidth : i32, rows : i32, kTotal : i32, kChunk : i32, numKTiles : i32,';
  private readonly tiling: GemmTiling;
  private readonly order: GemmLoadOrder = { a: 'm', b: 'n' };

  constructor(filterShape: number[], splits: number) {
    const [fh, fw, ci, co] = filterShape as [number, number, number, number];
    const rows = fh * fw * ci;
    this.tiling = chooseGemmTiling(rows, co);
    this.outputShape = splits === 1 ? filterShape : [splits, rows * co];
    this.workgroupSize = gemmWorkgroupSize(this.tiling);
    this.dispatch = [Math.ceil(co / this.tiling.tileN), Math.ceil(rows / this.tiling.tileM), splits];
    this.shaderKey = `batchShapingConv2DBackpropFilterGemm_${gemmKey(this.tiling, this.order)}`;
  }

  get tileK(): number {
    return this.tiling.tileK;
  }

  getUserCode(): string {
    const { tileM, tileK } = this.tiling;
    return `
  // Per row m of the tile (filter tap ky, kx and input channel c): the tap's offset into x, and c (-1: no row).
  var<workgroup> rowOffY : array<i32, ${tileM}>;
  var<workgroup> rowOffX : array<i32, ${tileM}>;
  var<workgroup> rowC : array<i32, ${tileM}>;
  // Per k of the current tile (output position n, oy, ox): n * H, oy * sh, ox * sw.
  var<workgroup> kRowN : array<i32, ${tileK}>;
  var<workgroup> kY : array<i32, ${tileK}>;
  var<workgroup> kX : array<i32, ${tileK}>;

  fn gemmPrologue() {}

  fn gemmWorkgroupSetup(tid : i32, rowBase : i32, colBase : i32) {
    if (tid < ${tileM}) {
      let m = rowBase + tid;
      let inC = uniforms.xShape.w;
      let tap = m / inC;
      rowC[tid] = select(-1, m - tap * inC, m < uniforms.rows);
      let ky = tap / uniforms.filterWidth;
      let kx = tap - ky * uniforms.filterWidth;
      rowOffY[tid] = ky * uniforms.dilation.x - uniforms.pad.x;
      rowOffX[tid] = kx * uniforms.dilation.y - uniforms.pad.y;
    }
  }

  fn gemmTileSetup(tid : i32, k0 : i32, kEnd : i32) {
    if (tid < ${tileK}) {
      let k = k0 + tid;
      let outW = uniforms.dyShape.z;
      let outH = uniforms.dyShape.y;
      let rest = k / outW;
      let b = rest / outH;
      kRowN[tid] = b * uniforms.xShape.y;
      kY[tid] = (rest - b * outH) * uniforms.stride.x;
      kX[tid] = (k - rest * outW) * uniforms.stride.y;
    }
  }

  // A[m, k] = x at filter tap (ky, kx), input channel c = m, and output position (n, oy, ox) = k
  fn gemmA(mm : i32, kk : i32, m : i32, k : i32) -> f32 {
    let c = rowC[mm];
    let iy = kY[kk] + rowOffY[mm];
    let ix = kX[kk] + rowOffX[mm];
    if (c < 0 || iy < 0 || iy >= uniforms.xShape.y || ix < 0 || ix >= uniforms.xShape.z) { return 0.0; }
    return x[((kRowN[kk] + iy) * uniforms.xShape.z + ix) * uniforms.xShape.w + c];
  }

  // B[k, n] = dy viewed as [N*OH*OW, Co]
  fn gemmB(kk : i32, nn : i32, k : i32, n : i32) -> f32 {
    let outC = uniforms.dyShape.w;
    if (n >= outC) { return 0.0; }
    return dy[k * outC + n];
  }

  fn gemmStore(mm : i32, nn : i32, m : i32, n : i32, v : f32) {
    let outC = uniforms.dyShape.w;
    if (m < uniforms.rows && n < outC) {
      result[(i32(workgroupId.z) * uniforms.rows + m) * outC + n] = v;
    }
  }
${tiledGemmMain(this.tiling, this.order, {
  numKTiles: 'uniforms.numKTiles',
  kBegin: 'i32(workgroupId.z) * uniforms.kChunk',
  kEnd: 'min(uniforms.kTotal, kBegin + uniforms.kChunk)',
})}`;
  }
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}

function conv2dBackpropFilterWebgpu(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as unknown as WebGPUBackend;
  const x = args.inputs.x!;
  const dy = args.inputs.dy!;
  const attrs = args.attrs as unknown as FilterGradAttrs;
  assertFloat32NHWC(KERNEL, { x, dy }, attrs.dataFormat);
  const [strideH, strideW] = pair(attrs.strides);
  const [dilH, dilW] = pair(attrs.dilations);
  const info = filterGradConvInfo(x.shape, attrs);
  const [batch, outH, outW, outC] = dy.shape as [number, number, number, number];
  if (
    batch !== info.batchSize ||
    outH !== info.outHeight ||
    outW !== info.outWidth ||
    outC !== info.outChannels
  ) {
    throw new Error(
      `${KERNEL}: input 'dy' must have shape [${info.batchSize}, ${info.outHeight}, ${info.outWidth}, ${info.outChannels}] (the forward conv's output); got [${dy.shape}]`,
    );
  }
  const { filterHeight: fh, filterWidth: fw, inChannels: ci } = info;
  const rows = fh * fw * ci;
  const kTotal = batch * outH * outW;
  const tiling = chooseGemmTiling(rows, outC);
  const tiles = Math.ceil(rows / tiling.tileM) * Math.ceil(outC / tiling.tileN);
  const { splits, kChunk } = chooseSplitK(tiles, kTotal, tiling.tileK);
  const program = new Conv2DBackpropFilterGemmProgram([fh, fw, ci, outC], splits);
  const uniforms: ProgramUniforms = [
    { type: 'int32', data: [info.padInfo.top, info.padInfo.left] },
    { type: 'int32', data: [strideH, strideW] },
    { type: 'int32', data: [dilH, dilW] },
    { type: 'int32', data: [fw] },
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [kTotal] },
    { type: 'int32', data: [kChunk] },
    { type: 'int32', data: [kChunk / tiling.tileK] },
  ];
  const gemm = backend.runWebGPUProgram(program, [x, dy], 'float32', uniforms);
  if (splits === 1) return gemm;
  const dw = backend.runWebGPUProgram(new SplitKSumProgram([fh, fw, ci, outC]), [gemm], 'float32', [
    { type: 'int32', data: [0] },
  ]);
  backend.disposeData(gemm.dataId);
  return dw;
}

export const conv2dBackpropFilterWebgpuConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'webgpu',
  kernelFunc: conv2dBackpropFilterWebgpu as unknown as tf.KernelFunc,
};
