// Every registered model round-trips through a checkpoint (weights + BN buffers + config + noise state) with
// bit-identical inference outputs, through model.stateDict() / model.loadStateDict(); loading into a model of
// another shape fails naming a tensor and changes nothing.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { NoiseState } from '../../src/gates/noise_source.js';
import {
  applyCheckpoint,
  disposeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from '../../src/models/checkpoint.js';
import type { GatedModel, ModelConfig } from '../../src/models/model_types.js';
import { createModel, createModelFromConfig, listModels, modelInfo } from '../../src/models/registry.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { values } from '../helpers/read.js';

const stateOf = (m: GatedModel) => m.stateDict();

async function inferenceLogits(m: GatedModel, x: tf.Tensor4D): Promise<Float32Array> {
  return (await values(tf.tidy(() => m.apply(x, { training: false }).logits))) as Float32Array;
}

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bs-model-ckpt-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

for (const backend of TEST_BACKENDS) {
  describe(`model checkpoints on ${backend}`, () => {
    before(() => useBackend(backend));

    for (const name of listModels()) {
      it(`${name}: save, rebuild from config, load -> identical inference outputs`, async () => {
        const size = { cifar: 8, imagenet: 32, pspnet: 16 }[modelInfo(name).family];
        const opts = { widthMultiplier: 0.125, numClasses: 3, seed: 1 };
        const before = tf.memory().numTensors;
        const a = createModel(name, opts);
        const x = tf.randomNormal([2, size, size, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
        // One training-mode pass moves the BN running statistics away from their init.
        tf.tidy(() => {
          a.apply(x, { training: true });
        });
        const path = join(dir, `${name}-${backend}.safetensors`);
        await saveCheckpoint(path, {
          tensors: stateOf(a),
          config: a.config,
          extra: { noise: a.noise.state() },
        });

        const loaded = await loadCheckpoint<ModelConfig, { noise: NoiseState }>(path);
        assert.deepEqual(loaded.config, a.config);
        const rebuilt = createModelFromConfig(loaded.config);
        const other = createModel(name, { ...opts, seed: 2 });
        assert.notDeepEqual(
          await inferenceLogits(other, x),
          await inferenceLogits(a, x),
          'another seed, other outputs',
        );
        for (const m of [rebuilt, other]) {
          const report = m.loadStateDict(loaded.tensors);
          assert.equal(report.assigned.length, Object.keys(stateOf(a)).length);
          m.noise.restore(loaded.extra!.noise);
          assert.deepEqual(await inferenceLogits(m, x), await inferenceLogits(a, x));
          assert.deepEqual(m.noise.state(), a.noise.state());
        }
        disposeCheckpoint(loaded);
        for (const m of [a, rebuilt, other]) m.dispose();
        x.dispose();
        assert.equal(tf.memory().numTensors, before);
      });
    }

    it('loading into a model of another shape fails naming the tensor, and changes nothing', async () => {
      const a = createModel('resnet20', { widthMultiplier: 0.25, seed: 1 });
      const path = join(dir, `resnet20-w025-${backend}.safetensors`);
      await saveCheckpoint(path, { tensors: stateOf(a), config: a.config });
      const wider = createModel('resnet20', { widthMultiplier: 0.5, seed: 2 });
      const beforeValues: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(stateOf(wider))) beforeValues[k] = await v.data();
      const loaded = await loadCheckpoint(path);
      assert.throws(
        () => applyCheckpoint(stateOf(wider), loaded),
        /tensor "conv1\.weight": expected shape \[3,3,3,8\] float32, found \[3,3,3,4\]/,
      );
      for (const [k, v] of Object.entries(stateOf(wider)))
        assert.deepEqual(await v.data(), beforeValues[k], k);
      // A dense model lacks the gate tensors: named as unexpected.
      const dense = createModel('resnet20', { widthMultiplier: 0.25, gating: 'none' });
      assert.throws(
        () => applyCheckpoint(stateOf(dense), loaded),
        /unexpected in the checkpoint.*layer1\.0\.gate/,
      );
      disposeCheckpoint(loaded);
      for (const m of [a, wider, dense]) m.dispose();
    });
  });
}
