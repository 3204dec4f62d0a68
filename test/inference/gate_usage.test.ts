// setGateUsage: the requested kinds of channels (always on, always off, conditional) on the calibration batch.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { setGateUsage } from '../../src/inference/gate_usage.js';
import { createModel } from '../../src/models/registry.js';
import { useBackend } from '../helpers/backends.js';

before(() => useBackend('wasm'));

test('on-fraction and per-sample variation follow the options; nothing leaks', () => {
  const model = createModel('resnet20', { widthMultiplier: 0.5 });
  const x = tf.randomNormal([16, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  try {
    const before = tf.memory().numTensors;
    const on = setGateUsage(model, x, { alwaysOn: 0.3, alwaysOff: 0.3, seed: 1 });
    assert.equal(tf.memory().numTensors, before);
    const { logits, gates } = model.apply(x, { training: false });
    const masks = gates.map((g) => g.mask.arraySync() as number[][]);
    tf.dispose([logits, ...gates.flatMap((g) => [g.probs, g.mask])]);
    let sum = 0;
    let n = 0;
    let constant = 0;
    let varying = 0;
    for (const m of masks) {
      for (let c = 0; c < m[0]!.length; c++) {
        const col = m.map((row) => row[c]!);
        sum += col.reduce((a, v) => a + v, 0);
        n += col.length;
        if (col.every((v) => v === col[0])) constant++;
        else varying++;
      }
    }
    // The returned fraction is the model's own (same decisions), near 0.3 + 0.5 * 0.4 = 0.5.
    assert.ok(Math.abs(on - sum / n) < 1e-12, `${on} vs ${sum / n}`);
    assert.ok(on > 0.4 && on < 0.6, `on-fraction ${on}`);
    // About 60% of channels constant, 40% conditional.
    const share = varying / (varying + constant);
    assert.ok(share > 0.25 && share < 0.55, `conditional share ${share}`);
    // Every sample has its own pattern (over all gates).
    const patterns = new Set(
      x.shape.slice(0, 1).flatMap(() => masks[0]!.map((_, i) => masks.map((m) => m[i]!.join('')).join('|'))),
    );
    assert.equal(patterns.size, 16);
  } finally {
    x.dispose();
    model.dispose();
  }
});

test('bad fractions are refused', () => {
  const model = createModel('resnet20', { widthMultiplier: 0.25 });
  const x = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
  try {
    assert.throws(() => setGateUsage(model, x, { alwaysOn: 0.7, alwaysOff: 0.5 }), /setGateUsage: options/);
  } finally {
    x.dispose();
    model.dispose();
  }
});
