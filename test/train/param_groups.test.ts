import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelBase } from '../../src/models/model_base.js';
import { createModelSkeleton } from '../../src/models/registry.js';
import { checkParamGroups, paramRoles } from '../../src/train/param_groups.js';

function shapesOf(name: Parameters<typeof createModelSkeleton>[0]): Record<string, number[]> {
  const m = createModelSkeleton(name, {}) as unknown as ModelBase;
  return Object.fromEntries([...m.store.shapes].filter(([, s]) => s.trainable).map(([n, s]) => [n, s.shape]));
}

describe('paramRoles', () => {
  it('splits a gated ResNet-18 into gate, BatchNorm, bias and weight parameters by name and rank', () => {
    const roles = paramRoles(shapesOf('resnet18'));
    assert.equal(roles['layer1.0.gate.fc1.weight'], 'gate');
    assert.equal(roles['layer1.0.gate.bn.weight'], 'gate');
    assert.equal(roles['layer1.0.gate.fc2.bias'], 'gate');
    assert.equal(roles['layer1.0.conv1.weight'], 'weight');
    assert.equal(roles['bn1.weight'], 'bn');
    assert.equal(roles['layer2.0.downsample.1.weight'], 'bn');
    assert.equal(roles['layer2.0.downsample.1.bias'], 'bn');
    assert.equal(roles['layer2.0.downsample.0.weight'], 'weight');
    assert.equal(roles['fc.weight'], 'weight');
    assert.equal(roles['fc.bias'], 'bias');
    const count = (r: string) => Object.values(roles).filter((x) => x === r).length;
    // 8 gated blocks x (fc1.weight, bn.weight, bn.bias, fc2.weight, fc2.bias); 20 BatchNorms x 2; fc.bias.
    assert.equal(count('gate'), 40);
    assert.equal(count('bn'), 40);
    assert.equal(count('bias'), 1);
  });

  it("covers every model's parameters (PSPNet's classifier bias is a bias)", () => {
    const roles = paramRoles(shapesOf('pspnet_resnet50'));
    assert.equal(roles['classifier.bias'], 'bias');
    assert.equal(roles['ppm.0.bn.weight'], 'bn');
    assert.equal(roles['backbone.layer1.0.gate.fc2.weight'], 'gate');
  });
});

describe('checkParamGroups', () => {
  const ok = {
    gate: { lrScale: 1, wdScale: 0 },
    bn: { lrScale: 1, wdScale: 1 },
    bias: { lrScale: 1, wdScale: 1 },
    weight: { lrScale: 1, wdScale: 1 },
  };
  it('accepts a full table and names the field at fault otherwise', () => {
    assert.equal(checkParamGroups('optim.groups', ok), ok);
    assert.throws(
      () => checkParamGroups('optim.groups', { ...ok, gate: { lrScale: -1, wdScale: 0 } }),
      /optim\.groups\.gate\.lrScale must be a finite number >= 0; got -1/,
    );
    assert.throws(
      () => checkParamGroups('optim.groups', { ...ok, head: ok.bn }),
      /optim\.groups: unknown role 'head' \(roles: gate, bn, bias, weight\)/,
    );
    const { bias: _b, ...missing } = ok;
    assert.throws(
      () => checkParamGroups('optim.groups', missing),
      /optim\.groups\.bias must be \{lrScale, wdScale\}/,
    );
  });
});
