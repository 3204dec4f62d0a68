// generalizedBatchShapingLoss: the generalised batch-shaping loss (gBaS) of Havtorn, Royer, Blankevoort,
// Bejnordi, "MSViT: Dynamic Mixed-Scale Tokenization for Vision Transformers" (ICCV 2023 workshops,
// arXiv 2307.02321), the official code's other loss next to the batch-shaping loss of Bejnordi et al. (ICLR 2020).
//
// Batch-shaping matches every gate to one fixed prior. gBaS gives each gate c its own prior, here a
// Relaxed-Bernoulli RB(p_c, tau_c) (relaxed_bernoulli_prior.ts), whose parameters are learned with the network,
// and puts a hyperprior on the learned on-probabilities so that the gates of the network as a whole keep a
// target usage (the official example: a Beta(3, 7) hyperprior, 30% of the gates on on average):
//   p_c = sigmoid(u_c), tau_c = sigmoid(v_c)   (u = onLogits, v = temperatureLogits: tf.Variables, any real)
//   shaping term     S_c = (1/N) sum_i (i/(N+1) - F_RB(x_(i),c; p_c, tau_c))^2  (x_(i),c: gate c sorted over
//                                                                                the batch)
//   hyperprior term  H_k = (k/(G+1) - F_hyper(p_(k)))^2   (p_(k): the G learned p_c of every gate of every
//                                                           layer, sorted; F_hyper: the hyperprior's CDF)
//   temperature term T_c = tau_c   (an L1 penalty on the positive temperatures: peaked, near-binary priors)
// combined over the G gates of all layers with `reduction` (the option of batchShapingLoss and l0GateLoss):
//   'sum'  (default): sum_c S_c + hyperpriorWeight sum_k H_k + temperatureWeight sum_c T_c
//   'mean':           the same with every sum over gates replaced by a mean over gates (1/G sum), which is
//                     what the official code computes for one tensor: gbas_loss(x, dim=1) (mean over
//                     dimensions) + gbas_loss(p, dim=None) (one Batch-Shaping term over the p's) + 0.1 mean(tau).
// So 'sum' = G x 'mean', term by term: both reductions have the same minimisers, and each gate's per-term
// balance (shaping against hyperprior) is the same under both; the weights only set the scale against the task
// loss. Gradients reach the gate probabilities (through the sort, as in batchShapingLoss) and both per-gate
// parameters (exact derivatives of the closed-form CDF; the hyperprior's through the sort of the p's).
//
// What differs from the official code (Qualcomm-AI-research/batchshaping, gbas_loss and its notebook):
// - The hyperprior's Beta CDF runs on the device (beta_cdf_table.ts) with the pdf clipped to [1e-3, 100] as its
//   gradient; the official code computes it with SciPy on the host (a device->host round trip per step).
// - The per-gate CDF is exact on [0, 1] and its x-gradient is the clipped pdf, like batchShapingLoss; the
//   official code clips x to [1e-3, 1 - 1e-3] first (learned_relaxed_bernoulli_cdf.ts says what that changes).
// - The official notebook adds the hyperprior unweighted and 0.1 mean(tau) in the training loop; here they are
//   options (hyperpriorWeight default 1, temperatureWeight default 0: pass 0.1 for the official recipe).
// - Several gated layers: one shaping term per gate of every layer and one hyperprior over all their p's (the
//   official code takes one tensor per call and leaves the aggregation to the caller).
// - Only Relaxed-Bernoulli per-gate priors are learned (the official example); the official code can also learn
//   Beta(a, b) per gate with finite-difference parameter gradients on the host, which this does not offer.
// Nothing is read back to the host unless `validate` (the gate-probability range check of batchShapingLoss)
// is on: pass `validate: false` in training loops and on WebGPU.
import * as tf from '@tensorflow/tfjs-core';
import { betaPrior } from '../ops/beta_prior.js';
import { learnedRelaxedBernoulliCdf } from '../ops/learned_relaxed_bernoulli_cdf.js';
import { checkParam, type Prior } from '../ops/prior.js';
import { type PriorCdfOptions, priorCdf } from '../ops/prior_cdf.js';
import { sortColumns } from '../ops/sort_columns.js';
import { checkGateProbs } from './check_gate_probs.js';
import { checkReduction, type GateLossReduction } from './gate_loss_reduction.js';

/** The learned parameters of the per-gate Relaxed-Bernoulli priors (one entry per gate). */
export interface LearnedGatePriors {
  /** Logit of each gate's prior on-probability, p_c = sigmoid(onLogits[c]): [C], any real. */
  readonly onLogits: tf.Tensor1D;
  /**
   * Logit of each gate's prior temperature, tau_c = sigmoid(temperatureLogits[c]) in (0, 1), as in the official
   * code: [C], any real. Omit it to use the fixed `temperature` option for every gate.
   */
  readonly temperatureLogits?: tf.Tensor1D;
}

export interface GeneralizedBatchShapingLossOptions extends PriorCdfOptions {
  /** Prior on the learned on-probabilities p_c of all gates (default Beta(3, 7), the official example's). */
  hyperprior?: Prior;
  /** Weight of the hyperprior term (default 1, the official example's); 0 drops it. */
  hyperpriorWeight?: number;
  /** Weight of the L1 penalty on the learned temperatures (default 0; the official example uses 0.1). */
  temperatureWeight?: number;
  /** Temperature of every gate's prior when `temperatureLogits` is omitted (default 2/3, the gates' own). */
  temperature?: number;
  /** 'sum' over gates and layers (default) or their 'mean' (what the official code returns for one tensor). */
  reduction?: GateLossReduction;
  /** Check gate probabilities are in [0, 1] and not NaN (one device->host read per call; default true). */
  validate?: boolean;
}

/** The loss and its three terms, each already weighted and reduced: total = shaping + hyperprior + temperature. */
// A type, not an interface: tf.tidy returns it, and only types get the index signature its TensorContainer needs.
export type GeneralizedBatchShapingTerms = {
  total: tf.Scalar;
  shaping: tf.Scalar;
  hyperprior: tf.Scalar;
  temperature: tf.Scalar;
};

let defaultHyperprior: Prior | undefined;

/**
 * Generalised batch-shaping loss of `gateProbs` ([N, C] in [0, 1], or one such tensor per gated layer with the
 * same N) under per-gate Relaxed-Bernoulli priors with learned parameters `priors` (one LearnedGatePriors per
 * layer, or one for all gates of all layers in order). Returns a scalar, differentiable with respect to the
 * gate probabilities and the priors' onLogits and temperatureLogits.
 */
export function generalizedBatchShapingLoss(
  gateProbs: tf.Tensor | readonly tf.Tensor[],
  priors: LearnedGatePriors | readonly LearnedGatePriors[],
  options: GeneralizedBatchShapingLossOptions = {},
): tf.Scalar {
  return tf.tidy(() => {
    const terms = generalizedBatchShapingTermsImpl('generalizedBatchShapingLoss', gateProbs, priors, options);
    return terms.total;
  });
}

/** Like generalizedBatchShapingLoss, also returning each weighted term (for logging); the caller disposes them. */
export function generalizedBatchShapingTerms(
  gateProbs: tf.Tensor | readonly tf.Tensor[],
  priors: LearnedGatePriors | readonly LearnedGatePriors[],
  options: GeneralizedBatchShapingLossOptions = {},
): GeneralizedBatchShapingTerms {
  return tf.tidy(() =>
    generalizedBatchShapingTermsImpl('generalizedBatchShapingTerms', gateProbs, priors, options),
  );
}

function generalizedBatchShapingTermsImpl(
  fn: string,
  gateProbs: tf.Tensor | readonly tf.Tensor[],
  priors: LearnedGatePriors | readonly LearnedGatePriors[],
  options: GeneralizedBatchShapingLossOptions,
): GeneralizedBatchShapingTerms {
  const reduction = checkReduction(fn, options.reduction);
  const hyperpriorWeight = options.hyperpriorWeight ?? 1;
  checkParam(fn, 'options.hyperpriorWeight', hyperpriorWeight, (v) => v >= 0, 'a finite number >= 0');
  const temperatureWeight = options.temperatureWeight ?? 0;
  checkParam(fn, 'options.temperatureWeight', temperatureWeight, (v) => v >= 0, 'a finite number >= 0');
  const fixedTemperature = options.temperature ?? 2 / 3;
  checkParam(fn, 'options.temperature', fixedTemperature, (v) => v > 0, 'a finite number > 0');
  defaultHyperprior ??= betaPrior(3, 7);
  const hyperprior = options.hyperprior ?? defaultHyperprior;
  const layers = checkGateProbs(fn, 'gateProbs', gateProbs, options.validate ?? true);
  const { onLogits, temperatureLogits } = gatherPriors(fn, layers, priors);

  const columns = layers.length === 1 ? layers[0]! : tf.concat(layers, 1); // [N, G]
  const [n, g] = columns.shape;
  const reduce = (perGate: tf.Tensor): tf.Scalar =>
    (reduction === 'mean' ? tf.mean(perGate) : tf.sum(perGate)) as tf.Scalar;

  // Shaping: each gate's probabilities against its own learned prior.
  const temperatures =
    temperatureLogits === undefined
      ? (tf.fill([g], fixedTemperature) as tf.Tensor1D)
      : (tf.sigmoid(temperatureLogits) as tf.Tensor1D); // [G] in (0, 1)
  const sorted = sortColumns(columns); // [N, G]
  const cdf = learnedRelaxedBernoulliCdf(sorted, onLogits, temperatures, options); // [N, G]
  const ecdf = tf.div(tf.range(1, n + 1, 1, 'float32'), n + 1).reshape([n, 1]); // [N, 1]: i / (N + 1)
  const shaping = reduce(tf.mean(tf.squaredDifference(ecdf, cdf), 0)); // S_c = (1/N) sum_i, reduced over c

  // Hyperprior: the learned on-probabilities of all gates, one distribution, against the hyperprior.
  let hyperpriorTerm: tf.Scalar = tf.scalar(0);
  if (hyperpriorWeight > 0) {
    const onProbs = tf.sigmoid(onLogits).reshape([g, 1]); // [G, 1] in (0, 1)
    const hyperCdf = priorCdf(sortColumns(onProbs), hyperprior, options); // [G, 1]
    const rank = tf.div(tf.range(1, g + 1, 1, 'float32'), g + 1).reshape([g, 1]); // k / (G + 1)
    hyperpriorTerm = tf.mul(reduce(tf.squaredDifference(rank, hyperCdf)), hyperpriorWeight);
  }

  // Temperature: L1 on the learned temperatures (they are positive).
  let temperatureTerm: tf.Scalar = tf.scalar(0);
  if (temperatureWeight > 0 && temperatureLogits !== undefined) {
    temperatureTerm = tf.mul(reduce(temperatures), temperatureWeight);
  }
  const total = tf.addN([shaping, hyperpriorTerm, temperatureTerm]) as tf.Scalar;
  return { total, shaping, hyperprior: hyperpriorTerm, temperature: temperatureTerm };
}

/** Checks `priors` against the layers and returns the parameters of all G gates in order, [G] each. */
function gatherPriors(
  fn: string,
  layers: tf.Tensor2D[],
  priors: LearnedGatePriors | readonly LearnedGatePriors[],
): { onLogits: tf.Tensor1D; temperatureLogits: tf.Tensor1D | undefined } {
  const many = Array.isArray(priors);
  const list = (many ? priors : [priors]) as readonly LearnedGatePriors[];
  const widths = many ? layers.map((t) => t.shape[1]) : [layers.reduce((s, t) => s + t.shape[1], 0)];
  if (many && list.length !== layers.length) {
    throw new Error(
      `${fn}: argument 'priors' must hold one LearnedGatePriors per gated layer (${layers.length}); got ${list.length}`,
    );
  }
  const what = many
    ? (i: number) => `priors[${i}]`
    : () => (layers.length > 1 ? 'priors (all gates of all layers)' : 'priors');
  const hasTemperature = list.map((p) => p?.temperatureLogits !== undefined);
  list.forEach((p, i) => {
    if (typeof p !== 'object' || p === null) {
      throw new Error(
        `${fn}: argument '${what(i)}' must be { onLogits, temperatureLogits? }; got ${String(p)}`,
      );
    }
    checkVector(fn, `${what(i)}.onLogits`, p.onLogits, widths[i]!);
    if (p.temperatureLogits !== undefined) {
      checkVector(fn, `${what(i)}.temperatureLogits`, p.temperatureLogits, widths[i]!);
    }
    if (hasTemperature[i] !== hasTemperature[0]) {
      throw new Error(
        `${fn}: argument 'priors' must give temperatureLogits for every layer or for none; ` +
          `priors[0] ${hasTemperature[0] ? 'has' : 'has none'}, priors[${i}] ${hasTemperature[i] ? 'has' : 'has none'}`,
      );
    }
  });
  const cat = (ts: tf.Tensor1D[]) => (ts.length === 1 ? ts[0]! : (tf.concat(ts) as tf.Tensor1D));
  return {
    onLogits: cat(list.map((p) => p.onLogits)),
    temperatureLogits: hasTemperature[0] ? cat(list.map((p) => p.temperatureLogits!)) : undefined,
  };
}

function checkVector(fn: string, arg: string, t: unknown, length: number): void {
  if (!(t instanceof tf.Tensor)) {
    throw new Error(
      `${fn}: argument '${arg}' must be a tf.Tensor [${length}]; got ${t === null ? 'null' : typeof t}`,
    );
  }
  if (t.rank !== 1 || t.shape[0] !== length || t.dtype !== 'float32') {
    throw new Error(
      `${fn}: argument '${arg}' must be a float32 tensor of shape [${length}] (one entry per gate); got ${t.dtype} [${t.shape}]`,
    );
  }
}

export interface LearnedGatePriorsInit {
  /** Initial on-probability of every gate's prior (default 0.5; the official example starts at 0.5). */
  onProb?: number;
  /** Initial temperature of every prior, in (0, 1) (default 0.5, the official example's sigmoid(0)). */
  temperature?: number;
  /** Learn the temperatures too (default true); false leaves `temperatureLogits` out. */
  learnTemperature?: boolean;
  /** Name prefix of the variables (tfjs variable names must be unique). */
  name?: string;
}

/** Trainable per-gate priors for `numGates` gates: tf.Variables the caller's optimiser updates and disposes. */
export function learnedGatePriors(
  numGates: number,
  init: LearnedGatePriorsInit = {},
): { onLogits: tf.Variable<tf.Rank.R1>; temperatureLogits?: tf.Variable<tf.Rank.R1> } {
  const fn = 'learnedGatePriors';
  checkParam(fn, 'numGates', numGates, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  const onProb = init.onProb ?? 0.5;
  checkParam(fn, 'init.onProb', onProb, (v) => v > 0 && v < 1, 'a number in (0, 1)');
  const temperature = init.temperature ?? 0.5;
  checkParam(fn, 'init.temperature', temperature, (v) => v > 0 && v < 1, 'a number in (0, 1)');
  const logit = (v: number) => Math.log(v) - Math.log1p(-v);
  const name = init.name;
  // Inside tidy: the filled tensor is disposed, the variable (which holds its own reference) is kept.
  const make = (value: number, what: string) =>
    tf.tidy(() =>
      tf.variable(
        tf.fill([numGates], value) as tf.Tensor1D,
        true,
        name === undefined ? undefined : `${name}/${what}`,
      ),
    );
  const onLogits = make(logit(onProb), 'onLogits');
  if (init.learnTemperature === false) return { onLogits };
  return { onLogits, temperatureLogits: make(logit(temperature), 'temperatureLogits') };
}
