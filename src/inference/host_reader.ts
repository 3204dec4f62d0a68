// How conditional inference gets a model's weights onto the host for BN folding and channel gathering: read
// synchronously when the network is compiled (cpu, wasm, tensorflow), or read beforehand with `await t.data()`
// (compileConditionalAsync: every backend, webgpu included) and served from memory.
import type * as tf from '@tensorflow/tfjs-core';
import type { GatedModel } from '../models/model_types.js';

/** The values of a weight or buffer of the model, on the host. */
export type HostReader = (t: tf.Tensor) => Float32Array;

/** Reads synchronously (backends whose tensors are in host memory). */
export const syncReader: HostReader = (t) => t.dataSync() as Float32Array;

/** Reads every weight and buffer of `model` asynchronously; the reader serves them (and only them). */
export async function prefetchModel(model: GatedModel): Promise<HostReader> {
  const tensors = [...Object.values(model.namedWeights()), ...Object.values(model.namedBuffers())];
  const values = new Map<tf.Tensor, Float32Array>();
  await Promise.all(
    tensors.map(async (t) => {
      values.set(t, (await t.data()) as Float32Array);
    }),
  );
  return (t) => {
    const v = values.get(t);
    if (v === undefined) {
      throw new Error(`compileConditionalAsync: tensor [${t.shape}] is not a weight or buffer of the model`);
    }
    return v;
  };
}
