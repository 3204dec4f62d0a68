// loadCheckpointBytes / modelFromCheckpointBytes (the browser's path, WebCrypto digest): the same tensors,
// config and verification outcome as loadCheckpoint on the file, a flipped data byte refused, a file without a
// digest loaded with a note, and the shipped checkpoint giving the same logits and gates as loadTrainedModel.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { disposeCheckpoint, loadCheckpoint, saveCheckpoint } from '../../src/models/checkpoint.js';
import { loadCheckpointBytes, modelFromCheckpointBytes } from '../../src/models/checkpoint_bytes.js';
import { encodeSafetensors, hostTensor, parseSafetensorsHeader } from '../../src/models/safetensors.js';
import { loadTrainedModel } from '../../src/train/load_trained_model.js';
import { pretrainedPath } from '../../src/train/pretrained.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

const dir = mkdtempSync(join(tmpdir(), 'ckpt-bytes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

for (const backend of TEST_BACKENDS) {
  describe(`loadCheckpointBytes on ${backend}`, () => {
    it('loads what loadCheckpoint loads from the file, verified, without optimizer tensors', async () => {
      await useBackend(backend);
      const w = tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 1);
      const step = tf.scalar(7, 'int32');
      const m = tf.ones([4]);
      const path = join(dir, `a-${backend}.safetensors`);
      await saveCheckpoint(path, {
        tensors: { 'conv1.weight': w, step },
        config: { name: 'x', width: 2 },
        optimizer: { 'conv1.weight/momentum_buffer': m },
        extra: { epoch: 3 },
      });
      const before = tf.memory().numTensors;
      const fromFile = await loadCheckpoint(path);
      const fromBytes = await loadCheckpointBytes(new Uint8Array(readFileSync(path)), path);
      assert.equal(fromBytes.verified, true);
      assert.equal(fromBytes.note, undefined);
      assert.deepEqual(fromBytes.config, fromFile.config);
      assert.deepEqual(fromBytes.extra, { epoch: 3 });
      assert.equal(fromBytes.optimizer, undefined);
      assert.deepEqual(Object.keys(fromBytes.tensors).sort(), Object.keys(fromFile.tensors).sort());
      for (const [name, t] of Object.entries(fromFile.tensors)) {
        assert.equal(fromBytes.tensors[name]!.dtype, t.dtype);
        assert.deepEqual(await fromBytes.tensors[name]!.data(), await t.data(), name);
      }
      disposeCheckpoint(fromFile);
      disposeCheckpoint(fromBytes);
      assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
      tf.dispose([w, step, m]);
    });

    it('refuses a flipped data byte, naming the source, and makes no tensor', async () => {
      await useBackend(backend);
      const w = tf.randomNormal([8, 8], 0, 1, 'float32', 2);
      const path = join(dir, `b-${backend}.safetensors`);
      await saveCheckpoint(path, { tensors: { w }, config: {} });
      const bytes = new Uint8Array(readFileSync(path));
      const header = parseSafetensorsHeader(bytes, bytes.byteLength, path);
      bytes[header.dataStart + 17]! ^= 0x10;
      const before = tf.memory().numTensors;
      await assert.rejects(
        loadCheckpointBytes(bytes, 'dropped.safetensors'),
        /dropped\.safetensors is damaged/,
      );
      assert.equal(tf.memory().numTensors, before);
      w.dispose();
    });

    it('loads a safetensors file without a digest unverified, with a note', async () => {
      await useBackend(backend);
      const bytes = encodeSafetensors({ w: hostTensor(new Float32Array([1, 2]), [2]) });
      const loaded = await loadCheckpointBytes(bytes, 'plain.safetensors');
      assert.equal(loaded.verified, false);
      assert.match(loaded.note ?? '', /plain\.safetensors carries no integrity digest/);
      assert.deepEqual(Array.from(await loaded.tensors.w!.data()), [1, 2]);
      disposeCheckpoint(loaded);
    });

    it('rebuilds the shipped model with the logits and gates of loadTrainedModel', async () => {
      await useBackend(backend);
      const path = pretrainedPath('fashion-mnist-resnet20-gated');
      const { model: ref } = await loadTrainedModel(path);
      const { model, verified } = await modelFromCheckpointBytes(new Uint8Array(readFileSync(path)), path);
      assert.equal(verified, true);
      const x = tf.randomUniform([4, 28, 28, 3], -2, 2, 'float32', 3) as tf.Tensor4D;
      const a = ref.apply(x, { training: false });
      const b = model.apply(x, { training: false });
      assert.deepEqual(await b.logits.data(), await a.logits.data());
      for (let i = 0; i < a.gates.length; i++) {
        assert.deepEqual(await b.gates[i]!.mask.data(), await a.gates[i]!.mask.data(), a.gates[i]!.name);
      }
      tf.dispose([x, a.logits, b.logits, ...a.gates.flatMap((g) => [g.probs, g.mask])]);
      tf.dispose(b.gates.flatMap((g) => [g.probs, g.mask]));
      ref.dispose();
      model.dispose();
    });

    it('names the source when the bytes are not a checkpoint', async () => {
      await useBackend(backend);
      await assert.rejects(
        modelFromCheckpointBytes(encodeSafetensors({ w: hostTensor(new Float32Array([0]), [1]) }), 'x.bin'),
        /modelFromCheckpointBytes: x\.bin: holds no model config/,
      );
    });
  });
}
