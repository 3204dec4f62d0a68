// Learning rate over training: a base schedule over the fraction of training done ('step' at milestone
// fractions, as the paper's CIFAR recipe "divide by 10 at 60/75/90%"; 'cosine' to 0; 'poly', PSPNet's
// (1 - p)^0.9; 'constant'), multiplied by an optional linear warm-up over the first epochs (Goyal et al. 2017).
// A pure function of the position in training, so a resumed run needs no scheduler state.
import type { TrainConfig } from './train_config.js';

/**
 * The learning rate at `epochPosition` = epoch + step / stepsPerEpoch (a float in [0, epochs]).
 */
export function learningRateAt(
  config: Pick<TrainConfig, 'optim' | 'lr' | 'epochs'>,
  epochPosition: number,
): number {
  if (!(epochPosition >= 0 && epochPosition <= config.epochs)) {
    throw new Error(
      `learningRateAt: argument 'epochPosition' must be in [0, ${config.epochs}] (epochs); got ${epochPosition}`,
    );
  }
  const { lr } = config;
  const base = config.optim.lr;
  const p = epochPosition / config.epochs;
  let factor: number;
  switch (lr.schedule) {
    case 'step': {
      const passed = lr.milestones.filter((m) => p >= m).length;
      factor = lr.stepFactor ** passed;
      break;
    }
    case 'cosine':
      factor = 0.5 * (1 + Math.cos(Math.PI * p));
      break;
    case 'poly':
      factor = (1 - p) ** lr.polyPower;
      break;
    default:
      factor = 1;
  }
  if (lr.warmupEpochs > 0 && epochPosition < lr.warmupEpochs) {
    const r = epochPosition / lr.warmupEpochs;
    factor *= lr.warmupStartFactor + (1 - lr.warmupStartFactor) * r;
  }
  return base * factor;
}
