// explainImage (what the gate explorer computes in the browser) against the library's evaluation path in
// Node: the same images through createTransform into a batch for recordGates give the same prediction,
// MACs, open channels per block and confidence, on cpu and wasm. Random images: no dataset needed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { explainImage } from '../../../site/explorer/explain.js';
import type { Batch } from '../../../src/data/batch_loader.js';
import { createTransform } from '../../../src/data/transform_spec.js';
import { recordGates } from '../../../src/train/gate_recorder.js';
import { loadPretrained } from '../../../src/train/pretrained.js';
import { TEST_BACKENDS, useBackend } from '../../helpers/backends.js';

const context = {
  imageShape: [28, 28, 1] as [number, number, number],
  mean: [0.286],
  std: [0.353],
  evalTransform: { kind: 'eval' as const },
};

for (const backend of TEST_BACKENDS) {
  describe(`explainImage on ${backend}`, () => {
    it('equals recordGates on the same images through the dataset transform', async () => {
      await useBackend(backend);
      const { model } = await loadPretrained('fashion-mnist-resnet20-gated');
      const n = 4;
      let s = 7;
      const images = Array.from({ length: n }, (_, k) =>
        Uint8Array.from({ length: 784 }, (_, p) => {
          s = (s * 1103515245 + 12345) % 2 ** 31;
          // Blobs of light on dark, roughly like Fashion-MNIST, plus noise.
          const y = Math.floor(p / 28) - 14;
          const x = (p % 28) - 14;
          return Math.min(255, (x * x + y * y < 40 + 30 * k ? 180 : 0) + Math.floor((s / 2 ** 31) * 60));
        }),
      );
      const transform = createTransform({
        kind: 'eval',
        normalization: { mean: context.mean, std: context.std },
      });
      const batchImages = new Float32Array(n * 784);
      images.forEach((img, k) => {
        transform.apply(
          { image: img, shape: context.imageShape },
          { image: batchImages.subarray(k * 784, (k + 1) * 784) },
          undefined as never,
        );
      });
      const batch: Batch = {
        epoch: 0,
        step: 0,
        size: n,
        images: batchImages,
        imageShape: [n, 28, 28, 1],
        labels: new Int32Array(n),
        ids: images.map((_, k) => String(k)),
      };
      const records = await recordGates(model, { batches: [batch], total: n }, {});
      const before = tf.memory().numTensors;
      const layers = records.meta.layers.length;
      for (let k = 0; k < n; k++) {
        const e = await explainImage(model, images[k]!, context);
        assert.equal(e.prediction, records.predictions[k], `image ${k}: prediction`);
        assert.equal(e.macs, records.macs[k], `image ${k}: MACs`);
        assert.deepEqual(
          e.blocks.map((b) => b.open.filter((v) => v > 0).length),
          Array.from(records.activeCounts.subarray(k * layers, (k + 1) * layers)),
          `image ${k}: open channels`,
        );
        assert.deepEqual(
          e.blocks.map((b) => b.name),
          records.meta.layers.map((l) => l.name),
        );
        assert.ok(
          Math.abs(e.probs[e.prediction]! - records.confidences[k]!) < 1e-5,
          `image ${k}: confidence`,
        );
        assert.ok(Math.abs(e.probs.reduce((a, b) => a + b) - 1) < 1e-5);
      }
      assert.equal(tf.memory().numTensors, before, 'explainImage leaks no tensor');
      await assert.rejects(
        explainImage(model, new Uint8Array(10), context),
        /must hold 28x28x1 = 784 bytes; got 10/,
      );
      model.dispose();
    });
  });
}
