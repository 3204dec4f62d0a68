// LossSchedule: the weights of the gate losses over training, total = CE + gamma * BaS + lambda * L0.
//
// Bejnordi et al. (ICLR 2020): the batch-shaping weight gamma (0.75 in the paper) starts high so gates learn
// to be conditional early, and is annealed to 0 so the end of training is driven by the task (and L0) alone;
// the L0 weight lambda comes in only after the gates have become conditional, so the network does not lose
// capacity first. The paper's training code is not public; a public reimplementation of its CIFAR recipe
// anneals gamma linearly to 0 by 20% of training (epoch 100 of 500) and ramps lambda linearly from 20% to 60%
// (epochs 100 to 300): those are our defaults. Linear and cosine annealing are offered over a configurable
// window, and gamma may rise from 0 over an optional warm-up. lambda trades accuracy for MACs and is chosen
// per experiment (the paper sweeps it), so its default is 0 (off) rather than a number that would silently
// pick a cost for the user. `progress` is the fraction of training done, in [0, 1]
// (e.g. (epoch + step / stepsPerEpoch) / epochs).

import type { z } from 'zod';
import { fieldProblems, numberWhere, oneOf, problemSentence, strictObject } from '../io/schema_issues.js';

export type AnnealShape = 'linear' | 'cosine' | 'constant';

export interface LossSchedule {
  /** Batch-shaping weight after the warm-up (default 0.75). */
  gamma: number;
  /** Progress by which gamma has risen linearly from 0 to `gamma` (default 0: no warm-up). */
  gammaWarmup: number;
  /** How gamma goes from `gamma` to 0 between `gammaAnnealStart` and `gammaAnnealEnd` (default 'linear'). */
  gammaAnneal: AnnealShape;
  /** Progress at which annealing begins; gamma is constant before (default 0). */
  gammaAnnealStart: number;
  /** Progress at which gamma reaches 0 and stays there (default 0.2). */
  gammaAnnealEnd: number;
  /** L0 weight at the end of its ramp (default 0: off; choose it to set the accuracy/MAC trade-off). */
  lambda: number;
  /** Progress before which lambda is 0 (default 0.2). */
  lambdaRampStart: number;
  /** Progress from which lambda is at its full value, rising linearly after lambdaRampStart (default 0.6). */
  lambdaRampEnd: number;
}

export const DEFAULT_LOSS_SCHEDULE: Readonly<LossSchedule> = Object.freeze({
  gamma: 0.75,
  gammaWarmup: 0,
  gammaAnneal: 'linear',
  gammaAnnealStart: 0,
  gammaAnnealEnd: 0.2,
  lambda: 0,
  lambdaRampStart: 0.2,
  lambdaRampEnd: 0.6,
});

const SHAPES = ['linear', 'cosine', 'constant'] as const satisfies readonly AnnealShape[];

const fraction = numberWhere('a fraction of training in [0, 1]', (v) => v >= 0 && v <= 1);
const weight = numberWhere('a finite number >= 0', (v) => v >= 0);

/** The fields of a LossSchedule and what each must be (TrainConfig's `loss` section extends them). */
export const lossScheduleShape = {
  gamma: weight,
  gammaWarmup: fraction,
  gammaAnneal: oneOf(SHAPES, `one of ${SHAPES.join(', ')}`),
  gammaAnnealStart: fraction,
  gammaAnnealEnd: fraction,
  lambda: weight,
  lambdaRampStart: fraction,
  lambdaRampEnd: fraction,
};

/** The order of the schedule's points: warm-up <= anneal start <= anneal end, ramp start <= ramp end. */
export function checkLossScheduleOrder(s: LossSchedule, ctx: z.RefinementCtx): void {
  const ordered = (lo: keyof LossSchedule, hi: keyof LossSchedule) => {
    if ((s[hi] as number) < (s[lo] as number)) {
      ctx.addIssue({ code: 'custom', path: [hi], message: `>= ${lo} (${s[lo]})`, input: s[hi] });
    }
  };
  ordered('gammaAnnealStart', 'gammaAnnealEnd');
  ordered('gammaWarmup', 'gammaAnnealStart');
  ordered('lambdaRampStart', 'lambdaRampEnd');
}

const lossScheduleSchema = strictObject(lossScheduleShape).superRefine(checkLossScheduleOrder);

/** A complete, checked schedule: the defaults overridden by `overrides`. */
export function lossSchedule(overrides: Partial<LossSchedule> = {}): LossSchedule {
  const s = { ...DEFAULT_LOSS_SCHEDULE, ...overrides };
  const parsed = lossScheduleSchema.safeParse(s);
  if (!parsed.success) {
    const [first] = fieldProblems(parsed.error, s);
    throw new Error(`lossSchedule: ${first ? problemSentence(first) : parsed.error.message}`);
  }
  return parsed.data;
}

/** The loss weights at `progress` (fraction of training done, in [0, 1]). */
export function lossWeightsAt(schedule: LossSchedule, progress: number): { gamma: number; lambda: number } {
  if (typeof progress !== 'number' || !(progress >= 0 && progress <= 1)) {
    throw new Error(`lossWeightsAt: argument 'progress' must be a number in [0, 1]; got ${String(progress)}`);
  }
  const { gamma, gammaWarmup, gammaAnneal, gammaAnnealStart: start, gammaAnnealEnd: end } = schedule;
  let g: number;
  if (progress < gammaWarmup) g = (gamma * progress) / gammaWarmup;
  else if (gammaAnneal === 'constant' || progress <= start) g = gamma;
  else if (progress >= end) g = 0;
  else {
    const r = (progress - start) / (end - start); // in (0, 1)
    g = gammaAnneal === 'linear' ? gamma * (1 - r) : gamma * 0.5 * (1 + Math.cos(Math.PI * r));
  }
  const { lambda, lambdaRampStart: rampStart, lambdaRampEnd: rampEnd } = schedule;
  let l: number;
  if (progress < rampStart) l = 0;
  else if (progress >= rampEnd) l = lambda;
  else l = (lambda * (progress - rampStart)) / (rampEnd - rampStart);
  return { gamma: g, lambda: l };
}
