import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../../src/data/batch_loader.js';
import { batchToTensors } from '../../src/data/batch_tensors.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

for (const backend of TEST_BACKENDS) {
  describe(`batchToTensors (${backend})`, () => {
    it('makes [N,h,w,C] float32 images, int32 labels and masks, nothing else', async () => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      const batch: Batch = {
        epoch: 0,
        step: 0,
        size: 2,
        images: Float32Array.from({ length: 2 * 2 * 3 * 1 }, (_, i) => i / 10),
        imageShape: [2, 2, 3, 1],
        labels: Int32Array.of(3, 1),
        masks: Uint8Array.from({ length: 12 }, (_, i) => (i === 5 ? 255 : i % 4)),
        ids: ['a', 'b'],
      };
      const t = batchToTensors(batch);
      assert.deepEqual(t.images.shape, [2, 2, 3, 1]);
      assert.equal(t.images.dtype, 'float32');
      assert.deepEqual(Array.from(await t.images.data()), Array.from(batch.images));
      assert.equal(t.labels!.dtype, 'int32');
      assert.deepEqual(Array.from(await t.labels!.data()), [3, 1]);
      assert.deepEqual(t.masks!.shape, [2, 2, 3]);
      assert.equal(t.masks!.dtype, 'int32');
      assert.deepEqual(Array.from(await t.masks!.data()), Array.from(batch.masks!));
      assert.equal(tf.memory().numTensors, before + 3);
      tf.dispose([t.images, t.labels!, t.masks!]);
      assert.equal(tf.memory().numTensors, before);
    });
  });
}
