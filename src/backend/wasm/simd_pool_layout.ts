// The shared control block between the main thread and the SIMD pool's workers (simd_pool.ts, its worker source):
// one job at a time, split into parts that the calling thread and the workers claim one by one.
//   [SEQ, CLAIM, COMPLETED, FAILED, MODULE, FUNCTION, ARGC, -, READY x workers, args of part 0, of part 1, ...]
/** Incremented by the main thread when it posts a job (idle workers wait on it). */
export const SEQ = 0;
/**
 * (parts << 16) | next part: whoever swaps it to next + 1 (compareExchange) runs part `next`, while next < parts.
 * The word alone decides a claim, so a worker that wakes late for a finished job claims nothing, or a part of the
 * job posted since (whose description is complete before this word is stored).
 */
export const CLAIM = 1;
/** Parts finished (the main thread waits on it until it equals the job's parts). */
export const COMPLETED = 2;
/** 0: ok; 1: a part threw (a worker's message is on stderr): the parts not yet started are skipped. */
export const FAILED = 3;
/** Index of the module in SIMD_BINARIES. */
export const MODULE = 4;
/** Index of the function in the module's sorted export names. */
export const FUNCTION = 5;
/** Number of i32 arguments of every part. */
export const ARGC = 6;
/** Worker w sets word READY + w to 1 once its modules are instantiated and it waits for jobs. */
export const READY = 8;
/** The most arguments a part may take. */
export const MAX_ARGS = 32;
/** The most parts a job may have. */
export const MAX_PARTS = 256;

/** First word of the part table, for `workers` workers (part p's arguments start at table + p * ARGC). */
export function tableOffset(workers: number): number {
  return READY + workers;
}

/** Int32 words of the control block for `workers` workers. */
export function controlWords(workers: number): number {
  return tableOffset(workers) + MAX_PARTS * MAX_ARGS;
}
