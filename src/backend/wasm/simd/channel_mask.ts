// Typed access to simd/channel_mask.wat (a [N, C] channel mask applied to [N, H, W, C], forward and backward,
// in SIMD on the backend's heap; see that file).
import { simdModule, simdUnavailable } from '../simd_module.js';
import type { BackendWasm } from '../wasm_kernel_utils.js';
import { BINARY } from './channel_mask_wasm.js';

/** The exports of channel_mask.wat (pointers are byte offsets on the backend's heap). */
export interface ChannelMaskKernels {
  maskForward(h: number, m: number, y: number, batch: number, pixels: number, channels: number): void;
  maskBackward(
    dy: number,
    h: number,
    m: number,
    dh: number,
    dm: number,
    batch: number,
    pixels: number,
    channels: number,
  ): void;
}

/** channel_mask.wat on this backend's heap, or undefined (channelMaskKernelsUnavailable() says why). */
export function channelMaskKernels(backend: BackendWasm): ChannelMaskKernels | undefined {
  return simdModule<ChannelMaskKernels>(backend, BINARY);
}

export function channelMaskKernelsUnavailable(): string | undefined {
  return simdUnavailable(BINARY.name);
}
