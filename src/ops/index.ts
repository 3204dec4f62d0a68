// Public surface of the ops module: the differentiable sort, prior distributions and the prior CDF op.
export { type BetaCdfTable, betaCdfFromTable, betaCdfTable, TABLE_TOLERANCE } from './beta_cdf_table.js';
export { betaPrior } from './beta_prior.js';
export { normalPrior } from './normal_prior.js';
export type { Prior } from './prior.js';
export { PDF_CLIP_MAX, PDF_CLIP_MIN, type PriorCdfOptions, priorCdf } from './prior_cdf.js';
export { relaxedBernoulliPrior } from './relaxed_bernoulli_prior.js';
export { sortColumns } from './sort_columns.js';
