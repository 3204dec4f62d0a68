// Patches of an NHWC image as the columns of a matrix (im2col, transposed): the layout that lets a convolution
// run as W [Cout, kh*kw*Cin] x P [kh*kw*Cin, N*OH*OW] with the weights as the matmul's left operand. On XNNPACK
// (tfjs wasm) the right operand of a product is packed anew whenever it is a new tensor, the left one is read
// as it is; for a small feature map (7x7 at batch 1) the patches are several times smaller than the gathered
// weights, so packing them instead is what makes skipping channels pay there (skip_policy.ts).
// Rows are ordered (ky, kx, c) like a flattened HWIO filter; columns (n, oy, ox). Zero padding, any stride and
// dilation. Host memory only: a wasm or cpu tensor's data is a copy away.
import { convOutSize } from '../layers/layer_cost.js';

export interface PatchGeometry {
  kernel: number;
  stride: number;
  pad: number;
  dilation: number;
}

export interface Patches {
  /** [kernel * kernel * C, N * outH * outW] row-major. */
  data: Float32Array;
  rows: number;
  cols: number;
  outH: number;
  outW: number;
}

/**
 * x: NHWC float32 data of shape [n, h, w, c]. `alloc` (default: a new Float32Array) gives the array the patches
 * are written to, of the length asked for; its contents are overwritten.
 */
export function im2colTransposed(
  x: Float32Array,
  shape: readonly [number, number, number, number],
  g: PatchGeometry,
  alloc: (length: number) => Float32Array = (length) => new Float32Array(length),
): Patches {
  const [n, h, w, c] = shape;
  if (x.length !== n * h * w * c) {
    throw new Error(
      `im2colTransposed: argument 'x' has ${x.length} values, shape [${shape}] needs ${n * h * w * c}`,
    );
  }
  const { kernel: k, stride, pad, dilation } = g;
  const outH = convOutSize(h, k, stride, pad, dilation);
  const outW = convOutSize(w, k, stride, pad, dilation);
  const rows = k * k * c;
  const cols = n * outH * outW;
  const data = alloc(rows * cols).fill(0); // 0: the padding
  for (let ky = 0; ky < k; ky++) {
    for (let kx = 0; kx < k; kx++) {
      const tapRow = (ky * k + kx) * c;
      for (let b = 0; b < n; b++) {
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * stride - pad + ky * dilation;
          if (iy < 0 || iy >= h) continue;
          for (let ox = 0; ox < outW; ox++) {
            const ix = ox * stride - pad + kx * dilation;
            if (ix < 0 || ix >= w) continue;
            const col = (b * outH + oy) * outW + ox;
            const src = ((b * h + iy) * w + ix) * c;
            for (let ch = 0; ch < c; ch++) data[(tapRow + ch) * cols + col] = x[src + ch]!;
          }
        }
      }
    }
  }
  return { data, rows, cols, outH, outW };
}
