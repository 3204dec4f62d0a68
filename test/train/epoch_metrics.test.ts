// EpochMetrics: the epoch means from the step sums, and a resumed accumulator (from a snapshot) ending with
// exactly the means of an uninterrupted one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EpochMetrics, emptyEpochSums, type StepMeasure } from '../../src/train/epoch_metrics.js';

const steps: StepMeasure[] = [
  { images: 8, loss: 2, ce: 1.5, bas: 0.25, l0: 4, correct: 3, counted: 8, gateOn: 0.5, seconds: 0.5 },
  { images: 8, loss: 1, ce: 0.5, bas: 0.125, l0: 2, correct: 5, counted: 8, gateOn: 0.25, seconds: 0.25 },
  { images: 4, loss: 3, ce: 2.5, bas: 0.5, l0: 6, correct: 4, counted: 4, gateOn: 0.75, seconds: 0.25 },
];

describe('EpochMetrics', () => {
  it('averages losses and gates per step, accuracy over predictions and speed over time', () => {
    const m = new EpochMetrics();
    for (const s of steps) m.add(s);
    assert.equal(m.steps, 3);
    assert.deepEqual(m.trainColumns(), {
      trainLoss: 2,
      trainCe: 1.5,
      trainBas: 0.875 / 3,
      trainL0: 4,
      trainAccuracy: 12 / 20,
      trainGateOn: 0.5,
      trainImagesPerSecond: 20,
      trainSeconds: 1,
    });
  });

  it('is zero-safe before the first step', () => {
    const m = new EpochMetrics();
    assert.deepEqual(m.snapshot(), emptyEpochSums());
    assert.equal(m.meanPerStep('loss'), 0);
    assert.equal(m.accuracy(), 0);
    assert.equal(m.imagesPerSecond(), 0);
  });

  it('resumes from a JSON snapshot to the same means as an uninterrupted epoch', () => {
    const whole = new EpochMetrics();
    for (const s of steps) whole.add(s);
    const first = new EpochMetrics();
    first.add(steps[0] as StepMeasure);
    const saved = JSON.parse(JSON.stringify(first.snapshot()));
    const resumed = new EpochMetrics(saved);
    for (const s of steps.slice(1)) resumed.add(s);
    assert.deepEqual(resumed.trainColumns(), whole.trainColumns());
    // the snapshot is a copy: adding steps later does not change it
    assert.equal(saved.steps, 1);
  });
});
