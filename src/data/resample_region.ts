// The one resampler behind every geometric augmentation: maps an axis-aligned region of the source
// image (in continuous pixel coordinates, possibly partly outside the image) onto an output grid,
// optionally mirrored, bilinear for images and nearest for masks, fusing the per-channel normalisation.
// Conventions follow PyTorch's interpolate(align_corners=False) / torchvision resized_crop: output pixel
// centre j maps to source x = x0 + (j + 0.5) * w / outW - 0.5. Unlike torchvision (antialias=True for
// tensors) there is no antialiasing prefilter on downscaling; crops of ImageNet-size shards are scaled
// by modest factors, where the difference is small, and this keeps one pass per output pixel.
// Source pixels outside the image read as `fill` (torchvision pads with 0 before normalising).
import type { SampleInput, SampleOutput } from './sample_transform.js';
import { IGNORE_INDEX } from './schema.js';

/** Continuous source rectangle: covers [y0, y0 + h) x [x0, x0 + w) in pixel units. */
export interface Region {
  y0: number;
  x0: number;
  h: number;
  w: number;
}

export interface ResampleImageArgs {
  /** uint8 [H, W, C]. */
  src: Uint8Array;
  srcH: number;
  srcW: number;
  channels: number;
  region: Region;
  /** float32 [outH, outW, C]. */
  out: Float32Array;
  outH: number;
  outW: number;
  /** Mirror left-right. */
  flip: boolean;
  /** Per channel: out = pixel * scale + bias. */
  scale: Float32Array;
  bias: Float32Array;
  /** Pixel value (before normalisation) outside the source image. */
  fill?: number;
}

// The loops below index without bounds checks; these sizes are what makes every index provably in range.
function checkLength(fn: string, name: string, actual: number, expected: number): void {
  if (actual < expected) {
    throw new Error(`${fn}: '${name}' must hold at least ${expected} elements; got ${actual}`);
  }
}

// Per output coordinate: the two source indices, the weight of the second, and whether it is inside.
function axisTable(start: number, extent: number, outN: number, srcN: number) {
  const i0 = new Int32Array(outN);
  const i1 = new Int32Array(outN);
  const wt = new Float32Array(outN);
  const inside = new Uint8Array(outN);
  const step = extent / outN;
  for (let j = 0; j < outN; j++) {
    const s = start + (j + 0.5) * step - 0.5;
    if (s < -0.5 || s >= srcN - 0.5) continue; // same inside test as nearestTable
    const c = Math.min(Math.max(s, 0), srcN - 1);
    const f = Math.floor(c);
    i0[j] = f;
    i1[j] = Math.min(f + 1, srcN - 1);
    wt[j] = c - f;
    inside[j] = 1;
  }
  return { i0, i1, wt, inside };
}

/** Bilinear resample of `region` of an HWC uint8 image into a normalised float32 HWC output. */
export function resampleImage(a: ResampleImageArgs): void {
  const { src, srcW, channels: C, out, outH, outW, scale, bias, flip } = a;
  const fill = a.fill ?? 0;
  checkLength('resampleImage', 'src', src.length, a.srcH * srcW * C);
  checkLength('resampleImage', 'out', out.length, outH * outW * C);
  checkLength('resampleImage', 'scale', scale.length, C);
  checkLength('resampleImage', 'bias', bias.length, C);
  const ys = axisTable(a.region.y0, a.region.h, outH, a.srcH);
  const xs = axisTable(a.region.x0, a.region.w, outW, srcW);
  // Column tables in element units, and the output column each source column goes to (mirroring).
  const c0s = new Int32Array(outW);
  const c1s = new Int32Array(outW);
  const dst = new Int32Array(outW);
  for (let j = 0; j < outW; j++) {
    c0s[j] = xs.i0[j]! * C;
    c1s[j] = xs.i1[j]! * C;
    dst[j] = (flip ? outW - 1 - j : j) * C;
  }
  const fills = Float32Array.from(scale, (sc, c) => fill * sc + bias[c]!);
  const rowStride = srcW * C;
  for (let i = 0; i < outH; i++) {
    const outRow = i * outW * C;
    if (!ys.inside[i]) {
      for (let j = 0; j < outW * C; j++) out[outRow + j] = fills[j % C]!;
      continue;
    }
    const r0 = ys.i0[i]! * rowStride;
    const r1 = ys.i1[i]! * rowStride;
    const wy = ys.wt[i]!;
    if (C === 3) {
      // The common RGB case unrolled: this loop is the loader's hot path.
      const s0 = scale[0]!;
      const s1 = scale[1]!;
      const s2 = scale[2]!;
      const b0 = bias[0]!;
      const b1 = bias[1]!;
      const b2 = bias[2]!;
      for (let j = 0; j < outW; j++) {
        const o = outRow + dst[j]!;
        if (!xs.inside[j]) {
          out[o] = fills[0]!;
          out[o + 1] = fills[1]!;
          out[o + 2] = fills[2]!;
          continue;
        }
        const a0 = r0 + c0s[j]!;
        const a1 = r0 + c1s[j]!;
        const d0 = r1 + c0s[j]!;
        const d1 = r1 + c1s[j]!;
        const wx = xs.wt[j]!;
        let top = src[a0]! + (src[a1]! - src[a0]!) * wx;
        let bot = src[d0]! + (src[d1]! - src[d0]!) * wx;
        out[o] = (top + (bot - top) * wy) * s0 + b0;
        top = src[a0 + 1]! + (src[a1 + 1]! - src[a0 + 1]!) * wx;
        bot = src[d0 + 1]! + (src[d1 + 1]! - src[d0 + 1]!) * wx;
        out[o + 1] = (top + (bot - top) * wy) * s1 + b1;
        top = src[a0 + 2]! + (src[a1 + 2]! - src[a0 + 2]!) * wx;
        bot = src[d0 + 2]! + (src[d1 + 2]! - src[d0 + 2]!) * wx;
        out[o + 2] = (top + (bot - top) * wy) * s2 + b2;
      }
      continue;
    }
    for (let j = 0; j < outW; j++) {
      const o = outRow + dst[j]!;
      if (!xs.inside[j]) {
        for (let c = 0; c < C; c++) out[o + c] = fills[c]!;
        continue;
      }
      const c0 = c0s[j]!;
      const c1 = c1s[j]!;
      const wx = xs.wt[j]!;
      for (let c = 0; c < C; c++) {
        const top = src[r0 + c0 + c]! + (src[r0 + c1 + c]! - src[r0 + c0 + c]!) * wx;
        const bot = src[r1 + c0 + c]! + (src[r1 + c1 + c]! - src[r1 + c0 + c]!) * wx;
        out[o + c] = (top + (bot - top) * wy) * scale[c]! + bias[c]!;
      }
    }
  }
}

export interface ResampleMaskArgs {
  /** uint8 [H, W]. */
  src: Uint8Array;
  srcH: number;
  srcW: number;
  region: Region;
  /** uint8 [outH, outW]. */
  out: Uint8Array;
  outH: number;
  outW: number;
  flip: boolean;
  /** Value outside the source (255 = ignore). */
  fill: number;
}

// Nearest source index for each output coordinate (the source pixel containing the sample point), -1 outside.
function nearestTable(start: number, extent: number, outN: number, srcN: number): Int32Array {
  const idx = new Int32Array(outN);
  const step = extent / outN;
  for (let j = 0; j < outN; j++) {
    const f = Math.floor(start + (j + 0.5) * step);
    idx[j] = f >= 0 && f < srcN ? f : -1;
  }
  return idx;
}

/** Nearest-neighbour resample of a label mask over the same region/flip as resampleImage. */
export function resampleMask(a: ResampleMaskArgs): void {
  checkLength('resampleMask', 'src', a.src.length, a.srcH * a.srcW);
  checkLength('resampleMask', 'out', a.out.length, a.outH * a.outW);
  const ys = nearestTable(a.region.y0, a.region.h, a.outH, a.srcH);
  const xs = nearestTable(a.region.x0, a.region.w, a.outW, a.srcW);
  for (let i = 0; i < a.outH; i++) {
    const outRow = i * a.outW;
    const y = ys[i]!;
    for (let j = 0; j < a.outW; j++) {
      const x = xs[j]!;
      a.out[outRow + (a.flip ? a.outW - 1 - j : j)] = y < 0 || x < 0 ? a.fill : a.src[y * a.srcW + x]!;
    }
  }
}

/**
 * Resamples one sample's image (bilinear, normalised with `coeffs`) and, when both input and output have one,
 * its mask (nearest, outside = ignore) through the same region and flip, so they stay aligned.
 */
export function resampleSample(
  input: SampleInput,
  out: SampleOutput,
  geometry: { region: Region; outH: number; outW: number; flip: boolean },
  coeffs: { scale: Float32Array; bias: Float32Array },
): void {
  const [srcH, srcW, channels] = input.shape;
  const { region, outH, outW, flip } = geometry;
  resampleImage({
    src: input.image,
    srcH,
    srcW,
    channels,
    region,
    out: out.image,
    outH,
    outW,
    flip,
    ...coeffs,
  });
  if (input.mask && out.mask) {
    resampleMask({
      src: input.mask,
      srcH,
      srcW,
      region,
      out: out.mask,
      outH,
      outW,
      flip,
      fill: IGNORE_INDEX,
    });
  }
}
