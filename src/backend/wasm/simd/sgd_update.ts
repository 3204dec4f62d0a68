// Typed access to simd/sgd_update.wat (one SGD-with-momentum parameter update in SIMD on the backend's heap).
import { simdModule } from '../simd_module.js';
import type { BackendWasm } from '../wasm_kernel_utils.js';
import { BINARY } from './sgd_update_wasm.js';

/** The exports of sgd_update.wat (pointers are byte offsets on the backend's heap). */
export interface SgdUpdateKernels {
  /** flags: 1 = weight decay, 2 = Nesterov. */
  sgdUpdate(
    w: number,
    g: number,
    v: number,
    wOut: number,
    vOut: number,
    size: number,
    lr: number,
    wd: number,
    momentum: number,
    flags: number,
  ): void;
}

/** sgd_update.wat on this backend's heap, or undefined (simdUnavailable('sgd_update') says why). */
export function sgdUpdateKernels(backend: BackendWasm): SgdUpdateKernels | undefined {
  return simdModule<SgdUpdateKernels>(backend, BINARY);
}
