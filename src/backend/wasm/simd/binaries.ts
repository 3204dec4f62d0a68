// Every SIMD module of this folder, in a fixed order: the pool's workers (the worker source in simd_pool.ts) instantiate them
// all at start, and a job names its module by its index here.
import type { SimdBinary } from '../simd_module.js';
import { BINARY as CONV } from './conv_wasm.js';

export const SIMD_BINARIES: readonly SimdBinary[] = [CONV];
