// The weights a run's config gives over training, sampled for plotting: the learning rate (lr_schedule.ts)
// and the gate-loss weights gamma and lambda (lossWeightsAt), at evenly spaced points of progress. Plain
// numbers, so the analysis module's scheduleFigure can draw them without tfjs.
import { lossWeightsAt } from '../losses/loss_schedule.js';
import { learningRateAt } from './lr_schedule.js';
import type { TrainConfig } from './train_config.js';

export interface SchedulePoint {
  /** Fraction of training done, in [0, 1]. */
  progress: number;
  lr: number;
  gamma: number;
  lambda: number;
}

/** `points` (>= 2) samples of lr, gamma and lambda from the start to the end of training. */
export function scheduleCurve(
  config: Pick<TrainConfig, 'optim' | 'lr' | 'epochs' | 'loss'>,
  points = 201,
): SchedulePoint[] {
  if (!(Number.isInteger(points) && points >= 2)) {
    throw new Error(`scheduleCurve: argument 'points' must be an integer >= 2; got ${points}`);
  }
  return Array.from({ length: points }, (_, i) => {
    const progress = i / (points - 1);
    const { gamma, lambda } = lossWeightsAt(config.loss, progress);
    return { progress, lr: learningRateAt(config, progress * config.epochs), gamma, lambda };
  });
}
