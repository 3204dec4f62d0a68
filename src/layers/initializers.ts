// Weight initialisers following torchvision's ResNet (He et al. 2015, "Delving deep into rectifiers").
// Conv: kaiming normal, mode fan_out, gain sqrt(2) (ReLU). Dense: PyTorch's nn.Linear default,
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias. Seeds come from ParamStore.deriveSeed.
import * as tf from '@tensorflow/tfjs-core';
import type { Initializer } from './param_store.js';

/** Conv weight [kh, kw, in, out]: N(0, 2 / (kh * kw * out)). */
export const kaimingNormalFanOut: Initializer = (shape, seed) => {
  const [kh, kw, , cout] = shape as [number, number, number, number];
  return tf.randomNormal(shape, 0, Math.sqrt(2 / (kh * kw * cout)), 'float32', seed);
};

/** nn.Linear default: U(-1/sqrt(fanIn), 1/sqrt(fanIn)); fanIn passed explicitly so biases can share it. */
export function linearUniform(fanIn: number): Initializer {
  const bound = 1 / Math.sqrt(fanIn);
  return (shape, seed) => tf.randomUniform(shape, -bound, bound, 'float32', seed);
}

export function constant(value: number): Initializer {
  return (shape) => tf.fill(shape, value);
}
