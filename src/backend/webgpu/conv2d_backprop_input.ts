// Conv2DBackpropInput for the webgpu backend: the input gradient as an implicit GEMM, one output phase at a time.
//   dx[n, iy, ix, ci] = sum over taps (ky, kx) and co of dy[n, oy, ox, co] * W[ky, kx, ci, co]
//                       where oy = (iy + padTop - ky) / sh and ox = (ix + padLeft - kx) / sw are whole numbers
// With stride s, the taps that reach an input row depend only on iy mod s (its phase), so the input positions
// are split into sh*sw phases (sub-pixel / "phase decomposition" of a transposed convolution, Shi et al., CVPR
// 2016; as our wasm kernel does) and each phase is a dense GEMM with no zero products:
//   C[M_p, Ci] = A[M_p, K_p] * B[K_p, Ci], M_p = the phase's positions (n, qy, qx) with iy = py + qy*sh,
//   K_p = (the phase's taps ky = ky0 + t*sh, kx likewise) x Co, A read from dy, B = W with in/out swapped.
// One dispatch covers all phases (workgroupId.z = phase); the GEMM is tiled in workgroup memory by
// tiled_gemm_wgsl.ts. Stride 1 is the one-phase case (a forward conv of dy with the flipped filter).
//
// Differs from stock (tfjs-backend-webgpu 4.22): its default (WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE) is one thread
// per dx element looping over every tap and skipping those whose division by the stride is inexact, with no
// reuse through workgroup memory; its matmul variant (flag false) still walks all FH*FW taps for every phase,
// 3/4 of them zero at stride 2. Here every loaded value is reused 4x per thread and 16-64x per workgroup, and
// stride-2 layers do 1/4 of the multiply-adds of the naive forms. NHWC float32, dilation 1 (tfjs' attrs).
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { type InputGradAttrs, inputGradConvInfo, pair } from '../conv2d_gradient_attrs.js';
import {
  chooseGemmTiling,
  type GemmLoadOrder,
  type GemmTiling,
  gemmKey,
  gemmWorkgroupSize,
  tiledGemmMain,
} from './tiled_gemm_wgsl.js';
import { assertFloat32NHWC, type ProgramUniforms } from './webgpu_kernel_utils.js';

const KERNEL = 'Conv2DBackpropInput (webgpu, batch-shaping)';

class Conv2DBackpropInputGemmProgram implements WebGPUProgram {
  variableNames = ['dy', 'W'];
  outputShape: number[];
  shaderKey: string;
  /** Marks the dispatch as 3-D (columns, rows, phases); the shader indexes by workgroup id itself. */
  dispatchLayout = { x: [0], y: [1], z: [2] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms =
    'pad : vec2<i32>, stride : vec2<i32>, filterHW : vec2<i32>, numKTiles : i32, rowTileOffset : i32,';
  private readonly tiling: GemmTiling;
  // A (dy) and B (W) are both contiguous along Co, the fastest part of k.
  private readonly order: GemmLoadOrder = { a: 'k', b: 'k' };

  /**
   * `phaseRows`: the most positions any phase has (N * ceil(H/sh) * ceil(W/sw)); `rowTiles`: how many row tiles
   * this dispatch covers (default all; fewer when they exceed the device's dispatch limit, see the kernel).
   */
  constructor(inputShape: number[], phaseRows: number, phases: number, rowTiles?: number) {
    const inC = inputShape[3]!;
    this.outputShape = inputShape;
    this.tiling = chooseGemmTiling(phaseRows, inC);
    this.workgroupSize = gemmWorkgroupSize(this.tiling);
    const tiles = rowTiles ?? Math.ceil(phaseRows / this.tiling.tileM);
    this.dispatch = [Math.ceil(inC / this.tiling.tileN), tiles, phases];
    this.shaderKey = `batchShapingConv2DBackpropInputGemm_${gemmKey(this.tiling, this.order)}`;
  }

  get tileK(): number {
    return this.tiling.tileK;
  }

  get tileM(): number {
    return this.tiling.tileM;
  }

  getUserCode(): string {
    const { tileM, tileK } = this.tiling;
    return `
  // This workgroup's phase (py, px): its first tap, tap count, positions, and offset between q and o.
  var<private> phaseY : i32;
  var<private> phaseX : i32;
  var<private> tap0 : vec2<i32>;
  var<private> taps : vec2<i32>;
  var<private> qDims : vec2<i32>;
  var<private> qToO : vec2<i32>;
  var<private> phaseRows : i32;
  var<private> phaseK : i32;
  // Per row m of the tile (position n, qy, qx): n * OH (-1: no row), qy + qToO.y, qx + qToO.x, and where
  // the row's dx lies.
  var<workgroup> rowN : array<i32, ${tileM}>;
  var<workgroup> rowOy : array<i32, ${tileM}>;
  var<workgroup> rowOx : array<i32, ${tileM}>;
  var<workgroup> rowOut : array<i32, ${tileM}>;
  // Per k of the current tile (tap ty, tx and output channel co): co (-1: past the phase's K), ty, tx, and
  // W's index at (ky, kx, 0, co).
  var<workgroup> kCo : array<i32, ${tileK}>;
  var<workgroup> kTy : array<i32, ${tileK}>;
  var<workgroup> kTx : array<i32, ${tileK}>;
  var<workgroup> kW : array<i32, ${tileK}>;

  fn gemmPrologue() {
    let sh = uniforms.stride.x;
    let sw = uniforms.stride.y;
    let phase = i32(workgroupId.z);
    phaseY = phase / sw;
    phaseX = phase - phaseY * sw;
    tap0 = vec2<i32>((phaseY + uniforms.pad.x) % sh, (phaseX + uniforms.pad.y) % sw);
    taps = max(vec2<i32>(0), (uniforms.filterHW - tap0 + uniforms.stride - vec2<i32>(1)) / uniforms.stride);
    qDims = (uniforms.outShape.yz - vec2<i32>(phaseY, phaseX) + uniforms.stride - vec2<i32>(1)) / uniforms.stride;
    qToO = (vec2<i32>(phaseY, phaseX) + uniforms.pad - tap0) / uniforms.stride;
    phaseRows = uniforms.outShape.x * qDims.x * qDims.y;
    phaseK = taps.x * taps.y * uniforms.dyShape.w;
  }

  fn gemmWorkgroupSetup(tid : i32, rowBase : i32, colBase : i32) {
    if (tid < ${tileM}) {
      let m = rowBase + tid;
      let r = m / max(qDims.y, 1);
      let b = r / max(qDims.x, 1);
      let qy = r - b * qDims.x;
      let qx = m - r * qDims.y;
      rowN[tid] = select(-1, b * uniforms.dyShape.y, m < phaseRows);
      rowOy[tid] = qy + qToO.x;
      rowOx[tid] = qx + qToO.y;
      let iy = phaseY + qy * uniforms.stride.x;
      let ix = phaseX + qx * uniforms.stride.y;
      rowOut[tid] = ((b * uniforms.outShape.y + iy) * uniforms.outShape.z + ix) * uniforms.outShape.w;
    }
  }

  fn gemmTileSetup(tid : i32, k0 : i32, kEnd : i32) {
    if (tid < ${tileK}) {
      let k = k0 + tid;
      let outC = uniforms.dyShape.w;
      let t = k / outC;
      let ty = t / max(taps.y, 1);
      let tx = t - ty * taps.y;
      kCo[tid] = select(-1, k - t * outC, k < phaseK);
      kTy[tid] = ty;
      kTx[tid] = tx;
      let ky = tap0.x + ty * uniforms.stride.x;
      let kx = tap0.y + tx * uniforms.stride.y;
      kW[tid] = (ky * uniforms.filterHW.y + kx) * uniforms.outShape.w * outC + (k - t * outC);
    }
  }

  // A[m, k] = dy at the phase position m = (n, qy, qx) and the tap/channel k = (ty, tx, co)
  fn gemmA(mm : i32, kk : i32, m : i32, k : i32) -> f32 {
    let co = kCo[kk];
    let oy = rowOy[mm] - kTy[kk];
    let ox = rowOx[mm] - kTx[kk];
    if (co < 0 || rowN[mm] < 0 || oy < 0 || oy >= uniforms.dyShape.y || ox < 0 || ox >= uniforms.dyShape.z) {
      return 0.0;
    }
    return dy[((rowN[mm] + oy) * uniforms.dyShape.z + ox) * uniforms.dyShape.w + co];
  }

  // B[k, ci] = W[ky, kx, ci, co] at the phase's tap (ky, kx) = tap0 + (ty, tx) * stride
  fn gemmB(kk : i32, nn : i32, k : i32, n : i32) -> f32 {
    if (kCo[kk] < 0 || n >= uniforms.outShape.w) { return 0.0; }
    return W[kW[kk] + n * uniforms.dyShape.w];
  }

  fn gemmStore(mm : i32, nn : i32, m : i32, n : i32, v : f32) {
    if (rowN[mm] >= 0 && n < uniforms.outShape.w) {
      result[rowOut[mm] + n] = v;
    }
  }
${tiledGemmMain(this.tiling, this.order, {
  numKTiles: 'uniforms.numKTiles',
  kBegin: '0',
  kEnd: 'phaseK',
  rowTileOffset: 'uniforms.rowTileOffset',
})}`;
  }
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}

function conv2dBackpropInputWebgpu(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as unknown as WebGPUBackend;
  const dy = args.inputs.dy!;
  const filter = args.inputs.filter!;
  const attrs = args.attrs as unknown as InputGradAttrs;
  assertFloat32NHWC(KERNEL, { dy, filter }, attrs.dataFormat);
  const [strideH, strideW] = pair(attrs.strides);
  const info = inputGradConvInfo(filter.shape, attrs);
  const [batch, outH, outW, outC] = dy.shape as [number, number, number, number];
  if (
    batch !== info.batchSize ||
    outH !== info.outHeight ||
    outW !== info.outWidth ||
    outC !== info.outChannels
  ) {
    throw new Error(
      `${KERNEL}: input 'dy' must have shape [${info.batchSize}, ${info.outHeight}, ${info.outWidth}, ${info.outChannels}] (the forward conv's output for inputShape [${attrs.inputShape}]); got [${dy.shape}]`,
    );
  }
  const { filterHeight: fh, filterWidth: fw } = info;
  const phaseRows = batch * Math.ceil(info.inHeight / strideH) * Math.ceil(info.inWidth / strideW);
  const phases = strideH * strideW;
  const whole = new Conv2DBackpropInputGemmProgram(attrs.inputShape, phaseRows, phases);
  const limit = backend.device.limits.maxComputeWorkgroupsPerDimension;
  if (whole.dispatch[0] > limit || phases > limit) {
    throw new Error(
      `${KERNEL}: input 'filter' of shape [${filter.shape}] with strides [${strideH}, ${strideW}] needs a dispatch of [${whole.dispatch}] workgroups; the device allows ${limit} per dimension`,
    );
  }
  const kMax = Math.ceil(fh / strideH) * Math.ceil(fw / strideW) * outC;
  const uniforms = (rowTileOffset: number): ProgramUniforms => [
    { type: 'int32', data: [info.padInfo.top, info.padInfo.left] },
    { type: 'int32', data: [strideH, strideW] },
    { type: 'int32', data: [fh, fw] },
    { type: 'int32', data: [Math.ceil(kMax / whole.tileK)] },
    { type: 'int32', data: [rowTileOffset] },
  ];
  // More row tiles than one dispatch dimension allows (e.g. 4.2M positions at 64 per tile): several dispatches
  // of the same program, each covering a slab of row tiles, all writing into one output.
  const rowTiles = whole.dispatch[1];
  if (rowTiles <= limit) return backend.runWebGPUProgram(whole, [dy, filter], 'float32', uniforms(0));
  let out: tf.TensorInfo | undefined;
  for (let offset = 0; offset < rowTiles; offset += limit) {
    const slab = new Conv2DBackpropInputGemmProgram(
      attrs.inputShape,
      phaseRows,
      phases,
      Math.min(limit, rowTiles - offset),
    );
    out = backend.runWebGPUProgram(slab, [dy, filter], 'float32', uniforms(offset), out);
  }
  return out!;
}

export const conv2dBackpropInputWebgpuConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'webgpu',
  kernelFunc: conv2dBackpropInputWebgpu as unknown as tf.KernelFunc,
};
