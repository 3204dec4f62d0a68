// Adapts a dataset's images to what the models take: every registered model has a 3-channel stem
// (ModelConfig.inputChannels), so gray datasets (Fashion-MNIST, [N, H, W, 1]) are replicated to 3 channels
// on the device. That equals a 1-channel stem whose kernel is the sum of the 3 channel kernels, at 3x the
// stem's MACs (about 1% of a ResNet-20), and keeps checkpoints interchangeable with RGB models.
import * as tf from '@tensorflow/tfjs-core';
import type { ShapeHWC } from '../layers/layer_cost.js';

/** [N, H, W, C] -> [N, H, W, channels]; returns `images` itself when nothing changes. */
export function adaptChannels(images: tf.Tensor4D, channels: number): tf.Tensor4D {
  const c = images.shape[3];
  if (c === channels) return images;
  if (c !== 1) {
    throw new Error(
      `adaptChannels: images have ${c} channels; the model takes ${channels} (only 1 -> ${channels} is supported)`,
    );
  }
  return tf.tile(images, [1, 1, 1, channels]); // [N, H, W, 1] -> [N, H, W, channels]
}

/** The model-side input shape [H, W, channels] for a loader's output shape. */
export function modelInputShape(loaderShape: readonly number[], channels: number): ShapeHWC {
  return [loaderShape[0]!, loaderShape[1]!, channels];
}
