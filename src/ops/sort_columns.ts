// sortColumns: a differentiable ascending sort of every column of a [N, C] tensor along the batch axis.
//
// The batch-shaping loss (Bejnordi et al., ICLR 2020, arXiv 1907.06627, section 3.2) compares the sorted gate
// probabilities of each gate with the prior's quantile positions, so it needs a sort with a gradient.
// tfjs has no Sort op and no gradient for TopK. We sort with tf.topk on the transposed tensor and give the op a
// tf.customGrad: the gradient of a sort is the upstream gradient "un-sorted", dx[perm[j]] = dy[j].
// Writing that as a scatter would need UnsortedSegmentSum (the gradient of gather), which tfjs-backend-wasm
// lacks. Instead the backward gathers dy by the inverse permutation, inv[perm[j]] = j, which is itself an
// argsort of perm: topk of the negated indices. TopK and GatherNd (run forward only, so their missing
// gradients do not matter) exist on every backend: the op and its gradient need no host round trip.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Ascending sort along axis 0 (the batch) of each column of `x` [N, C]; returns the sorted [N, C] tensor.
 * Differentiable: the gradient routes each upstream gradient entry back to the element it came from.
 * Ties get some valid permutation (which one does not change the value or the gradient's sum).
 */
export function sortColumns(x: tf.Tensor): tf.Tensor2D {
  if (!(x instanceof tf.Tensor) || x.rank !== 2) {
    const got = x instanceof tf.Tensor ? `rank ${x.rank} with shape [${x.shape}]` : String(x);
    throw new Error(`sortColumns: argument 'x' must be a rank-2 tensor [N, C]; got ${got}`);
  }
  return sortColumnsGrad(x) as tf.Tensor2D;
}

const sortColumnsGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const [n] = x.shape;
  // topk sorts the last axis, descending: negate to get ascending order, per column.
  const { values, indices } = tf.topk(tf.neg(tf.transpose(x)), n); // [C, N], [C, N] int32
  save([indices]);
  const value = tf.transpose(tf.neg(values)); // [N, C]
  const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => unsortColumns(dy, saved[0]!);
  return { value, gradFunc };
});

/**
 * Inverse of the column sort: given dy [N, C] in sorted order and perm [C, N] (perm[c, j] = source row of
 * sorted position j), returns dx [N, C] with dx[perm[c, j], c] = dy[j, c].
 */
function unsortColumns(dy: tf.Tensor, perm: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [c, n] = perm.shape as [number, number];
    // inv = argsort(perm) ascending; perm holds 0..N-1 exactly (N < 2^24), so float32 is exact.
    const inv = tf.topk(tf.neg(tf.cast(perm, 'float32')), n).indices; // [C, N] int32
    // A batched gather written as a flat one (portable across backends): row c reads from offset c * N.
    const offsets = tf.range(0, c * n, n, 'int32').reshape([c, 1]); // [C, 1]
    const flatIdx = tf.add(inv, offsets).reshape([c * n, 1]); // [C * N, 1]
    const dyFlat = tf.transpose(dy).reshape([c * n]); // [C * N] from [C, N]
    // gatherND rather than gather: wasm's GatherV2 bounds-checks every index in JS; GatherNd is all C++.
    return tf.transpose(tf.gatherND(dyFlat, flatIdx).reshape([c, n])); // [N, C]
  });
}
