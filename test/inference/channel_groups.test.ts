// Channel groups by on-rate: on-rates of a mask, the frequent channels, closed-channel detection, and the
// static group's checks of its channel list and its gathered weights against the full folded conv.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { anyClosed, frequentChannels, onRates, StaticGroup } from '../../src/inference/channel_groups.js';
import { FoldedConv } from '../../src/inference/folded_conv.js';
import { Conv2d } from '../../src/layers/conv2d.js';
import { ParamStore } from '../../src/layers/param_store.js';
import { useBackend } from '../helpers/backends.js';

describe('channel groups', () => {
  before(() => useBackend('wasm'));

  test('onRates, frequentChannels and anyClosed', () => {
    const rates = onRates(
      [
        [1, 0, 1, 0],
        [1, 0, 0, 0],
        [1, 1, 1, 0],
        [1, 0, 1, 0],
      ],
      4,
    );
    assert.deepEqual(Array.from(rates), [1, 0.25, 0.75, 0]);
    assert.deepEqual(Array.from(frequentChannels(rates, 0.75)), [0, 2]);
    assert.deepEqual(Array.from(frequentChannels(rates, 1)), [0]);
    assert.throws(() => onRates([[1, 0]], 3), /a mask row has 2 channels, expected 3/);
    const decision = { batch: 2, channels: 3, mask: Uint8Array.from([1, 1, 0, 1, 0, 0]) };
    assert.equal(anyClosed(decision, Int32Array.from([0])), false);
    assert.equal(anyClosed(decision, Int32Array.from([0, 1])), true);
    assert.equal(anyClosed(decision, new Int32Array(0)), false);
  });

  test('StaticGroup gathers the filters and input slices of its channels, checks them, and frees them', () => {
    const store = new ParamStore(3);
    const conv1 = new Conv2d(store.scope('c1'), 3, 4, { kernel: 3 });
    const conv2 = new Conv2d(store.scope('c2'), 4, 5, { kernel: 3 });
    const g = new FoldedConv(conv1, undefined);
    const n = new FoldedConv(conv2, undefined);
    const before = tf.memory().numTensors;
    const idx = Int32Array.from([1, 3]);
    const group = new StaticGroup(idx, g, n);
    const w1 = conv1.weight.arraySync() as number[][][][];
    const got1 = group.first.weight.arraySync() as number[][][][];
    assert.deepEqual(got1[2]![1]![0], [w1[2]![1]![0]![1], w1[2]![1]![0]![3]]);
    const w2 = conv2.weight.arraySync() as number[][][][];
    const got2 = group.secondWeight.arraySync() as number[][][][];
    assert.deepEqual(got2[0]![2]![1], w2[0]![2]![3]);
    assert.deepEqual(Array.from(group.dynamic(Int32Array.from([0, 1, 2]))), [0, 2]);
    group.dispose();
    assert.equal(tf.memory().numTensors, before);
    assert.throws(() => new StaticGroup(Int32Array.from([2, 1]), g, n), /StaticGroup 'c1': channels must be/);
    assert.throws(() => new StaticGroup(Int32Array.from([4]), g, n), /in \[0, 4\)/);
    assert.throws(() => new StaticGroup(new Int32Array(0), g, n), /non-empty/);
    g.dispose();
    n.dispose();
    store.dispose();
  });
});
