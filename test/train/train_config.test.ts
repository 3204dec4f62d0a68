import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getPreset, listPresets } from '../../src/train/presets.js';
import {
  applyOverrides,
  ConfigError,
  cloneConfig,
  setConfigValue,
  validateTrainConfig,
} from '../../src/train/train_config.js';

describe('TrainConfig', () => {
  it('has the presets the CLI documents', () => {
    for (const name of [
      'fashion-mnist-quick',
      'cifar10-resnet20-gated',
      'cifar10-resnet32-gated',
      'imagenette-resnet18-gated',
      'imagenet-resnet18-gated',
      'imagenet-resnet34-gated',
      'imagenet-resnet50-gated',
      'cityscapes-pspnet-resnet50-gated',
      'tiny',
    ]) {
      assert.ok(listPresets().includes(name), name);
    }
  });

  it('every preset round-trips through JSON unchanged and validates', () => {
    for (const name of listPresets()) {
      const p = getPreset(name);
      const text = JSON.stringify(p);
      const back = validateTrainConfig(JSON.parse(text));
      assert.deepEqual(back, p, name);
      assert.equal(JSON.stringify(back), text, name);
    }
  });

  it('keeps the paper CIFAR recipe in the CIFAR presets', () => {
    const c = getPreset('cifar10-resnet32-gated');
    assert.equal(c.optim.momentum, 0.9);
    assert.equal(c.optim.weightDecay, 5e-4);
    assert.equal(c.optim.lr, 0.1);
    assert.deepEqual(c.lr.milestones, [0.6, 0.75, 0.9]);
    assert.equal(c.lr.stepFactor, 0.1);
    assert.equal(c.epochs, 500);
    assert.equal(c.loss.gamma, 0.75);
    // The public reimplementation's training: Nesterov, gates exempt from weight decay (BN decayed), gamma
    // annealed to 0 by 20%, lambda ramped 20% -> 60%, both losses summed over gates.
    assert.equal(c.optim.kind, 'sgd');
    assert.equal(c.optim.nesterov, true);
    assert.deepEqual(c.optim.groups.gate, { lrScale: 1, wdScale: 0 });
    assert.deepEqual(c.optim.groups.bn, { lrScale: 1, wdScale: 1 });
    assert.equal(c.loss.gammaAnnealEnd, 0.2);
    assert.deepEqual([c.loss.lambdaRampStart, c.loss.lambdaRampEnd], [0.2, 0.6]);
    assert.deepEqual([c.loss.basReduction, c.loss.l0Reduction], ['sum', 'sum']);
  });

  it('names the field at fault in the optimiser, its groups and the loss reductions', () => {
    const base = getPreset('tiny');
    assert.throws(
      () => validateTrainConfig(setConfigValue(base, 'optim.kind', 'rmsprop')),
      /field 'optim.kind' must be sgd \| adam \| adamw; got "rmsprop"/,
    );
    assert.throws(
      () => validateTrainConfig(setConfigValue(base, 'optim.groups.gate.wdScale', -1)),
      (e: Error & { field?: string }) =>
        e.field === 'optim.groups.gate.wdScale' && /must be a finite number >= 0/.test(e.message),
    );
    assert.throws(
      () => validateTrainConfig(setConfigValue(base, 'loss.basReduction', 'max')),
      /field 'loss.basReduction' must be 'sum' or 'mean'; got "max"/,
    );
    assert.throws(
      () => validateTrainConfig(setConfigValue(base, 'loss.lambdaRampEnd', 0.1)),
      /loss.lambdaRampEnd/,
    );
  });

  it('getPreset returns independent copies', () => {
    const a = getPreset('tiny');
    a.optim.lr = 123;
    assert.notEqual(getPreset('tiny').optim.lr, 123);
  });

  it('applies overrides by dotted path with JSON values', () => {
    const c = applyOverrides(getPreset('tiny'), [
      'optim.lr=0.05',
      'loss.lambda=0.3',
      'lr.milestones=[0.5,0.8]',
      'data.maxStepsPerEpoch=null',
    ]);
    assert.equal(c.optim.lr, 0.05);
    assert.equal(c.loss.lambda, 0.3);
    assert.deepEqual(c.lr.milestones, [0.5, 0.8]);
    assert.equal(c.data.maxStepsPerEpoch, null);
    validateTrainConfig(c);
    // optional model options may be added
    const m = setConfigValue(getPreset('tiny'), 'model.gating', 'none');
    assert.equal(validateTrainConfig(m).model.gating, 'none');
  });

  it('rejects unknown fields, wrong types and bad ranges, naming the field', () => {
    const base = getPreset('tiny');
    assert.throws(
      () => applyOverrides(base, ['optim.learningRate=0.1']),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.field, 'optim.learningRate');
        assert.match(e.message, /unknown field 'optim.learningRate'/);
        return true;
      },
    );
    assert.throws(() => applyOverrides(base, ['epochs=ten']), /field 'epochs' must be a number/);
    assert.throws(() => applyOverrides(base, ['epochs']), /expected path=value/);
    assert.throws(() => validateTrainConfig(setConfigValue(base, 'optim.momentum', 1.5)), /'optim.momentum'/);
    assert.throws(
      () => validateTrainConfig(setConfigValue(base, 'lr.milestones', [0.8, 0.5])),
      /'lr.milestones\[1\]' must be increasing/,
    );
    assert.throws(
      () => validateTrainConfig(setConfigValue(base, 'model.widthMultiplier', -1)),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.field, 'model.widthMultiplier');
        return true;
      },
    );
    assert.throws(
      () => validateTrainConfig(setConfigValue(base, 'loss.gammaAnnealEnd', 2)),
      /loss.gammaAnnealEnd/,
    );
    const extra = cloneConfig(base) as unknown as Record<string, unknown>;
    extra.bogus = 1;
    assert.throws(() => validateTrainConfig(extra), /unknown field 'bogus'/);
    const missing = cloneConfig(base) as unknown as Record<string, unknown>;
    delete missing.epochs;
    assert.throws(() => validateTrainConfig(missing), /field 'epochs' is missing/);
  });
});
