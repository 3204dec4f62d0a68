// Training-step time of one of the project's models under several kernel variants (kernel_switch.ts), measured
// in one process on one model: the variants alternate step by step (round r runs every variant once), so drift
// in clocks, temperature or other load hits them alike; each variant's time is the median over the rounds.
// The step is the library's public training path: gatedLossGradients (forward, backward through CE +
// gamma * batch-shaping + lambda * L0; src/train/train_step.ts) and Optimizer.step (SGD, momentum 0.9, weight
// decay 5e-4 as in bench/reference/resnet_torch.py; src/train/optimizer.ts). A step ends when its loss is on
// the host: the read waits for every command queued before it, the optimizer's included.
import * as tf from '@tensorflow/tfjs-core';
import type { ModelName } from '../../src/models/model_types.js';
import { createModel } from '../../src/models/registry.js';
import { gatedLossGradients } from '../../src/train/train_step.js';
import { benchOptimizer } from '../lib/train_step_timer.js';
import { applyVariant, type KernelVariant } from './kernel_switch.js';

/** The batch-shaping and L0 weights of the benchmark step (the CIFAR recipe's). */
export const STEP_LOSS_WEIGHTS = { gamma: 0.75, lambda: 0.1 };
const LEARNING_RATE = 0.05;

export interface StepAbOptions {
  model: ModelName;
  gated: boolean;
  batch: number;
  /** Input side (square). */
  size: number;
  /** Timed rounds (each runs every variant once), after one untimed warm-up round (shader compilation). */
  rounds: number;
  variants: KernelVariant[];
  /** Stop starting new rounds once this wall-clock time (performance.now() ms) has passed. */
  deadline?: number;
}

export interface VariantTiming {
  variant: string;
  /** Median seconds per step over the timed rounds. */
  secondsPerStep: number;
  imagesPerSecond: number;
  /** Every timed step, seconds. */
  steps: number[];
  /** First (warm-up) step, seconds: includes compiling the variant's shaders. */
  firstStep: number;
  /** Loss of the last step (finite: the variant trains). */
  lastLoss: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs the rounds; the kernels registered afterwards are those of the last variant (callers reset them). */
export async function timeTrainStepVariants(opts: StepAbOptions): Promise<VariantTiming[]> {
  const model = createModel(opts.model, { gating: opts.gated ? 'channel' : 'none', seed: 1 });
  const classes = model.config.numClasses;
  const optimizer = benchOptimizer(model);
  const images = tf.randomNormal<tf.Rank.R4>([opts.batch, opts.size, opts.size, 3], 0, 1, 'float32', 2);
  const labels = tf.tensor1d(
    Int32Array.from({ length: opts.batch }, (_, i) => i % classes),
    'int32',
  );
  const step = async (): Promise<{ seconds: number; loss: number }> => {
    const t0 = performance.now();
    const r = gatedLossGradients(model, { images, labels }, { weights: STEP_LOSS_WEIGHTS });
    optimizer.step(r.grads, LEARNING_RATE);
    const loss = (await r.total.data())[0]!;
    const seconds = (performance.now() - t0) / 1000;
    tf.dispose([r.total, r.ce, r.bas, r.l0, r.correct, r.counted, r.gateOn, ...Object.values(r.grads)]);
    return { seconds, loss };
  };
  const timings = opts.variants.map((v) => ({
    v,
    steps: [] as number[],
    firstStep: 0,
    lastLoss: Number.NaN,
  }));
  try {
    for (const t of timings) {
      applyVariant(t.v);
      const s = await step();
      t.firstStep = s.seconds;
      t.lastLoss = s.loss;
    }
    for (let round = 0; round < opts.rounds; round++) {
      if (round > 0 && opts.deadline !== undefined && performance.now() > opts.deadline) break;
      for (const t of timings) {
        applyVariant(t.v);
        const s = await step();
        t.steps.push(s.seconds);
        t.lastLoss = s.loss;
      }
    }
  } finally {
    tf.dispose([images, labels]);
    optimizer.dispose();
    model.dispose();
  }
  return timings.map((t) => {
    const seconds = t.steps.length > 0 ? median(t.steps) : t.firstStep;
    return {
      variant: t.v.name,
      secondsPerStep: seconds,
      imagesPerSecond: opts.batch / seconds,
      steps: t.steps,
      firstStep: t.firstStep,
      lastLoss: t.lastLoss,
    };
  });
}
