// Typed access to simd/gather_channels.wat (gathering a conv weight's output or input channels on the backend's
// heap).
import { simdModule } from '../simd_module.js';
import type { BackendWasm } from '../wasm_kernel_utils.js';
import { BINARY } from './gather_channels_wasm.js';

/** The exports of gather_channels.wat (pointers are byte offsets on the backend's heap). */
export interface GatherChannelsKernels {
  gatherColumns(
    src: number,
    idx: number,
    dst: number,
    rows: number,
    cols: number,
    k: number,
    width: number,
  ): void;
  gatherRows(src: number, idx: number, dst: number, taps: number, cin: number, k: number, len: number): void;
  /** The same, packed per 16 output channels: [width/16, rows, 16] and [len/16, taps, k, 16]. */
  gatherColumnsPacked: GatherChannelsKernels['gatherColumns'];
  gatherRowsPacked: GatherChannelsKernels['gatherRows'];
  /** gatherColumnsPacked from the weight in OHWI, src [cols, rows]: [width/16, rows, 16]. */
  gatherOhwiPacked(src: number, idx: number, dst: number, rows: number, k: number, width: number): void;
}

/** gather_channels.wat on this backend's heap, or undefined (simdUnavailable('gather_channels') says why). */
export function gatherChannelsKernels(backend: BackendWasm): GatherChannelsKernels | undefined {
  return simdModule<GatherChannelsKernels>(backend, BINARY);
}
