// relaxedBernoulliPrior: the binary Concrete / relaxed Bernoulli distribution (Maddison et al. 2017, Jang et
// al. 2017) as a batch-shaping prior, as in the official PyTorch code of Bejnordi et al. (ICLR 2020). It is the
// law of the training-time gate's soft value s = sigmoid((logit(p) + L) / tau), L ~ Logistic(0, 1).
//
// Closed-form CDF (derived here; the tests check it against Monte Carlo samples of that definition):
//   X <= x  <=>  (logit p + L) / tau <= logit x  <=>  L <= tau logit(x) - logit(p), so
//   F(x) = sigmoid(tau logit(x) - logit(p)),   x in (0, 1),
//   f(x) = sigmoid(z) sigmoid(-z) tau / (x (1 - x)),   z = tau logit(x) - logit(p).
// Note F(1/2) = 1 - p: the hard gate 1[X > 1/2] is on with probability p. `p` is that probability, not the
// mean of X; the mean has no closed form and is computed by quadrature (exact to ~1e-12 for tau >= 0.05).
import * as tf from '@tensorflow/tfjs-core';
import { checkParam, type Prior } from './prior.js';

const logit = (v: number) => Math.log(v) - Math.log1p(-v);
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Relaxed Bernoulli with on-probability p in (0, 1) and temperature tau > 0 (the gates use tau = 2/3). */
export function relaxedBernoulliPrior(p = 0.5, temperature = 2 / 3): Prior {
  checkParam('relaxedBernoulliPrior', 'p', p, (v) => v > 0 && v < 1, 'a number in (0, 1)');
  checkParam('relaxedBernoulliPrior', 'temperature', temperature, (v) => v > 0, 'a finite number > 0');
  const tau = temperature;
  const logitP = logit(p);
  return {
    name: `RelaxedBernoulli(${p}, ${tau})`,
    params: { p, temperature: tau },
    mean: relaxedBernoulliMean(logitP, tau),
    cdf: (x) =>
      tf.tidy(() => {
        const xc = tf.clipByValue(x, 0, 1);
        // logit(0) = -Infinity and logit(1) = +Infinity give F = 0 and 1 exactly.
        const logitX = tf.sub(tf.log(xc), tf.log1p(tf.neg(xc)));
        const cdf = tf.sigmoid(tf.sub(tf.mul(logitX, tau), logitP));
        return tf.where(tf.isNaN(x), x, cdf); // wasm's clamp would turn NaN into a bound
      }),
    pdf: (x) =>
      tf.tidy(() => {
        // Evaluate at the nearest interior float32 at the edges, where the formula is 0 * Infinity.
        const xi = tf.clipByValue(x, 1e-37, 1 - 2 ** -24);
        const log1mX = tf.log1p(tf.neg(xi));
        const logX = tf.log(xi);
        const z = tf.sub(tf.mul(tf.sub(logX, log1mX), tau), logitP);
        const logPdf = tf.sub(tf.add(tf.logSigmoid(z), tf.logSigmoid(tf.neg(z))), tf.add(logX, log1mX));
        const inside = tf.logicalAnd(tf.greaterEqual(x, 0), tf.lessEqual(x, 1));
        return tf.where(inside, tf.mul(tf.exp(logPdf), tau), tf.zerosLike(x));
      }),
    cdfHost: (x) => (x <= 0 ? 0 : x >= 1 ? 1 : sigmoid(tau * logit(x) - logitP)),
    pdfHost: (x) => {
      if (x < 0 || x > 1) return 0;
      const z = tau * logit(x) - logitP;
      return (sigmoid(z) * sigmoid(-z) * tau) / (x * (1 - x));
    },
  };
}

/** E[X] = E_L[sigmoid((logit p + L) / tau)]: trapezoid rule over the logistic density, which decays like e^-|l|. */
function relaxedBernoulliMean(logitP: number, tau: number): number {
  const half = 60 + Math.abs(logitP);
  const steps = 24000;
  const h = (2 * half) / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const l = -half + i * h;
    const weight = i === 0 || i === steps ? 0.5 : 1;
    sum += weight * sigmoid((logitP + l) / tau) * sigmoid(l) * sigmoid(-l);
  }
  return sum * h;
}
