// The computations the conv-gradient kernel tests run on every backend (wasm, webgpu) against cpu: the filter and
// input gradients of L = sum(conv2d(x, w) * r), with r a fixed random weighting so every output position
// matters, and the forward conv's output size.
import * as tf from '@tensorflow/tfjs-core';

export type Pad = 'same' | 'valid' | number;

/** dL/dW of L = sum(conv2d(x, w) * r). */
export function filterGrad(stride: number | [number, number], pad: Pad) {
  return (x: tf.Tensor, w: tf.Tensor, r: tf.Tensor) =>
    tf.grad((ww: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, ww as tf.Tensor4D, stride, pad), r)),
    )(w);
}

/** dL/dx of L = sum(conv2d(x, w) * r). */
export function inputGrad(stride: number | [number, number], pad: Pad) {
  return (x: tf.Tensor, w: tf.Tensor, r: tf.Tensor) =>
    tf.grad((xx: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, w as tf.Tensor4D, stride, pad), r)),
    )(x);
}

/** Output size of a conv along one axis. */
export function outSize(inSize: number, k: number, stride: number, pad: Pad): number {
  if (pad === 'same') return Math.ceil(inSize / stride);
  const p = pad === 'valid' ? 0 : pad;
  return Math.floor((inSize + 2 * p - k) / stride) + 1;
}
