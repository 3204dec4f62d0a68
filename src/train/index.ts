// Public surface of the train module.
export { type LossWeights, type StepLosses, trainStep } from './train_step.js';
