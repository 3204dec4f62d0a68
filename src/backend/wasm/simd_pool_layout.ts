// The shared control block between the main thread and the SIMD pool's workers (simd_pool.ts,
// its worker source): one slot of Int32 words per worker.
/** Words per worker slot. */
export const SLOT_WORDS = 40;
/** Incremented by the main thread to hand the worker a job (the worker waits on it). */
export const SEQ = 0;
/** Incremented by the worker when the job is done (the main thread waits on it). */
export const DONE = 1;
/** 0: ok; 1: the job threw (the message is in the worker's error port); set before DONE. */
export const FAILED = 2;
/** Index of the module in SIMD_BINARIES. */
export const MODULE = 3;
/** Index of the function in the module's sorted export names. */
export const FUNCTION = 4;
/** Number of i32 arguments that follow. */
export const ARGC = 5;
/** First argument word. */
export const ARGS = 6;
/** Set to 1 by the worker once its modules are instantiated and it waits for jobs (the slot's last word). */
export const READY = SLOT_WORDS - 1;
/** The most arguments a job may pass. */
export const MAX_ARGS = READY - ARGS;
