// The one place the data module makes tensors: a Batch's CPU arrays -> tfjs tensors, one tf call per
// array (a single upload each), so training code gets [N, h, w, C] float32 images and int32 targets.
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from './batch_loader.js';

export interface BatchTensors {
  /** float32 [N, h, w, C]. */
  images: tf.Tensor4D;
  /** int32 [N] (classification). */
  labels?: tf.Tensor1D;
  /** int32 [N, h, w] (segmentation; 255 = ignore). */
  masks?: tf.Tensor3D;
}

/** Uploads a batch; the caller owns (and disposes) the returned tensors. */
export function batchToTensors(batch: Batch): BatchTensors {
  const [n, h, w] = batch.imageShape;
  const out: BatchTensors = { images: tf.tensor4d(batch.images, batch.imageShape, 'float32') };
  if (batch.labels) out.labels = tf.tensor1d(batch.labels, 'int32');
  // int32 because tfjs gathers / one-hots / compares on int32; uint8 is not a tfjs dtype.
  if (batch.masks) out.masks = tf.tensor3d(Int32Array.from(batch.masks), [n, h, w], 'int32');
  return out;
}
