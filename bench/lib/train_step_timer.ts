// Times the project's own training step (trainStep: forward, backward, SGD momentum; gated models add the
// batch-shaping and L0 terms) of a registered model on the active backend. Shared by the benchmarks.
import * as tf from '@tensorflow/tfjs-core';
import type { GatedModel, ModelName } from '../../src/models/model_types.js';
import { createModel } from '../../src/models/registry.js';
import { Optimizer, UNIFORM_GROUPS } from '../../src/train/optimizer.js';
import { trainStep } from '../../src/train/train_step.js';

export const BENCH_LOSS_WEIGHTS = { gamma: 0.75, lambda: 0.1 };

export interface StepTimingOptions {
  model: ModelName;
  gated: boolean;
  batch: number;
  /** Input side (square), e.g. 32 for CIFAR models, 224 for ImageNet models. */
  size: number;
  /** Channel width multiplier (default 1) and initial gate bias (default the library's), as in a preset. */
  widthMultiplier?: number;
  gateBiasInit?: number;
  steps: number;
  warmup?: number;
}

/**
 * The library's own optimizer, as npm start and the notebooks train: SGD momentum 0.9, weight decay 5e-4 (as the
 * PyTorch twin's torch.optim.SGD in bench/reference/resnet_torch.py).
 */
export function benchOptimizer(model: GatedModel): Optimizer {
  return new Optimizer(model.namedWeights(), {
    kind: 'sgd',
    momentum: 0.9,
    nesterov: false,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 5e-4,
    groups: UNIFORM_GROUPS,
  });
}

/** A fresh model, optimizer and random batch; `step()` runs one training step and frees its losses. */
export function trainStepFixture(opts: Omit<StepTimingOptions, 'steps' | 'warmup'>) {
  const model = createModel(opts.model, {
    gating: opts.gated ? 'channel' : 'none',
    seed: 1,
    ...(opts.widthMultiplier !== undefined && { widthMultiplier: opts.widthMultiplier }),
    ...(opts.gateBiasInit !== undefined && { gateBiasInit: opts.gateBiasInit }),
  });
  const classes = model.config.numClasses;
  const optimizer = benchOptimizer(model);
  const images = tf.randomNormal<tf.Rank.R4>([opts.batch, opts.size, opts.size, 3], 0, 1, 'float32', 2);
  const labels = tf.tensor1d(
    Int32Array.from({ length: opts.batch }, (_, i) => i % classes),
    'int32',
  );
  return {
    /** One step; resolves once its loss is on the host (the step has finished on the device). */
    async step(): Promise<void> {
      const losses = trainStep(model, optimizer, images, labels, BENCH_LOSS_WEIGHTS, { lr: 0.05 });
      await losses.total.data();
      tf.dispose(Object.values(losses));
    },
    dispose(): void {
      tf.dispose([images, labels]);
      optimizer.dispose();
      model.dispose();
    },
  };
}

/** Seconds per training step of a fresh model with random data, after `warmup` untimed steps. */
export async function secondsPerStep(opts: StepTimingOptions): Promise<number> {
  const fixture = trainStepFixture(opts);
  try {
    for (let i = 0; i < (opts.warmup ?? 1); i++) await fixture.step();
    const t0 = performance.now();
    for (let i = 0; i < opts.steps; i++) await fixture.step();
    return (performance.now() - t0) / 1000 / opts.steps;
  } finally {
    fixture.dispose();
  }
}
