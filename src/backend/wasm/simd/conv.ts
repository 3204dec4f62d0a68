// Typed access to simd/conv.wat (convolution kernels in SIMD on the backend's heap; see that file).
import { simdModule, simdUnavailable } from '../simd_module.js';
import type { BackendWasm } from '../wasm_kernel_utils.js';
import { BINARY } from './conv_wasm.js';

/** The exports of conv.wat (pointers are byte offsets on the backend's heap). */
export interface ConvKernels {
  filterGrad(
    x: number,
    dy: number,
    dw: number,
    batch: number,
    inH: number,
    inW: number,
    inC: number,
    outH: number,
    outW: number,
    outC: number,
    filterH: number,
    filterW: number,
    strideH: number,
    strideW: number,
    dilationH: number,
    dilationW: number,
    padTop: number,
    padLeft: number,
    rowsPerChunk: number,
    c0: number,
    c1: number,
    o0: number,
    o1: number,
  ): void;
  padNHWC(
    src: number,
    dst: number,
    batch: number,
    inH: number,
    inW: number,
    channels: number,
    top: number,
    bottom: number,
    left: number,
    right: number,
  ): void;
  conv2d(
    x: number,
    filter: number,
    y: number,
    batch: number,
    paddedH: number,
    paddedW: number,
    inC: number,
    outH: number,
    outW: number,
    outC: number,
    filterH: number,
    filterW: number,
    strideH: number,
    strideW: number,
    dilationH: number,
    dilationW: number,
    row0: number,
    row1: number,
  ): void;
}

/** The 8-output-channel variants (same arguments; 4 x 8 register tiles): half-width ResNets. */
export interface ConvKernels {
  filterGrad8: ConvKernels['filterGrad'];
  conv2d8: ConvKernels['conv2d'];
  /** conv2d on a filter packed per 16 output channels, [outC / 16, filterH, filterW, inC, 16]. */
  conv2dPacked: ConvKernels['conv2d'];
}

/** conv.wat on this backend's heap, or undefined (convKernelsUnavailable() says why). */
export function convKernels(backend: BackendWasm): ConvKernels | undefined {
  return simdModule<ConvKernels>(backend, BINARY);
}

export { BINARY as CONV_BINARY };

export function convKernelsUnavailable(): string | undefined {
  return simdUnavailable(BINARY.name);
}
