// Conv2DBackpropFilter as one matrix product on the wasm heap: dW = P dy, with P the patches of x laid out
// transposed (im2col, rows (fh, fw, ci), columns (n, oh, ow)):
//   P  [FH*FW*Ci, N*OH*OW]  x  dy [N*OH*OW, Co]  ->  dW [FH*FW*Ci, Co] = [FH, FW, Ci, Co]
// Neither operand is transposed, so the product takes XNNPACK's fast fully-connected path (through our
// BatchMatMul) and the result is already in HWIO order; dy, the operand XNNPACK packs, is the small one.
// x is first transposed to [Ci, N, H, W] (the backend's Transpose) so each row of P is read from one
// contiguous image row per (n, oh); the rows are then copied in a JS loop straight into P on the heap.
// Not from a paper: the textbook im2col + GEMM form of the weight gradient.
import type { BackendWasm, TensorInfo } from './wasm_kernel_utils.js';
import { disposeInfo, heapView, reshapeInfo, runWasmKernel, transposeInfo } from './wasm_kernel_utils.js';

/** The forward conv's geometry, as the filter gradient needs it. */
export interface FilterGradGeometry {
  filterHeight: number;
  filterWidth: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
}

/** First and one-past-last output column whose input column ow*stride + offset lies in [0, size). */
function validRange(outSize: number, size: number, stride: number, offset: number): [number, number] {
  const lo = Math.min(outSize, Math.max(0, Math.ceil(-offset / stride)));
  const hi = Math.max(lo, Math.min(outSize, Math.ceil((size - offset) / stride)));
  return [lo, hi];
}

/** Patch columns (n, oh, ow) of xT [Ci, N, H, W] into dst [FH*FW*Ci, N*OH*OW], zeros for the padding. */
function fillPatches(
  src: Float32Array,
  dst: Float32Array,
  [batch, inH, inW, inC]: readonly [number, number, number, number],
  [outH, outW]: readonly [number, number],
  g: FilterGradGeometry,
): void {
  const { filterHeight: fh, filterWidth: fw, strideH, strideW } = g;
  const cols = batch * outH * outW;
  const plane = inH * inW;
  for (let ky = 0; ky < fh; ky++) {
    const rowOffset = ky * g.dilationH - g.padTop;
    const [oy0, oy1] = validRange(outH, inH, strideH, rowOffset);
    for (let kx = 0; kx < fw; kx++) {
      const colOffset = kx * g.dilationW - g.padLeft;
      const [ox0, ox1] = validRange(outW, inW, strideW, colOffset);
      for (let c = 0; c < inC; c++) {
        let d = ((ky * fw + kx) * inC + c) * cols;
        for (let b = 0; b < batch; b++) {
          const image = (c * batch + b) * plane;
          for (let oy = 0; oy < outH; oy++, d += outW) {
            if (oy < oy0 || oy >= oy1) {
              dst.fill(0, d, d + outW);
              continue;
            }
            for (let ox = 0; ox < ox0; ox++) dst[d + ox] = 0;
            let s = image + (oy * strideH + rowOffset) * inW + ox0 * strideW + colOffset;
            if (strideW === 1) {
              for (let ox = ox0; ox < ox1; ox++) dst[d + ox] = src[s++]!;
            } else {
              for (let ox = ox0; ox < ox1; ox++, s += strideW) dst[d + ox] = src[s]!;
            }
            for (let ox = ox1; ox < outW; ox++) dst[d + ox] = 0;
          }
        }
      }
    }
  }
}

/** P [rows, N*OH*OW] (any stride, dilation and padding) and dy as [N*OH*OW, Co]. */
function gatheredPatches(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: FilterGradGeometry) {
  const xShape = x.shape as [number, number, number, number];
  const [batch, , , inC] = xShape;
  const [, outH, outW, outC] = dy.shape as [number, number, number, number];
  const rows = g.filterHeight * g.filterWidth * inC;
  const cols = batch * outH * outW;
  const xT = transposeInfo(backend, x, [3, 0, 1, 2]); // [Ci, N, H, W]
  const patches = backend.makeOutput([1, rows, cols], 'float32');
  // Views after both allocations (the heap may have grown and moved).
  fillPatches(
    heapView(backend, xT) as Float32Array,
    heapView(backend, patches) as Float32Array,
    xShape,
    [outH, outW],
    g,
  );
  disposeInfo(backend, xT);
  return { patches, dyCols: reshapeInfo(backend, dy, [1, cols, outC]) };
}

/** dW [FH, FW, Ci, Co] of the conv x [N, H, W, Ci] -> dy [N, OH, OW, Co] (float32, NHWC). */
export function gemmFilterGrad(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, g: FilterGradGeometry) {
  const { patches, dyCols } = gatheredPatches(backend, x, dy, g);
  const prod = runWasmKernel(
    'BatchMatMul',
    backend,
    { a: patches, b: dyCols },
    { transposeA: false, transposeB: false },
  ); // [1, FH*FW*Ci, Co]
  disposeInfo(backend, patches);
  disposeInfo(backend, dyCols);
  const dw = reshapeInfo(backend, prod, [g.filterHeight, g.filterWidth, x.shape[3]!, dy.shape[3]!]);
  disposeInfo(backend, prod);
  return dw;
}
