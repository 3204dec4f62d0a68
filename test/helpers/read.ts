// Test reads without synchronous readback (the webgpu backend has none in Node): each awaits `t.data()` /
// `t.array()` and, by default, disposes the tensor it read (tensors made for reading only).
import * as tf from '@tensorflow/tfjs-core';

/** The values of `t` (flat); disposes `t` unless `keep`. */
export async function values(t: tf.Tensor, keep = false): Promise<Float32Array | Int32Array | Uint8Array> {
  const v = (await t.data()) as Float32Array | Int32Array | Uint8Array;
  if (!keep) t.dispose();
  return v;
}

/** The values of `t` as a plain number array; disposes `t` unless `keep`. */
export async function numbers(t: tf.Tensor, keep = false): Promise<number[]> {
  return Array.from(await values(t, keep));
}

/** The first value of `t` (a scalar); disposes `t` unless `keep`. */
export async function scalar(t: tf.Tensor, keep = false): Promise<number> {
  return (await values(t, keep))[0]!;
}

/** The nested array of `t`; disposes `t` unless `keep`. */
export async function nested<T = number[][]>(t: tf.Tensor, keep = false): Promise<T> {
  const a = (await t.array()) as T;
  if (!keep) t.dispose();
  return a;
}

/** Asserts that the async `fn` leaves the number of live tensors unchanged, and returns its result. */
export async function expectNoLeakAsync<T>(fn: () => Promise<T>, what = 'operation'): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`${what} leaked ${after - before} tensor(s)`);
  return result;
}

/**
 * tf.tidy for an async function: tensors made while `fn` runs are disposed when it settles, except the tensors
 * it returns. Tests run one at a time, so no other code makes tensors in between.
 */
export async function tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
  tf.engine().startScope();
  let result: T | undefined;
  try {
    result = await fn();
    return result;
  } finally {
    tf.engine().endScope(result as tf.TensorContainer);
  }
}
