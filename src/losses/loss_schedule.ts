// LossSchedule: the weights of the gate losses over training, total = CE + gamma * BaS + lambda * L0.
//
// Bejnordi et al. (ICLR 2020): the batch-shaping weight gamma (0.75 in the paper) starts high so gates learn
// to be conditional early, and is annealed to 0 so the end of training is driven by the task (and L0) alone;
// the L0 weight lambda is switched on only after a warm-up, so the network does not lose capacity before the
// gates have become conditional. The paper does not fix the annealing curve; we offer linear and cosine over
// a configurable window. lambda trades accuracy for MACs and is chosen per experiment (the paper sweeps it),
// so its default is 0 (off) rather than a number that would silently pick a cost for the user.
// `progress` is the fraction of training done, in [0, 1] (e.g. (epoch + step / stepsPerEpoch) / epochs).

export type AnnealShape = 'linear' | 'cosine' | 'constant';

export interface LossSchedule {
  /** Batch-shaping weight at the start (default 0.75). */
  gamma: number;
  /** How gamma goes from `gamma` to 0 between `gammaAnnealStart` and `gammaAnnealEnd` (default 'linear'). */
  gammaAnneal: AnnealShape;
  /** Progress at which annealing begins; gamma is constant before (default 0). */
  gammaAnnealStart: number;
  /** Progress at which gamma reaches 0 and stays there (default 1). */
  gammaAnnealEnd: number;
  /** L0 weight once switched on (default 0: off; choose it to set the accuracy/MAC trade-off). */
  lambda: number;
  /** Progress before which lambda is 0, the warm-up as a fraction of training (default 0.2). */
  lambdaWarmup: number;
}

export const DEFAULT_LOSS_SCHEDULE: Readonly<LossSchedule> = Object.freeze({
  gamma: 0.75,
  gammaAnneal: 'linear',
  gammaAnnealStart: 0,
  gammaAnnealEnd: 1,
  lambda: 0,
  lambdaWarmup: 0.2,
});

const SHAPES: readonly AnnealShape[] = ['linear', 'cosine', 'constant'];

/** A complete, checked schedule: the defaults overridden by `overrides`. */
export function lossSchedule(overrides: Partial<LossSchedule> = {}): LossSchedule {
  const s: LossSchedule = { ...DEFAULT_LOSS_SCHEDULE, ...overrides };
  const fn = 'lossSchedule';
  const fraction = (k: keyof LossSchedule) => {
    const v = s[k];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw new Error(`${fn}: field '${k}' must be a fraction of training in [0, 1]; got ${String(v)}`);
    }
  };
  for (const k of ['gamma', 'lambda'] as const) {
    if (typeof s[k] !== 'number' || !Number.isFinite(s[k]) || s[k] < 0) {
      throw new Error(`${fn}: field '${k}' must be a finite number >= 0; got ${String(s[k])}`);
    }
  }
  if (!SHAPES.includes(s.gammaAnneal)) {
    throw new Error(
      `${fn}: field 'gammaAnneal' must be one of ${SHAPES.join(', ')}; got ${String(s.gammaAnneal)}`,
    );
  }
  fraction('gammaAnnealStart');
  fraction('gammaAnnealEnd');
  fraction('lambdaWarmup');
  if (s.gammaAnnealEnd < s.gammaAnnealStart) {
    throw new Error(
      `${fn}: field 'gammaAnnealEnd' must be >= gammaAnnealStart (${s.gammaAnnealStart}); got ${s.gammaAnnealEnd}`,
    );
  }
  return s;
}

/** The loss weights at `progress` (fraction of training done, in [0, 1]). */
export function lossWeightsAt(schedule: LossSchedule, progress: number): { gamma: number; lambda: number } {
  if (typeof progress !== 'number' || !(progress >= 0 && progress <= 1)) {
    throw new Error(`lossWeightsAt: argument 'progress' must be a number in [0, 1]; got ${String(progress)}`);
  }
  const { gamma, gammaAnneal, gammaAnnealStart: start, gammaAnnealEnd: end } = schedule;
  let g: number;
  if (gammaAnneal === 'constant' || progress <= start) g = gamma;
  else if (progress >= end) g = 0;
  else {
    const r = (progress - start) / (end - start); // in (0, 1)
    g = gammaAnneal === 'linear' ? gamma * (1 - r) : gamma * 0.5 * (1 + Math.cos(Math.PI * r));
  }
  const lambda = progress >= schedule.lambdaWarmup ? schedule.lambda : 0;
  return { gamma: g, lambda };
}
