// Typed access to simd/gate_pool.wat (a gate module's global average pool, as channel sums, in SIMD on the
// backend's heap).
import { simdModule } from '../simd_module.js';
import type { BackendWasm } from '../wasm_kernel_utils.js';
import { BINARY } from './gate_pool_wasm.js';

/** The exports of gate_pool.wat (pointers are byte offsets on the backend's heap). */
export interface GatePoolKernels {
  poolSum(h: number, s: number, batch: number, pixels: number, channels: number): void;
}

/** gate_pool.wat on this backend's heap, or undefined (simdUnavailable('gate_pool') says why). */
export function gatePoolKernels(backend: BackendWasm): GatePoolKernels | undefined {
  return simdModule<GatePoolKernels>(backend, BINARY);
}
