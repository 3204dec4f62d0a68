// learnedRelaxedBernoulliCdf: the CDF of one Relaxed-Bernoulli (binary Concrete) distribution per column, with
// parameters that are tensors and receive gradients: the per-gate priors of the generalised batch-shaping loss
// (Havtorn, Royer, Blankevoort, Bejnordi, "MSViT: Dynamic Mixed-Scale Tokenization for Vision Transformers",
// ICCV 2023 workshops, arXiv 2307.02321), whose priors are learned with the network.
//
// Column c has on-probability p_c = sigmoid(u_c) (u = onLogits) and temperature tau_c > 0. As in
// relaxed_bernoulli_prior.ts (the law of s = sigmoid((logit p + L) / tau), L ~ Logistic(0, 1)):
//   F(x; u, tau) = sigmoid(z),  z = tau logit(x) - u,  F(0) = 0, F(1) = 1, F(1/2) = 1 - p.
// Derivatives, with s = F (1 - F) = sigmoid(z) sigmoid(-z):
//   dF/du = -s,   dF/dtau = s logit(x),   dF/dx = s tau / (x (1 - x))  (the pdf).
// At x = 0 and x = 1 F does not depend on (u, tau): their gradients are exactly 0 there.
//
// What differs from the official PyTorch code (Qualcomm-AI-research/batchshaping, get_relaxed_bernoulli_cdf):
// it clips x to [1e-3, 1 - 1e-3] before the closed form, so its forward value at a saturated gate is
// F(1e-3) (0.03 for p = 1/2, tau = 1/2), not 0, and autograd gives saturated gates no gradient at all. Here the
// forward pass is the exact CDF on [0, 1], the parameter gradients are exact, and the gradient with respect to
// x is the pdf clipped to [pdfClipMin, pdfClipMax] (default [1e-3, 100]) like every prior of batchShapingLoss
// (priorCdf): the pdf is infinite at 0 or 1 for tau < 1, and the floor keeps saturated gates moving. At x = 0
// and x = 1 exactly that pdf is taken at the nearest float32 inside (1e-37, 1 - 2^-24), as relaxedBernoulliPrior's
// pdf does, then clipped.
// Everything runs on the active backend (elementwise ops and column sums): no host round trip.
import * as tf from '@tensorflow/tfjs-core';
import { PDF_CLIP_MAX, PDF_CLIP_MIN, type PriorCdfOptions } from './prior_cdf.js';

/** Largest float32 below 1, and the smallest normal-range value we evaluate logit at. */
const ONE_BELOW = 1 - 2 ** -24;
const TINY = 1e-37;

/**
 * F[i, c] = CDF of RelaxedBernoulli(sigmoid(onLogits[c]), temperatures[c]) at x[i, c], for x [N, C] in
 * [0, 1], onLogits [C] (any real), temperatures [C] (> 0). Differentiable with respect to all three inputs.
 */
export function learnedRelaxedBernoulliCdf(
  x: tf.Tensor2D,
  onLogits: tf.Tensor1D,
  temperatures: tf.Tensor1D,
  options: PriorCdfOptions = {},
): tf.Tensor2D {
  const fn = 'learnedRelaxedBernoulliCdf';
  if (!(x instanceof tf.Tensor) || x.rank !== 2 || x.dtype !== 'float32') {
    throw new Error(`${fn}: argument 'x' must be a float32 tensor [N, C]; got ${describe(x)}`);
  }
  const c = x.shape[1];
  for (const [arg, t] of [
    ['onLogits', onLogits],
    ['temperatures', temperatures],
  ] as const) {
    if (!(t instanceof tf.Tensor) || t.rank !== 1 || t.dtype !== 'float32' || t.shape[0] !== c) {
      throw new Error(
        `${fn}: argument '${arg}' must be a float32 tensor [C] with C = ${c}; got ${describe(t)}`,
      );
    }
  }
  const lo = options.pdfClipMin ?? PDF_CLIP_MIN;
  const hi = options.pdfClipMax ?? PDF_CLIP_MAX;
  if (!(lo >= 0 && hi >= lo)) {
    throw new Error(`${fn}: options pdfClipMin/pdfClipMax must satisfy 0 <= min <= max; got ${lo}, ${hi}`);
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, u, tau, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    save([xs, u, tau]);
    const value = tf.tidy(() => {
      const { z, xc } = parts(xs, u, tau);
      // The interior formula at the clipped x, then the exact values at the support's ends.
      const cdf = tf.where(tf.lessEqual(xc, 0), tf.zerosLike(z), tf.sigmoid(z));
      const exact = tf.where(tf.greaterEqual(xc, 1), tf.onesLike(z), cdf);
      return tf.where(tf.isNaN(xs), xs, exact); // a NaN input stays NaN (wasm's clamp would hide it)
    });
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
      tf.tidy(() => {
        const [xSaved, uSaved, tauSaved] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
        const { z, xc, logitX, logX, log1mX } = parts(xSaved, uSaved, tauSaved);
        const logS = tf.add(tf.logSigmoid(z), tf.logSigmoid(tf.neg(z))); // log F (1 - F)
        const interior = tf.cast(tf.logicalAnd(tf.greater(xc, 0), tf.less(xc, 1)), 'float32');
        const sDy = tf.mul(tf.mul(tf.exp(logS), interior), dy); // [N, C]
        const logPdf = tf.sub(tf.add(logS, tf.log(tauSaved.reshape([1, -1]))), tf.add(logX, log1mX));
        const inside = tf.logicalAnd(tf.greaterEqual(xSaved, 0), tf.lessEqual(xSaved, 1));
        const pdf = tf.where(inside, tf.exp(logPdf), tf.zerosLike(logPdf));
        const dx = tf.mul(dy, tf.clipByValue(pdf, lo, hi));
        const du = tf.neg(tf.sum(sDy, 0));
        const dtau = tf.sum(tf.mul(sDy, logitX), 0);
        return [dx, du, dtau];
      });
    return { value, gradFunc };
  });
  return op(x, onLogits, temperatures) as tf.Tensor2D;
}

/** z = tau logit(x) - u at x clamped into the open interval (where every term is finite). */
function parts(x: tf.Tensor2D, u: tf.Tensor1D, tau: tf.Tensor1D) {
  const xc = tf.clipByValue(x, 0, 1);
  const xi = tf.clipByValue(xc, TINY, ONE_BELOW);
  const logX = tf.log(xi);
  const log1mX = tf.log1p(tf.neg(xi));
  const logitX = tf.sub(logX, log1mX);
  const z = tf.sub(tf.mul(logitX, tau.reshape([1, -1])), u.reshape([1, -1]));
  return { z, xc, logitX, logX, log1mX };
}

function describe(v: unknown): string {
  if (v instanceof tf.Tensor) return `${v.dtype} tensor of shape [${v.shape}]`;
  return v === null || v === undefined ? String(v) : typeof v;
}
