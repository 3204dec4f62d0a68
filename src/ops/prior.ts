// The prior-distribution table the batch-shaping loss matches gate probabilities to.
//
// Bejnordi et al. (ICLR 2020) use a Beta(0.6, 0.4) prior; the official PyTorch code also offers Normal and
// Relaxed-Bernoulli priors. Every prior here is one value of this interface, so the loss never branches on
// the family. `cdf` and `pdf` are device-side elementwise tensor functions (no host round trip); `cdfHost` and
// `pdfHost` are the float64 host reference (SciPy-equivalent libraries or closed forms) the tests compare to.

import type * as tf from '@tensorflow/tfjs-core';

export interface Prior {
  /** Human-readable name with parameters, e.g. `Beta(0.6, 0.4)`. */
  readonly name: string;
  /** Distribution parameters, for records and display. */
  readonly params: Readonly<Record<string, number>>;
  /** Cumulative distribution function, elementwise, on the active backend (float32). */
  cdf(x: tf.Tensor): tf.Tensor;
  /** Density, elementwise, on the active backend (float32). Unclipped; may be Infinity at a support edge. */
  pdf(x: tf.Tensor): tf.Tensor;
  /** Mean of the distribution (the expected fraction of gates on, for priors on [0, 1]). */
  readonly mean: number;
  /** Float64 host reference for `cdf`. */
  cdfHost(x: number): number;
  /** Float64 host reference for `pdf`. */
  pdfHost(x: number): number;
}

/** Throws unless `value` is a finite number satisfying `ok`; names the function and argument. */
export function checkParam(
  fn: string,
  arg: string,
  value: unknown,
  ok: (v: number) => boolean,
  want: string,
): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new Error(`${fn}: argument '${arg}' must be ${want}; got ${String(value)}`);
  }
}
