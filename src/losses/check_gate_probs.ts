// Input checks shared by the gate losses: one or several gate-probability tensors [N, C] from gated layers.
//
// Shape and dtype checks are free (metadata). Checking values (in [0, 1], no NaN) needs the data on the host:
// we do it with one fused reduction per call (min, max and NaN count of every layer, concatenated) and a
// single read-back, so the cost is one device sync per loss call, not per layer. Training loops that already
// trust their gates (sigmoid outputs) pass `validate: false` and skip that sync.
// Backends without synchronous readback (webgpu in Node: tensors in GPU memory, reads only through
// `await t.data()`): the value check is skipped there (the losses are synchronous functions); shapes and dtypes
// are still checked. A NaN gate probability still makes the loss NaN, which the trainer's NaN guard stops on.
import * as tf from '@tensorflow/tfjs-core';
import { hasSyncReadback } from '../backend/sync_readback.js';

/** Normalises `gateProbs` (one tensor or a list, one per gated layer) to a checked list of [N, C] tensors. */
export function checkGateProbs(
  fn: string,
  arg: string,
  gateProbs: unknown,
  validateValues: boolean,
): tf.Tensor2D[] {
  const list = Array.isArray(gateProbs) ? gateProbs : [gateProbs];
  const many = Array.isArray(gateProbs);
  if (list.length === 0) {
    throw new Error(`${fn}: argument '${arg}' must be a tensor [N, C] or a non-empty array of them; got []`);
  }
  const name = (i: number) => (many ? `${arg}[${i}]` : arg);
  list.forEach((t, i) => {
    if (!(t instanceof tf.Tensor)) {
      throw new Error(`${fn}: argument '${name(i)}' must be a tf.Tensor [N, C]; got ${describe(t)}`);
    }
    if (t.rank !== 2) {
      throw new Error(
        `${fn}: argument '${name(i)}' must be a rank-2 tensor [N, C] (batch, gates); got rank ${t.rank} with shape [${t.shape}]`,
      );
    }
    if (t.dtype !== 'float32') {
      throw new Error(`${fn}: argument '${name(i)}' must have dtype float32; got ${t.dtype}`);
    }
    const [n, c] = t.shape;
    if (n! < 2) {
      throw new Error(
        `${fn}: argument '${name(i)}' must have a batch of N >= 2 samples (a distribution over the batch); got shape [${t.shape}]`,
      );
    }
    if (c! < 1)
      throw new Error(`${fn}: argument '${name(i)}' must have C >= 1 gates; got shape [${t.shape}]`);
    if (t.shape[0] !== list[0].shape[0]) {
      throw new Error(
        `${fn}: argument '${arg}' must hold tensors with the same batch size N; got ${arg}[0] with N = ${list[0].shape[0]} and ${name(i)} with N = ${t.shape[0]}`,
      );
    }
  });
  const tensors = list as tf.Tensor2D[];
  if (validateValues && hasSyncReadback()) checkValues(fn, tensors, name);
  return tensors;
}

/** One read-back for all layers: [min, max, nanCount] per layer. */
function checkValues(fn: string, tensors: tf.Tensor2D[], name: (i: number) => string): void {
  const stats = tf.tidy(() =>
    tf.concat(
      tensors.map((t) => {
        const isNan = tf.isNaN(t);
        // NaN is excluded from min/max so the range report shows the real values.
        const clean = tf.where(isNan, tf.fill(t.shape, 0.5), t);
        return tf.stack([tf.min(clean), tf.max(clean), tf.sum(tf.cast(isNan, 'float32'))]);
      }),
    ),
  );
  const v = stats.dataSync();
  stats.dispose();
  tensors.forEach((_, i) => {
    const [lo, hi, nans] = [v[3 * i]!, v[3 * i + 1]!, v[3 * i + 2]!];
    if (nans > 0) {
      throw new Error(
        `${fn}: argument '${name(i)}' must contain probabilities in [0, 1]; got ${nans} NaN value(s)`,
      );
    }
    if (lo < 0 || hi > 1) {
      throw new Error(
        `${fn}: argument '${name(i)}' must contain probabilities in [0, 1]; got values in [${lo}, ${hi}]`,
      );
    }
  });
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : `${typeof v} ${String(v)}`;
}
