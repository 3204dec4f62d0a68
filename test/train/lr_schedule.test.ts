import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { learningRateAt } from '../../src/train/lr_schedule.js';
import { getPreset } from '../../src/train/presets.js';
import type { TrainConfig } from '../../src/train/train_config.js';

const close = (a: number, b: number) =>
  assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

function cfg(lr: Partial<TrainConfig['lr']>, epochs = 100): TrainConfig {
  const c = getPreset('cifar10-resnet20-gated');
  return { ...c, epochs, lr: { ...c.lr, ...lr } };
}

describe('learningRateAt', () => {
  it('divides by 10 at 60/75/90% of training (the CIFAR recipe)', () => {
    const c = cfg({ schedule: 'step', milestones: [0.6, 0.75, 0.9], stepFactor: 0.1 }, 500);
    close(learningRateAt(c, 0), 0.1);
    close(learningRateAt(c, 299.99), 0.1);
    close(learningRateAt(c, 300), 0.01);
    close(learningRateAt(c, 374), 0.01);
    close(learningRateAt(c, 375), 0.001);
    close(learningRateAt(c, 450), 0.0001);
    close(learningRateAt(c, 500), 0.0001);
  });

  it('follows the cosine closed form and poly', () => {
    const c = cfg({ schedule: 'cosine' });
    for (const e of [0, 10, 33.3, 50, 99])
      close(learningRateAt(c, e), 0.05 * (1 + Math.cos((Math.PI * e) / 100)));
    const p = cfg({ schedule: 'poly', polyPower: 0.9 });
    close(learningRateAt(p, 40), 0.1 * 0.6 ** 0.9);
  });

  it('warms up linearly from warmupStartFactor * lr', () => {
    const c = cfg({ schedule: 'constant', warmupEpochs: 5, warmupStartFactor: 0.1 });
    close(learningRateAt(c, 0), 0.01);
    close(learningRateAt(c, 2.5), 0.1 * (0.1 + 0.9 * 0.5));
    close(learningRateAt(c, 5), 0.1);
  });

  it('rejects positions outside training', () => {
    assert.throws(() => learningRateAt(cfg({}), -1), /epochPosition/);
    assert.throws(() => learningRateAt(cfg({}), 101), /epochPosition/);
  });
});
