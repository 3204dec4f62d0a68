// Conv2DBackpropInput for the wasm backend. The stock tfjs-backend-wasm kernel is a scalar C++ loop (about
// 3 GFLOP/s against about 25 for the XNNPACK forward conv), and it was half of a ResNet training step.
// Not from a paper: the transposed convolution written as a forward one, run by the backend's XNNPACK Conv2D:
//   dx = conv2d(zero-insert(dy, stride), flip_hw(W) with in/out swapped, stride 1, padding (K - 1 - pad))
// Zero insertion (stride > 1) wastes stride^2 multiplies on zeros; it is still several times faster than
// the stock loop; it remains the fallback for every stride and padding. Two faster special cases: equal
// strides > 1 use the sub-pixel form (one conv over dy per output phase, with that phase's taps only, copied
// into dx), and unpadded 1x1 kernels (projection shortcuts) multiply at dy's resolution and spread.
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

/** The registered Conv2D of x with filter (HWIO), stride 1, zero padding [top, bottom] and [left, right]. */
function convStride1(
  backend: WasmKernelArgs['backend'],
  x: TensorInfo,
  filter: TensorInfo,
  rows: [number, number],
  cols: [number, number],
): TensorInfo {
  return runWasmKernel(
    'Conv2D',
    backend,
    { x, filter },
    { strides: 1, dilations: 1, pad: [[0, 0], rows, cols, [0, 0]], dataFormat: 'NHWC' },
  );
}

/**
 * A filter [TH, TW, Co, Ci] whose tap (u, v) is tap `source(u, v)` (the index kh * FW + kw) of wT [FH, FW, Co, Ci]:
 * each tap a contiguous [Co, Ci] block, copied whole.
 */
function tapsOf(
  backend: WasmKernelArgs['backend'],
  wT: TensorInfo,
  th: number,
  tw: number,
  source: (u: number, v: number) => number,
): TensorInfo {
  const [, , co, ci] = wT.shape as [number, number, number, number];
  const out = backend.makeOutput([th, tw, co, ci], 'float32');
  const src = heapView(backend, wT) as Float32Array; // views after the allocation: the heap may move
  const dst = heapView(backend, out) as Float32Array;
  const tap = co * ci;
  for (let u = 0; u < th; u++) {
    for (let v = 0; v < tw; v++) {
      const from = source(u, v) * tap;
      dst.set(src.subarray(from, from + tap), (u * tw + v) * tap);
    }
  }
  return out;
}

/**
 * flip_hw(W) with input and output channels swapped: [FH, FW, Co, Ci], whose tap (kh, kw) is W's tap
 * (FH-1-kh, FW-1-kw) transposed. One XNNPACK transpose, then the taps copied in reverse order (each a contiguous
 * [Co, Ci] block). The wasm Reverse kernel this replaces took ~30 ns per element (71 ms for ResNet-18's
 * 3x3x512x512 filter, more than the conv that follows).
 */
function flippedSwapped(backend: WasmKernelArgs['backend'], filter: TensorInfo): TensorInfo {
  const [fh, fw] = filter.shape as [number, number, number, number];
  const wT = transposeInfo(backend, filter, [0, 1, 3, 2]); // [FH, FW, Co, Ci], taps in W's order
  const out = tapsOf(backend, wT, fh, fw, (u, v) => (fh - 1 - u) * fw + (fw - 1 - v));
  disposeInfo(backend, wT);
  return out;
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
 * kh = r_a + s*t, so dx[s*i + a] = sum_t dy[i - c_a - t] W[r_a + s*t]. Each of the s^2 phases (a, b) is one
 * forward conv over dy with its own taps only (3x3 / stride 2: 2x2, 2x1, 1x2 and 1x1, the forward conv's 9
 * multiply-adds per element group in all), written into dx's rows s*i + a and columns s*j + b. No pass over a
 * s^2 zero-inserted dy. One conv over all phases with a common window (s^2 * Ci output channels, zero taps
 * included: 16 multiply-adds) took 1.76-2.27x the forward conv's time on ResNet-18's stride-2 layers, these
 * 0.95-1.23x (bench/results/input_grad-before.json, input_grad.json). Returns undefined where a window would
 * need negative padding (the caller then zero-inserts).
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
  const [, outH, outW] = dy.shape as [number, number, number, number];
  const [fh, fw] = filter.shape as [number, number, number, number];
  // Per phase: its taps, the dy offset of its window's first tap (lo, <= 0: top/left padding -lo), its dx lines.
  const axis = (k: number, pad: number, inSize: number) =>
    phases(k, s, pad).map((p, a) => ({ ...p, lo: -p.c - p.taps + 1, lines: Math.ceil((inSize - a) / s) }));
  const rowsP = axis(fh, padTop, inH);
  const colsP = axis(fw, padLeft, inW);
  if ([...rowsP, ...colsP].some((p) => p.taps > 0 && p.lo > 0)) return undefined;
  const wT = transposeInfo(backend, filter, [0, 1, 3, 2]); // [FH, FW, Co, Ci]
  const dx = backend.makeOutput([batch, inH, inW, inC], 'float32');
  if ([...rowsP, ...colsP].some((p) => p.taps === 0 && p.lines > 0)) {
    (heapView(backend, dx) as Float32Array).fill(0); // a phase no tap reaches stays 0
  }
  for (let a = 0; a < s; a++) {
    const pa = rowsP[a]!;
    for (let b = 0; b < s; b++) {
      const pb = colsP[b]!;
      if (pa.taps === 0 || pb.taps === 0 || pa.lines === 0 || pb.lines === 0) continue;
      // Window row u reads dy row i + lo + u = i - c - t: tap t = taps - 1 - u, filter row r + s * t.
      const pf = tapsOf(
        backend,
        wT,
        pa.taps,
        pb.taps,
        (u, v) => (pa.r + s * (pa.taps - 1 - u)) * fw + pb.r + s * (pb.taps - 1 - v),
      );
      const grid = convStride1(
        backend,
        dy,
        pf,
        [-pa.lo, Math.max(0, pa.lines - outH + pa.taps - 1 + pa.lo)],
        [-pb.lo, Math.max(0, pb.lines - outW + pb.taps - 1 + pb.lo)],
      ); // [N, >= lines_a, >= lines_b, Ci]
      disposeInfo(backend, pf);
      // Rows s*i + a, columns s*j + b of dx: one run of Ci floats per pixel.
      const src = heapView(backend, grid) as Float32Array;
      const dst = heapView(backend, dx) as Float32Array;
      const [, gH, gW] = grid.shape as [number, number, number, number];
      for (let n = 0; n < batch; n++) {
        for (let i = 0; i < pa.lines; i++) {
          const dstRow = (n * inH + s * i + a) * inW;
          const srcRow = (n * gH + i) * gW;
          for (let j = 0; j < pb.lines; j++) {
            const from = (srcRow + j) * inC;
            dst.set(src.subarray(from, from + inC), (dstRow + s * j + b) * inC);
          }
        }
      }
      disposeInfo(backend, grid);
    }
  }
  disposeInfo(backend, wT);
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

  const swapped = flippedSwapped(backend, filter); // [FH, FW, Co, Ci]
  let dx = convStride1(backend, up, swapped, [padTop, padBottom], [padLeft, padRight]); // [N, >=H, >=W, Ci]
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
