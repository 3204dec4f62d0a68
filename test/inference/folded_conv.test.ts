// FoldedConv's padded output-channel subsets (the direct path of conditional inference): the first k filters and
// biases are those of the unpadded subset, the rest zero; run with `direct` (unfused conv2d + bias + ReLU) on the
// padded subset, sliced back, equals the fused conv on the unpadded one (cpu backend); bad widths are refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { FoldedConv } from '../../src/inference/folded_conv.js';
import type { BasicBlock } from '../../src/models/blocks/basic_block.js';
import { createModel } from '../../src/models/registry.js';
import type { ResNet } from '../../src/models/resnet.js';
import { useBackend } from '../helpers/backends.js';

let model: ResNet;
let conv: FoldedConv;

before(async () => {
  await useBackend('cpu');
  model = createModel('resnet20', { seed: 5 }) as ResNet; // layer1: 3x3 convs, 16 -> 16 channels
  const block = model.backbone.stages[0]![0] as BasicBlock;
  tf.tidy(() => {
    block.bn1.runningVar.assign(tf.randomUniform([16], 0.5, 2, 'float32', 6));
    block.bn1.runningMean.assign(tf.randomNormal([16], 0, 1, 'float32', 7));
  });
  conv = new FoldedConv(block.conv1, block.bn1);
});

after(() => {
  conv.dispose();
  model.dispose();
});

const idx = Int32Array.from([1, 4, 5, 9, 14]);

test('outSubset with a width: the subset, then zero filters and zero biases', () => {
  const plain = conv.outSubset(idx, 'conv');
  const padded = conv.outSubset(idx, 'conv', 16);
  assert.deepEqual(padded.weight.shape, [3, 3, 16, 16]);
  assert.deepEqual(padded.bias.shape, [16]);
  const w = padded.weight.arraySync() as number[][][][];
  const p = plain.weight.arraySync() as number[][][][];
  for (let ky = 0; ky < 3; ky++) {
    for (let kx = 0; kx < 3; kx++) {
      for (let c = 0; c < 16; c++) {
        assert.deepEqual(w[ky]![kx]![c]!.slice(0, 5), p[ky]![kx]![c]);
        assert.deepEqual(w[ky]![kx]![c]!.slice(5), new Array(11).fill(0));
      }
    }
  }
  const b = padded.bias.arraySync();
  assert.deepEqual(b.slice(0, 5), plain.bias.arraySync());
  assert.deepEqual(b.slice(5), new Array(11).fill(0));
  tf.dispose([plain.weight, plain.bias, padded.weight, padded.bias]);
});

test('direct run on the padded subset, sliced back, equals the fused conv on the subset', () => {
  tf.tidy(() => {
    const x = tf.randomNormal([2, 6, 6, 16], 0, 1, 'float32', 8) as tf.Tensor4D;
    const plain = conv.outSubset(idx, 'conv');
    const padded = conv.outSubset(idx, 'conv', 16);
    for (const relu of [true, false]) {
      const ref = conv.run(x, plain, relu);
      const y = conv.run(x, padded, relu, true);
      assert.deepEqual(y.shape, [2, 6, 6, 16]);
      const diff = tf
        .max(tf.abs(tf.sub(tf.slice(y, [0, 0, 0, 0], [-1, -1, -1, 5]), ref)))
        .arraySync() as number;
      const scale = tf.max(tf.abs(ref)).arraySync() as number;
      assert.ok(diff <= 1e-5 * scale, `relu ${relu}: max difference ${diff} (scale ${scale})`);
      const pad = tf.max(tf.abs(tf.slice(y, [0, 0, 0, 5], [-1, -1, -1, 11]))).arraySync() as number;
      assert.equal(pad, 0, 'the padding channels are zero');
    }
  });
});

test('a width below the subset, or above it with the matmul layout, is refused', () => {
  assert.throws(() => conv.outSubset(idx, 'conv', 4), /outSubset width must be an integer >= the 5 channels/);
  assert.throws(
    () => conv.outSubset(idx, 'matmul', 16),
    /'conv' lowering only when larger\); got 16 \('matmul'\)/,
  );
  assert.throws(() => conv.outSubset(idx, 'conv', 7.5), /got 7.5/);
});
