// priorCdf: a prior's CDF with the surrogate gradient of the batch-shaping loss.
//
// Bejnordi et al. (ICLR 2020) back-propagate through the prior CDF with its pdf; the official PyTorch code
// clips that pdf to [1e-3, 100] because the Beta(0.6, 0.4) density is infinite at 0 and 1 (an unclipped step
// would throw gates that touch an edge arbitrarily far) and the clip from below keeps saturated gates moving.
// The forward pass is the exact CDF; only the backward pass is the clipped pdf.
import * as tf from '@tensorflow/tfjs-core';
import type { Prior } from './prior.js';

/** Bounds applied to the prior pdf in the backward pass (the official implementation's values). */
export const PDF_CLIP_MIN = 1e-3;
export const PDF_CLIP_MAX = 100;

export interface PriorCdfOptions {
  /** Lower bound of the pdf used as gradient (default 1e-3). */
  pdfClipMin?: number;
  /** Upper bound of the pdf used as gradient (default 100). */
  pdfClipMax?: number;
}

/** Elementwise prior CDF of `x`; its gradient is `dy * clip(prior.pdf(x), pdfClipMin, pdfClipMax)`. */
export function priorCdf<T extends tf.Tensor>(x: T, prior: Prior, options: PriorCdfOptions = {}): T {
  if (!(x instanceof tf.Tensor))
    throw new Error(`priorCdf: argument 'x' must be a tf.Tensor; got ${String(x)}`);
  if (x.dtype !== 'float32')
    throw new Error(`priorCdf: argument 'x' must have dtype float32; got ${x.dtype}`);
  const lo = options.pdfClipMin ?? PDF_CLIP_MIN;
  const hi = options.pdfClipMax ?? PDF_CLIP_MAX;
  if (!(lo >= 0 && hi >= lo)) {
    throw new Error(`priorCdf: options pdfClipMin/pdfClipMax must satisfy 0 <= min <= max; got ${lo}, ${hi}`);
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([input]);
    return {
      value: prior.cdf(input),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => tf.mul(dy, tf.clipByValue(prior.pdf(saved[0]!), lo, hi))),
    };
  });
  return op(x) as T;
}
