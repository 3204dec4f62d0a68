// Conv2DBackpropInput for the wasm backend. The stock tfjs-backend-wasm kernel is a scalar C++ loop (about
// 3 GFLOP/s against about 25 for the XNNPACK forward conv), and it was half of a ResNet training step.
// Not from a paper: the transposed convolution written as a forward one, run by the backend's XNNPACK Conv2D:
//   dx = conv2d(zero-insert(dy, stride), flip_hw(W) with in/out swapped, stride 1, padding (K - 1 - pad))
// Zero insertion (stride > 1) wastes stride^2 multiplies on zeros; it is still several times faster than
// the stock loop; it remains the fallback for every stride and padding. Two faster special cases: equal
// strides > 1 use the sub-pixel form (one conv over dy producing all stride^2 output phases, interleaved by
// memcpy), and unpadded 1x1 kernels (projection shortcuts) multiply at dy's resolution and spread.
import * as tf from '@tensorflow/tfjs-core';
import { type InputGradAttrs, inputGradConvInfo, pair } from '../conv2d_gradient_attrs.js';
import {
  assertNHWC,
  disposeInfo,
  heapView,
  reshapeInfo,
  runWasmKernel,
  type TensorInfo,
  transposeInfo,
  type WasmKernelArgs,
} from './wasm_kernel_utils.js';

/**
 * Spreads x [N, H, W, C] to [N, H*sh, W*sw, C] with each value at (h*sh, w*sw) and zeros between (and
 * sh-1 / sw-1 trailing zero rows / columns): x viewed as [N*H, 1, W, 1, C], its two unit axes padded to
 * the strides, read back as [N, H*sh, W*sw, C]. One PadV2 call.
 */
function zeroInsert(backend: WasmKernelArgs['backend'], x: TensorInfo, sh: number, sw: number): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const five = reshapeInfo(backend, x, [n * h, 1, w, 1, c]);
  const padded = runWasmKernel(
    'PadV2',
    backend,
    { x: five },
    {
      paddings: [
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  ); // [N*H, sh, W, sw, C]
  disposeInfo(backend, five);
  const out = reshapeInfo(backend, padded, [n, h * sh, w * sw, c]); // [N, H*sh, W*sw, C]
  disposeInfo(backend, padded);
  return out;
}

/**
 * dx of an unpadded 1x1 conv: dy x W^T at dy's resolution (a 1x1 conv with the transposed filter), then
 * spread by the stride; stride^2 fewer multiply-adds than convolving the zero-inserted dy.
 */
function pointwiseInputGrad(
  backend: WasmKernelArgs['backend'],
  dy: TensorInfo,
  filter: TensorInfo,
  sh: number,
  sw: number,
  inputShape: [number, number, number, number],
): TensorInfo {
  const [batch, inH, inW, inC] = inputShape;
  const wT = transposeInfo(backend, filter, [0, 1, 3, 2]); // [1, 1, Co, Ci]
  const low = runWasmKernel(
    'Conv2D',
    backend,
    { x: dy, filter: wT },
    { strides: 1, pad: 'valid', dilations: 1, dataFormat: 'NHWC' },
  ); // [N, OH, OW, Ci]
  disposeInfo(backend, wT);
  if (sh === 1 && sw === 1) return low;
  const up = zeroInsert(backend, low, sh, sw); // [N, OH*sh, OW*sw, Ci], at least [N, H, W, Ci]
  disposeInfo(backend, low);
  if (up.shape[1] === inH && up.shape[2] === inW) return up;
  const dx = runWasmKernel(
    'Slice',
    backend,
    { x: up },
    { begin: [0, 0, 0, 0], size: [batch, inH, inW, inC] },
  );
  disposeInfo(backend, up);
  return dx;
}

/** Per output phase a in [0, s): filter taps r + s*t (t < taps) reading dy at i - c - t (see subPixelInputGrad). */
interface Phase {
  r: number;
  taps: number;
  c: number;
}

function phases(k: number, s: number, pad: number): Phase[] {
  return Array.from({ length: s }, (_, a) => {
    const r = (((a + pad) % s) + s) % s;
    return { r, taps: r < k ? Math.ceil((k - r) / s) : 0, c: (r - a - pad) / s };
  });
}

/**
 * dx for stride s > 1 without zero insertion ("sub-pixel" form): output row s*i + a only meets filter rows
 * kh = r_a + s*t, so dx[s*i + a] = sum_t dy[i - c_a - t] W[r_a + s*t]. All s^2 phases run as ONE forward conv
 * over dy with a small window and s^2 * Ci output channels (each phase's taps, zero elsewhere), then the
 * phases are interleaved into dx. For 3x3 / stride 2: 16 instead of 36 multiply-adds per dx element
 * group, and no pass over a 4x zero-inserted dy. Returns undefined where the window would need negative
 * padding (the caller then zero-inserts).
 */
function subPixelInputGrad(
  backend: WasmKernelArgs['backend'],
  dy: TensorInfo,
  filter: TensorInfo,
  s: number,
  padTop: number,
  padLeft: number,
  inputShape: [number, number, number, number],
): TensorInfo | undefined {
  const [batch, inH, inW, inC] = inputShape;
  const [, outH, outW, outC] = dy.shape as [number, number, number, number];
  const [fh, fw] = filter.shape as [number, number, number, number];
  const window = (ph: Phase[]) => {
    const used = ph.filter((p) => p.taps > 0);
    const lo = Math.min(...used.map((p) => -p.c - p.taps + 1));
    const hi = Math.max(...used.map((p) => -p.c));
    return { lo, size: hi - lo + 1 };
  };
  const rowsP = phases(fh, s, padTop);
  const colsP = phases(fw, s, padLeft);
  const rows = window(rowsP);
  const cols = window(colsP);
  if (rows.lo > 0 || cols.lo > 0) return undefined;
  // Filter [TwH, TwW, Co, s*s*Ci]; channel (a*s + b)*Ci + ci holds phase (a, b) (DepthToSpace order).
  const phaseC = s * s * inC;
  const w = heapView(backend, filter) as Float32Array; // [FH, FW, Ci, Co]
  const f = new Float32Array(rows.size * cols.size * outC * phaseC);
  for (let u = 0; u < rows.size; u++) {
    for (let v = 0; v < cols.size; v++) {
      for (let a = 0; a < s; a++) {
        const pa = rowsP[a]!;
        const ta = -pa.c - rows.lo - u; // dy row i + lo + u = i - c - t
        if (ta < 0 || ta >= pa.taps) continue;
        const kh = pa.r + s * ta;
        for (let b = 0; b < s; b++) {
          const pb = colsP[b]!;
          const tb = -pb.c - cols.lo - v;
          if (tb < 0 || tb >= pb.taps) continue;
          const kw = pb.r + s * tb;
          for (let ci = 0; ci < inC; ci++) {
            for (let co = 0; co < outC; co++) {
              f[((u * cols.size + v) * outC + co) * phaseC + (a * s + b) * inC + ci] =
                w[((kh * fw + kw) * inC + ci) * outC + co]!;
            }
          }
        }
      }
    }
  }
  const phaseFilter = backend.makeOutput([rows.size, cols.size, outC, phaseC], 'float32', undefined, f);
  const gridH = Math.ceil(inH / s);
  const gridW = Math.ceil(inW / s);
  const padBottom = Math.max(0, gridH - outH + rows.lo + rows.size - 1);
  const padRight = Math.max(0, gridW - outW + cols.lo + cols.size - 1);
  const grid = runWasmKernel(
    'Conv2D',
    backend,
    { x: dy, filter: phaseFilter },
    {
      strides: 1,
      dilations: 1,
      pad: [
        [0, 0],
        [-rows.lo, padBottom],
        [-cols.lo, padRight],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  ); // [N, >=gridH, >=gridW, s*s*Ci]
  disposeInfo(backend, phaseFilter);
  // Interleave the phases (what DepthToSpace does; the wasm one is a per-element loop): for fixed n, i, a and
  // j, the s phases b are s*Ci contiguous floats in the grid and in dx alike, so one memcpy each.
  const dx = backend.makeOutput([batch, inH, inW, inC], 'float32');
  const src = heapView(backend, grid) as Float32Array; // views after the allocation: the heap may move
  const dst = heapView(backend, dx) as Float32Array;
  const [, gH, gW] = grid.shape as [number, number, number, number];
  const run = s * inC;
  for (let n = 0; n < batch; n++) {
    for (let i = 0; i < gH; i++) {
      for (let a = 0; a < s; a++) {
        const y = s * i + a;
        if (y >= inH) break;
        const dstRow = (n * inH + y) * inW * inC;
        const srcRow = (n * gH + i) * gW * phaseC + a * run;
        for (let j = 0; j < gW; j++) {
          const x0 = s * j;
          if (x0 >= inW) break;
          const len = Math.min(s, inW - x0) * inC;
          const from = srcRow + j * phaseC;
          dst.set(src.subarray(from, from + len), dstRow + x0 * inC);
        }
      }
    }
  }
  disposeInfo(backend, grid);
  return dx;
}

function conv2dBackpropInputWasm(args: WasmKernelArgs): TensorInfo {
  const { backend } = args;
  const dy = args.inputs.dy!;
  const filter = args.inputs.filter!;
  const attrs = args.attrs as unknown as InputGradAttrs;
  assertNHWC('Conv2DBackpropInput', attrs.dataFormat);
  const info = inputGradConvInfo(filter.shape, attrs);
  const [batch, inH, inW, inC] = attrs.inputShape;
  const [sh, sw] = pair(attrs.strides);
  const { filterHeight: fh, filterWidth: fw } = info;

  if (fh === 1 && fw === 1 && info.padInfo.top === 0 && info.padInfo.left === 0) {
    return pointwiseInputGrad(backend, dy, filter, sh, sw, attrs.inputShape);
  }
  if (sh > 1 && sh === sw) {
    const dx = subPixelInputGrad(
      backend,
      dy,
      filter,
      sh,
      info.padInfo.top,
      info.padInfo.left,
      attrs.inputShape,
    );
    if (dx !== undefined) return dx;
  }
  const up = sh > 1 || sw > 1 ? zeroInsert(backend, dy, sh, sw) : dy; // [N, OH*sh, OW*sw, Co]

  // Padding of the equivalent forward conv; a negative value (forward padding wider than the kernel) means
  // cropping, done by padding 0 and slicing the result.
  const top = fh - 1 - info.padInfo.top;
  const left = fw - 1 - info.padInfo.left;
  const cropTop = Math.max(0, -top);
  const cropLeft = Math.max(0, -left);
  const padTop = Math.max(0, top);
  const padLeft = Math.max(0, left);
  const padBottom = Math.max(0, cropTop + inH + fh - 1 - up.shape[1]! - padTop);
  const padRight = Math.max(0, cropLeft + inW + fw - 1 - up.shape[2]! - padLeft);

  const flipped = runWasmKernel('Reverse', backend, { x: filter }, { dims: [0, 1] }); // [FH, FW, Ci, Co] flipped
  const swapped = transposeInfo(backend, flipped, [0, 1, 3, 2]); // [FH, FW, Co, Ci]
  disposeInfo(backend, flipped);
  let dx = runWasmKernel(
    'Conv2D',
    backend,
    { x: up, filter: swapped },
    {
      strides: 1,
      dilations: 1,
      pad: [
        [0, 0],
        [padTop, padBottom],
        [padLeft, padRight],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  ); // [N, >=H, >=W, Ci]
  disposeInfo(backend, swapped);
  if (up !== dy) disposeInfo(backend, up);
  if (dx.shape[1] !== inH || dx.shape[2] !== inW) {
    const cropped = runWasmKernel(
      'Slice',
      backend,
      { x: dx },
      { begin: [0, cropTop, cropLeft, 0], size: [batch, inH, inW, inC] },
    );
    disposeInfo(backend, dx);
    dx = cropped;
  }
  return dx;
}

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInputWasm as unknown as tf.KernelFunc,
};
