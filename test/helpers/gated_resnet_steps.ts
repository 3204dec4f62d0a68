// The gated ResNet-20 training run that the GPU-path tests compare between backends (Node's webgpu test and
// the same check under Deno): 3 SGD steps with the method's total loss from seeded weights and batch, each
// step's loss terms read back asynchronously.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { createModel } from '../../src/models/registry.js';
import { Optimizer, UNIFORM_GROUPS } from '../../src/train/optimizer.js';
import { gatedLossGradients } from '../../src/train/train_step.js';
import { useBackend } from './backends.js';

export const STEPS = 3;
export const TERMS = ['gateOn', 'total', 'ce', 'bas', 'l0'] as const;

/** Losses [step][term] of 3 SGD steps on `backend`. */
export async function threeSteps(backend: 'wasm' | 'webgpu'): Promise<number[][]> {
  await useBackend(backend);
  const model = createModel('resnet20', { seed: 12 });
  const images = tf.randomNormal([8, 32, 32, 3], 0, 1, 'float32', 12) as tf.Tensor4D;
  const labels = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32');
  const optimizer = new Optimizer(model.namedWeights(), {
    kind: 'sgd',
    momentum: 0.9,
    nesterov: false,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 5e-4,
    groups: UNIFORM_GROUPS,
  });
  const losses: number[][] = [];
  try {
    for (let s = 0; s < STEPS; s++) {
      const r = gatedLossGradients(model, { images, labels }, { weights: { gamma: 0.75, lambda: 0.1 } });
      optimizer.step(r.grads, 0.1);
      const terms = [r.gateOn, r.total, r.ce, r.bas, r.l0];
      losses.push(await Promise.all(terms.map(async (t) => (await t.data())[0]!)));
      tf.dispose([...terms, ...Object.values(r.grads), r.correct, r.counted]);
    }
  } finally {
    optimizer.dispose();
    tf.dispose([images, labels]);
    model.dispose();
  }
  return losses;
}

/**
 * Asserts that webgpu's losses equal wasm's: every term within 1e-3 relative, the gate-on fraction exactly, and
 * that the steps really train. Returns the per-step report lines.
 */
export function expectStepsMatch(wasm: number[][], webgpu: number[][]): string[] {
  const report = webgpu.map((row, s) => `step ${s}: webgpu ${row.join(', ')} | wasm ${wasm[s]!.join(', ')}`);
  for (let s = 0; s < STEPS; s++) {
    TERMS.forEach((term, k) => {
      const a = webgpu[s]![k]!;
      const b = wasm[s]![k]!;
      assert.ok(Number.isFinite(a), `step ${s} ${term} on webgpu: ${a}`);
      if (term === 'gateOn') {
        assert.equal(a, b, `step ${s}: a hard gate decision differs between backends\n${report.join('\n')}`);
        return;
      }
      assert.ok(
        Math.abs(a - b) <= 1e-3 * Math.abs(b),
        `step ${s} ${term}: ${a} vs ${b}\n${report.join('\n')}`,
      );
    });
  }
  // The steps really train (the comparison is not of three identical numbers).
  assert.notEqual(wasm[0]![0], wasm[STEPS - 1]![0]);
  return report;
}
