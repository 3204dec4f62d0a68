// Model options: one schema for types and checks; the option keys and the model names come from the
// schema and the registry table rather than from a second list, and every error names the option.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkModelOptions,
  MODEL_OPTION_DEFAULTS,
  MODEL_OPTION_KEYS,
} from '../../src/models/model_options.js';
import { isModelName, listModels, resolveModelConfig } from '../../src/models/registry.js';

describe('model options', () => {
  it('lists every option key of the schema, and the defaults cover all but the family-dependent ones', () => {
    assert.deepEqual(
      [...MODEL_OPTION_KEYS].sort(),
      [...Object.keys(MODEL_OPTION_DEFAULTS), 'numClasses', 'dropout'].sort(),
    );
    assert.ok(MODEL_OPTION_KEYS.includes('widthMultiplier'));
  });

  it('names the option at fault and what it must be', () => {
    assert.throws(
      () => checkModelOptions('createModel', { widthMultiplier: -1 }),
      /^Error: createModel: option 'widthMultiplier' must be a number > 0; got -1$/,
    );
    assert.throws(
      () => checkModelOptions('createModel', { dropout: 1 }),
      /option 'dropout' must be a number in \[0, 1\); got 1/,
    );
    assert.throws(
      () => checkModelOptions('createModel', { widthMultipler: 2 }),
      /unknown option 'widthMultipler' \(known: gating, widthMultiplier, /,
    );
    assert.throws(() => checkModelOptions('createModel', 3), /argument 'options' must be an object/);
  });

  it('fills the defaults, by family where they differ', () => {
    const cifar = resolveModelConfig('resnet20');
    assert.equal(cifar.dropout, 0);
    assert.equal(cifar.numClasses, 10);
    assert.equal(cifar.widthMultiplier, MODEL_OPTION_DEFAULTS.widthMultiplier);
    const psp = resolveModelConfig('pspnet_resnet18', { gating: 'none' });
    assert.equal(psp.dropout, 0.1);
    assert.equal(psp.numClasses, 19);
    assert.equal(psp.gating, 'none');
  });

  it('takes the model names from the registry table', () => {
    assert.ok(listModels().length >= 9);
    for (const name of listModels()) assert.ok(isModelName(name));
    assert.equal(isModelName('resnet9'), false);
    assert.equal(isModelName('toString'), false);
  });
});
