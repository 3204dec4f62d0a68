// betaPrior: the Beta(a, b) prior of the batch-shaping loss (Bejnordi et al., ICLR 2020; the paper uses
// Beta(0.6, 0.4), U-shaped with mean 0.6: most gates either off or on for a given input).
//
// The CDF runs on the device from a table certified against @stdlib's betainc (see beta_cdf_table.ts for
// the transform and the error budget); the pdf is closed form on the device. `cdfHost` / `pdfHost` are
// @stdlib's float64 functions, the reference the table is built from and tested against.
import betaCdf from '@stdlib/stats-base-dists-beta-cdf';
import betaPdf from '@stdlib/stats-base-dists-beta-pdf';
import * as tf from '@tensorflow/tfjs-core';
import { betaCdfFromTable, betaCdfTable } from './beta_cdf_table.js';
import { checkParam, type Prior } from './prior.js';

/** Beta(a, b) prior on [0, 1], any a, b > 0. Building the CDF table takes a few ms and is cached per (a, b). */
export function betaPrior(a = 0.6, b = 0.4): Prior {
  checkParam('betaPrior', 'a', a, (v) => v > 0, 'a finite number > 0');
  checkParam('betaPrior', 'b', b, (v) => v > 0, 'a finite number > 0');
  const table = betaCdfTable(a, b);
  return {
    name: `Beta(${a}, ${b})`,
    params: { a, b },
    mean: a / (a + b),
    cdf: (x) => betaCdfFromTable(x, table),
    pdf: (x) => betaPdfDevice(x, a, b, table.logBeta),
    cdfHost: (x) => betaCdf(x, a, b),
    pdfHost: (x) => betaPdf(x, a, b),
  };
}

/** exp((a-1) log x + (b-1) log(1-x) - log B(a, b)), 0 outside [0, 1]; terms with exponent 0 are skipped. */
function betaPdfDevice(x: tf.Tensor, a: number, b: number, logBeta: number): tf.Tensor {
  return tf.tidy(() => {
    let logPdf: tf.Tensor = tf.fill(x.shape, -logBeta);
    // Skipping a zero exponent avoids 0 * log(0) = NaN at the edges (Beta(1, b) has a finite pdf at 0).
    if (a !== 1) logPdf = tf.add(logPdf, tf.mul(a - 1, tf.log(x)));
    if (b !== 1) logPdf = tf.add(logPdf, tf.mul(b - 1, tf.log1p(tf.neg(x))));
    const inside = tf.logicalAnd(tf.greaterEqual(x, 0), tf.lessEqual(x, 1));
    return tf.where(inside, tf.exp(logPdf), tf.zerosLike(x));
  });
}
