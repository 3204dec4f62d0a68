import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfusionMatrix } from '../../src/train/confusion_matrix.js';

describe('ConfusionMatrix', () => {
  it('computes IoU, mIoU and pixel accuracy by hand, skipping label 255', () => {
    const m = new ConfusionMatrix(3);
    // truth:  0 0 1 1 2 255 2
    // pred:   0 1 1 1 0  2  2
    m.add([0, 0, 1, 1, 2, 255, 2], [0, 1, 1, 1, 0, 2, 2]);
    // class 0: TP 1, FP 1 (pixel 4), FN 1 (pixel 1) -> 1/3
    // class 1: TP 2, FP 1, FN 0 -> 2/3
    // class 2: TP 1, FP 0, FN 1 -> 1/2
    const iou = m.iou();
    assert.ok(Math.abs(iou[0]! - 1 / 3) < 1e-12);
    assert.ok(Math.abs(iou[1]! - 2 / 3) < 1e-12);
    assert.ok(Math.abs(iou[2]! - 1 / 2) < 1e-12);
    assert.ok(Math.abs(m.meanIoU() - (1 / 3 + 2 / 3 + 1 / 2) / 3) < 1e-12);
    assert.ok(Math.abs(m.pixelAccuracy() - 4 / 6) < 1e-12);
  });

  it('skips classes absent from truth and predictions in the mean', () => {
    const m = new ConfusionMatrix(4);
    m.add([0, 1], [0, 1]);
    assert.ok(Number.isNaN(m.iou()[3]!));
    assert.equal(m.meanIoU(), 1);
  });

  it('rejects out-of-range classes and length mismatches', () => {
    const m = new ConfusionMatrix(2);
    assert.throws(() => m.add([0, 5], [0, 1]), /out of range at pixel 1/);
    assert.throws(() => m.add([0], [0, 1]), /'truth' has 1 pixels/);
  });
});
