import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scheduleFigure } from '../../src/analysis/figures/schedule_figure.js';
import { getPreset } from '../../src/train/presets.js';
import { scheduleCurve } from '../../src/train/schedule_curve.js';

describe('scheduleCurve / scheduleFigure', () => {
  it("samples the CIFAR recipe's lr steps, gamma anneal by 20% and lambda ramp 20-60%", () => {
    const cfg = getPreset('cifar10-resnet20-gated');
    const pts = scheduleCurve(cfg, 101);
    assert.equal(pts.length, 101);
    const at = (p: number) => pts[Math.round(p * 100)]!;
    assert.equal(at(0).gamma, 0.75);
    assert.ok(Math.abs(at(0.1).gamma - 0.375) < 1e-12);
    assert.equal(at(0.2).gamma, 0);
    assert.equal(at(0.2).lambda, 0);
    assert.ok(Math.abs(at(0.4).lambda - cfg.loss.lambda / 2) < 1e-12);
    assert.equal(at(0.6).lambda, cfg.loss.lambda);
    assert.equal(at(0.59).lr, 0.1);
    assert.ok(Math.abs(at(0.6).lr - 0.01) < 1e-12);
    assert.ok(Math.abs(at(0.9).lr - 1e-4) < 1e-12);
    assert.throws(
      () => scheduleCurve(cfg, 1),
      /scheduleCurve: argument 'points' must be an integer >= 2; got 1/,
    );
  });

  it('draws lr on the left axis and the two loss weights on the right', () => {
    const f = scheduleFigure(scheduleCurve(getPreset('cifar10-resnet20-gated'), 11));
    assert.deepEqual(
      f.data.map((d) => [d.name, d.yaxis]),
      [
        ['learning rate', 'y'],
        ['gamma (batch-shaping)', 'y2'],
        ['lambda (L0)', 'y2'],
      ],
    );
    assert.deepEqual(f.data[0]!.x, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    assert.deepEqual(f.data[1]!.y, [0.75, 0.375, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.throws(() => scheduleFigure([]), /must hold >= 2 points; got 0/);
  });
});
