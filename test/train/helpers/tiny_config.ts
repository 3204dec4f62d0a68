// The 'tiny' preset cut to a few steps on a small synthetic dataset under `root`: the trainer tests' run.
import { join } from 'node:path';
import { getPreset } from '../../../src/train/presets.js';
import type { TrainConfig } from '../../../src/train/train_config.js';

export function tinyConfig(root: string): TrainConfig {
  const c = getPreset('tiny');
  c.data.dir = join(root, 'synthetic-16');
  c.data.syntheticTrain = 96;
  c.data.syntheticTest = 32;
  c.data.maxStepsPerEpoch = 3;
  c.data.maxEvalSamples = 32;
  c.data.batchSize = 8;
  c.epochs = 2;
  return c;
}
