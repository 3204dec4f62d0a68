// The running metrics of one training epoch: every step adds its losses, counts and time, and the epoch's
// means (the training columns of metrics/epochs.arrow) and the progress-bar averages are read from the sums.
// The sums are plain JSON (EpochSums) so a checkpoint taken mid-epoch stores them and a resumed run ends the
// epoch with exactly the means an uninterrupted run would have had.
import type { MetricsRow } from './metrics_table.js';

/** What one training step measured. */
export interface StepMeasure {
  /** Images in the batch. */
  images: number;
  loss: number;
  ce: number;
  bas: number;
  l0: number;
  /** Correct predictions and the number of predictions counted (pixels for segmentation). */
  correct: number;
  counted: number;
  /** Mean fraction of gates on in the step. */
  gateOn: number;
  /** Wall time of the step, update included. */
  seconds: number;
}

const SUMMED = ['images', 'loss', 'ce', 'bas', 'l0', 'correct', 'counted', 'gateOn', 'seconds'] as const;

/** Running sums over the steps of one epoch (stored in a checkpoint's resume state). */
export type EpochSums = { steps: number } & StepMeasure;

export function emptyEpochSums(): EpochSums {
  return {
    steps: 0,
    images: 0,
    loss: 0,
    ce: 0,
    bas: 0,
    l0: 0,
    correct: 0,
    counted: 0,
    gateOn: 0,
    seconds: 0,
  };
}

/** The training columns of an epoch row. */
export type EpochTrainColumns = Pick<
  MetricsRow,
  | 'trainLoss'
  | 'trainCe'
  | 'trainBas'
  | 'trainL0'
  | 'trainAccuracy'
  | 'trainGateOn'
  | 'trainImagesPerSecond'
  | 'trainSeconds'
>;

export class EpochMetrics {
  private readonly sums: EpochSums;

  /** Starts from `sums` (a resumed epoch) or from zero. */
  constructor(sums: EpochSums = emptyEpochSums()) {
    this.sums = { ...emptyEpochSums(), ...sums };
  }

  add(step: StepMeasure): void {
    this.sums.steps += 1;
    for (const k of SUMMED) this.sums[k] += step[k];
  }

  get steps(): number {
    return this.sums.steps;
  }

  /** Mean per step of a loss term or of the gate-on fraction (0 before the first step). */
  meanPerStep(key: 'loss' | 'ce' | 'bas' | 'l0' | 'gateOn'): number {
    return this.sums[key] / Math.max(1, this.sums.steps);
  }

  /** Correct / counted over the epoch so far. */
  accuracy(): number {
    return this.sums.correct / Math.max(1, this.sums.counted);
  }

  imagesPerSecond(): number {
    return this.sums.images / Math.max(1e-9, this.sums.seconds);
  }

  /** A copy of the sums, for the resume state. */
  snapshot(): EpochSums {
    return { ...this.sums };
  }

  /** The epoch row's training columns. */
  trainColumns(): EpochTrainColumns {
    return {
      trainLoss: this.meanPerStep('loss'),
      trainCe: this.meanPerStep('ce'),
      trainBas: this.meanPerStep('bas'),
      trainL0: this.meanPerStep('l0'),
      trainAccuracy: this.accuracy(),
      trainGateOn: this.meanPerStep('gateOn'),
      trainImagesPerSecond: this.imagesPerSecond(),
      trainSeconds: this.sums.seconds,
    };
  }
}
