// Our kernel for conditional inference's channel subsets on the wasm backend ('BatchShapingGatherChannels',
// src/inference/folded_conv.ts): the open channels of a conv weight [..., Cin, Cout] gathered where the weight
// lives, on the heap (simd/gather_channels.wat). attrs.axis 'out': output channels (the gated conv's filters;
// columns of the weight), padded with zero filters to attrs.width; 'in': input channels (rows of the conv after
// the gate, one copy each); attrs.packed writes either packed per 16 output channels for our direct conv
// (conv2d.ts, conv.wat's conv2dPacked); attrs.source 'ohwi' gathers packed output channels from the weight laid
// out [Cout, FH, FW, Cin], reading only the open channels' filters (the HWIO gather reads the whole weight). The
// host-side gather it replaces read a host copy in JavaScript and uploaded the result: two passes, and a scalar JS
// loop for the columns. Where our module is unavailable the same loops run
// in JavaScript on the heap.
import * as tf from '@tensorflow/tfjs-core';
import { gatherChannelsKernels } from './simd/gather_channels.js';
import { heapOffset } from './simd_module.js';
import { type BackendWasm, heapView, type TensorInfo, type WasmKernelArgs } from './wasm_kernel_utils.js';

const GATHER_CHANNELS = 'BatchShapingGatherChannels'; // = GATHER_CHANNELS_KERNEL of src/inference/folded_conv.ts

interface Geometry {
  axis: 'out' | 'in';
  /** 'out': rows = taps * Cin, cols = Cout; 'in': taps, Cin and row length Cout. */
  taps: number;
  cin: number;
  cout: number;
  k: number;
  width: number;
  /** Written packed per 16 output channels (conv.wat's conv2dPacked layout). */
  packed: boolean;
  /** The weight is OHWI [Cout, FH, FW, Cin] (attrs.source 'ohwi'; axis 'out', packed only), else HWIO. */
  ohwi: boolean;
}

function geometry(x: TensorInfo, indices: TensorInfo, attrs: Record<string, unknown>): Geometry {
  const axis = attrs.axis;
  const source = attrs.source ?? 'hwio';
  if (source !== 'hwio' && source !== 'ohwi') {
    throw new Error(
      `${GATHER_CHANNELS} (wasm): attribute 'source' must be 'hwio' or 'ohwi'; got ${String(source)}`,
    );
  }
  const ohwi = source === 'ohwi';
  if (ohwi && (axis !== 'out' || attrs.packed !== true || x.shape.length !== 4)) {
    throw new Error(
      `${GATHER_CHANNELS} (wasm): source 'ohwi' gathers output channels, packed, of 'x' [Cout, FH, FW, Cin]; got axis ${String(axis)}, packed ${String(attrs.packed)}, [${x.shape}]`,
    );
  }
  if (
    x.shape.length < 2 ||
    x.dtype !== 'float32' ||
    indices.shape.length !== 1 ||
    indices.dtype !== 'int32'
  ) {
    throw new Error(
      `${GATHER_CHANNELS} (wasm): 'x' must be float32 [..., Cin, Cout] and 'indices' int32 [k]; got ${x.dtype} [${x.shape}], ${indices.dtype} [${indices.shape}]`,
    );
  }
  if (axis !== 'out' && axis !== 'in') {
    throw new Error(`${GATHER_CHANNELS} (wasm): attribute 'axis' must be 'out' or 'in'; got ${String(axis)}`);
  }
  const cout = ohwi ? x.shape[0]! : x.shape.at(-1)!;
  const cin = x.shape.at(ohwi ? -1 : -2)!;
  const k = indices.shape[0]!;
  const width = axis === 'out' ? ((attrs.width as number | undefined) ?? k) : k;
  if (!Number.isInteger(width) || width < k) {
    throw new Error(`${GATHER_CHANNELS} (wasm): attribute 'width' must be an integer >= ${k}; got ${width}`);
  }
  const packed = attrs.packed === true;
  if (packed && (x.shape.length !== 4 || (axis === 'out' ? width : cout) % 16 !== 0)) {
    throw new Error(
      `${GATHER_CHANNELS} (wasm): packed output needs 'x' [FH, FW, Cin, Cout] and ${axis === 'out' ? "'width'" : 'Cout'} a multiple of 16; got [${x.shape}], width ${width}`,
    );
  }
  return { axis, taps: tf.util.sizeFromShape(x.shape) / (cin * cout), cin, cout, k, width, packed, ohwi };
}

/** Every index within the gathered axis (an out-of-range one would read outside the weight). */
function checkIndices(backend: BackendWasm, indices: TensorInfo, bound: number): void {
  const idx = heapView(backend, indices) as Int32Array;
  for (const i of idx) {
    if (!(i >= 0 && i < bound)) {
      throw new Error(`${GATHER_CHANNELS} (wasm): 'indices' must lie in [0, ${bound}); got ${i}`);
    }
  }
}

function gatherChannels({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const x = inputs.x!;
  const indices = inputs.indices!;
  const g = geometry(x, indices, attrs ?? {});
  checkIndices(backend, indices, g.axis === 'out' ? g.cout : g.cin);
  const shape = outputShape(x.shape, g);
  const out = backend.makeOutput(shape, 'float32');
  if (tf.util.sizeFromShape(shape) === 0) return out;
  const simd = gatherChannelsKernels(backend);
  if (simd !== undefined) {
    const [src, idx, dst] = [x, indices, out].map((t) => heapOffset(backend, t.dataId)) as [
      number,
      number,
      number,
    ];
    // On the calling thread: split over our pool, right after XNNPACK's ops (whose idle threads spin on the cores
    // our workers need), the packed gathers took longer (ResNet-34 batch 1 on 2 threads, bench/conditional.ts:
    // 17.4 ms per image against 12.1 ms).
    if (g.ohwi) {
      simd.gatherOhwiPacked(src, idx, dst, g.taps * g.cin, g.k, g.width);
      return out;
    }
    const columns = g.packed ? simd.gatherColumnsPacked : simd.gatherColumns;
    const rows = g.packed ? simd.gatherRowsPacked : simd.gatherRows;
    if (g.axis === 'out') columns(src, idx, dst, g.taps * g.cin, g.cout, g.k, g.width);
    else rows(src, idx, dst, g.taps, g.cin, g.k, g.cout);
    return out;
  }
  gatherChannelsJs(backend, x, indices, out, g);
  return out;
}

/**
 * [..., Cin, width] ('out') or [..., k, Cout] ('in'); packed: [width / 16, FH, FW, Cin, 16] or
 * [Cout / 16, FH, FW, k, 16].
 */
function outputShape(xShape: number[], g: Geometry): number[] {
  if (g.ohwi) return [g.width / 16, ...xShape.slice(1), 16];
  const shape = [...xShape];
  shape[shape.length - (g.axis === 'out' ? 1 : 2)] = g.width;
  if (!g.packed) return shape;
  const channels = shape.pop()!;
  return [channels / 16, ...shape, 16];
}

/** The gather in JavaScript on the heap (where our module is unavailable; exported for its test). */
export function gatherChannelsJs(
  backend: BackendWasm,
  x: TensorInfo,
  indices: TensorInfo,
  out: TensorInfo,
  g: Geometry,
): void {
  const [src, dst] = [heapView(backend, x), heapView(backend, out)] as [Float32Array, Float32Array];
  const idx = heapView(backend, indices) as Int32Array;
  if (g.packed) {
    // dst[b, r, l] = the gathered [r, b * 16 + l] (r over the rows before the channel axis)
    const rows = g.axis === 'out' ? g.taps * g.cin : g.taps * g.k;
    const lanes = g.axis === 'out' ? g.width : g.cout;
    for (let b = 0, d = 0; b < lanes / 16; b++) {
      for (let r = 0; r < rows; r++) {
        for (let l = 0; l < 16; l++, d++) {
          const c = b * 16 + l;
          if (g.ohwi) dst[d] = c < g.k ? src[idx[c]! * rows + r]! : 0;
          else if (g.axis === 'out') dst[d] = c < g.k ? src[r * g.cout + idx[c]!]! : 0;
          else dst[d] = src[(Math.floor(r / g.k) * g.cin + idx[r % g.k]!) * g.cout + c]!;
        }
      }
    }
    return;
  }
  if (g.axis === 'out') {
    for (let r = 0, d = 0; r < g.taps * g.cin; r++) {
      const s = r * g.cout;
      for (let j = 0; j < g.k; j++) dst[d++] = src[s + idx[j]!]!;
      for (let j = g.k; j < g.width; j++) dst[d++] = 0;
    }
    return;
  }
  for (let t = 0, d = 0; t < g.taps; t++) {
    for (let j = 0; j < g.k; j++, d += g.cout) {
      const s = (t * g.cin + idx[j]!) * g.cout;
      dst.set(src.subarray(s, s + g.cout), d);
    }
  }
}

export const gatherChannelsConfig: tf.KernelConfig = {
  kernelName: GATHER_CHANNELS,
  backendName: 'wasm',
  kernelFunc: gatherChannels as unknown as tf.KernelFunc,
};
