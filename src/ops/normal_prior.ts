// normalPrior: a Normal(mu, sigma) prior for the batch-shaping loss, as offered by the official PyTorch code of
// Bejnordi et al. (ICLR 2020) next to the paper's Beta prior. Unlike the Beta it is not confined to [0, 1]:
// gate probabilities live in [0, 1], so only the part of the Normal inside it can be matched.
//
// Device CDF: 0.5 (1 + erf((x - mu) / (sigma sqrt 2))). tfjs' erf is the Abramowitz-Stegun 7.1.26
// approximation (absolute error <= 1.5e-7), so the CDF is within 1e-6 absolute (not relative: far-tail
// values near 0 carry that absolute error). Host reference: @stdlib normal cdf/pdf.
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalPdf from '@stdlib/stats-base-dists-normal-pdf';
import * as tf from '@tensorflow/tfjs-core';
import { checkParam, type Prior } from './prior.js';

/** Normal(mu, sigma) prior, sigma > 0. */
export function normalPrior(mu = 0.5, sigma = 0.25): Prior {
  checkParam('normalPrior', 'mu', mu, () => true, 'a finite number');
  checkParam('normalPrior', 'sigma', sigma, (v) => v > 0, 'a finite number > 0');
  return {
    name: `Normal(${mu}, ${sigma})`,
    params: { mu, sigma },
    mean: mu,
    cdf: (x) =>
      tf.tidy(() => tf.mul(0.5, tf.add(1, tf.erf(tf.mul(tf.sub(x, mu), 1 / (sigma * Math.SQRT2)))))),
    pdf: (x) =>
      tf.tidy(() => {
        const z = tf.mul(tf.sub(x, mu), 1 / sigma);
        return tf.mul(tf.exp(tf.mul(tf.square(z), -0.5)), 1 / (sigma * Math.sqrt(2 * Math.PI)));
      }),
    cdfHost: (x) => normalCdf(x, mu, sigma),
    pdfHost: (x) => normalPdf(x, mu, sigma),
  };
}
