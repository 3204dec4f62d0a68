// Device-side Beta CDF (the regularised incomplete beta function I_x(a, b)) by table lookup in a transformed
// variable, certified against @stdlib's float64 betainc when the table is built.
//
// Why: the batch-shaping loss (Bejnordi et al., ICLR 2020) evaluates the Beta(0.6, 0.4) CDF of every gate
// probability at every step, per gated layer. tfjs has no betainc. Computing it on the host with @stdlib
// (what the official PyTorch code does with SciPy) costs a device->host read per layer per step, which
// stalls a GPU pipeline. A table evaluated with a handful of elementwise ops and two gathers stays on the
// device, costs about as much as a few activations, and is the same code on every backend.
//
// The transform. Near 0, I_x(a, b) ~ x^a / (a B(a, b)) and near 1, 1 - I_x(a, b) ~ (1-x)^b / (b B(a, b)):
// for a, b < 1 the CDF has infinite slope at both ends, so interpolating it directly cannot reach 1e-6.
// Split at m (the mean, clamped to [0.25, 0.75]) and write
//   x <= m:  F(x)     = exp(a log t + g_lo(t)),  t = x / m,
//   x >  m:  1 - F(x) = exp(b log t + g_hi(t)),  t = (1 - x) / (1 - m)   (= I_{1-x}(b, a), by symmetry).
// g = log(I / t^p) is analytic on [0, 1] (the power-law singularity is factored out exactly; what is left is
// log of a hypergeometric function, whose singularity sits at distance >= 0.25 outside the interval), so
// linear interpolation on a uniform grid converges as h^2. Centering on m (log t = 0 at the split) keeps both
// terms of the exponent O(1) wherever F is not tiny, so float32 rounding costs ~1e-7 absolute, not the 1e-5
// a raw a log x + g would cost for large a, b. The complement near x = 1 is formed from 1 - x, which float32
// computes exactly for x >= 0.5, so the steep upper tail of Beta(0.6, 0.4) keeps full accuracy.
//
// Certification: the table doubles its knot count until linear interpolation, evaluated in float64 at three
// interior points of every interval, is within TABLE_TOLERANCE of @stdlib everywhere. The device result then
// differs from the exact CDF of the float32 input by that plus float32 rounding of a few ops; the tests
// measure < 1e-6 on cpu and wasm against SciPy. Extreme shapes (a or b above ~50) lose accuracy to float32
// conditioning itself (a relative change of the input by 6e-8 moves F by about a * 6e-8 * F).
import betaCdf from '@stdlib/stats-base-dists-beta-cdf';
import betaPdf from '@stdlib/stats-base-dists-beta-pdf';
import * as tf from '@tensorflow/tfjs-core';

/** Largest float64 interpolation error accepted when building a table (leaves room for float32 rounding). */
export const TABLE_TOLERANCE = 1e-7;
const MIN_KNOTS = 256;
const MAX_KNOTS = 1 << 17;

/** A certified lookup table for the CDF of Beta(a, b). Built on the host once per (a, b) and cached. */
export interface BetaCdfTable {
  readonly a: number;
  readonly b: number;
  /** Split point between the lower and upper branch. */
  readonly split: number;
  /** Intervals per branch; each branch has knots + 1 values. */
  readonly knots: number;
  /** g_lo at t = k / knots, then g_hi likewise: 2 * (knots + 1) values. */
  readonly values: Float32Array;
  /** values[k + 1] - values[k] within each branch (0 at each branch's last knot). */
  readonly slopes: Float32Array;
  /** Largest float64 interpolation error measured at certification. */
  readonly maxError: number;
  /** log B(a, b). */
  readonly logBeta: number;
}

/** log B(a, b) from @stdlib's density at an interior point (well conditioned there). */
export function logBetaFunction(a: number, b: number, at = 0.5): number {
  return (a - 1) * Math.log(at) + (b - 1) * Math.log1p(-at) - Math.log(betaPdf(at, a, b));
}

/**
 * g(t) = log(I_{s t}(p, q) / t^p) on t = k / K, k = 0..K: the lower-branch table of Beta(p, q) over [0, s].
 * Knots where I underflows float64 are filled by linear interpolation from g(0), which is exact in the limit.
 */
function branchValues(p: number, q: number, s: number, knots: number, logB: number): Float64Array {
  const g = new Float64Array(knots + 1);
  // t -> 0: I_x(p, q) ~ x^p / (p B(p, q)), so g(0) = p log s - log p - log B.
  g[0] = p * Math.log(s) - Math.log(p) - logB;
  let lastGood = 0;
  const pending: number[] = [];
  for (let k = 1; k <= knots; k++) {
    const t = k / knots;
    const cdf = betaCdf(s * t, p, q);
    if (cdf > 0) {
      g[k] = Math.log(cdf) - p * Math.log(t);
      for (const j of pending)
        g[j] = g[lastGood]! + ((g[k]! - g[lastGood]!) * (j - lastGood)) / (k - lastGood);
      pending.length = 0;
      lastGood = k;
    } else {
      pending.push(k);
    }
  }
  return g;
}

/** Largest |interpolated - stdlib| over three interior points of each interval of one branch. */
function branchError(g: Float64Array, p: number, q: number, s: number, knots: number): number {
  let worst = 0;
  for (let k = 0; k < knots; k++) {
    for (const frac of [0.25, 0.5, 0.75]) {
      const t = (k + frac) / knots;
      const approx = Math.exp(p * Math.log(t) + g[k]! + frac * (g[k + 1]! - g[k]!));
      const err = Math.abs(approx - betaCdf(s * t, p, q));
      if (!(err <= worst)) worst = err; // NaN propagates as a failure
    }
  }
  return worst;
}

const cache = new Map<string, BetaCdfTable>();

/** Builds (or returns the cached) certified table for Beta(a, b). Throws if no table up to 2^17 knots fits. */
export function betaCdfTable(a: number, b: number): BetaCdfTable {
  const key = `${a},${b}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const split = Math.min(0.75, Math.max(0.25, a / (a + b)));
  const logB = logBetaFunction(a, b, split);
  let knots = MIN_KNOTS;
  for (;;) {
    const lo = branchValues(a, b, split, knots, logB);
    const hi = branchValues(b, a, 1 - split, knots, logB); // I_y(b, a) = 1 - I_{1-y}(a, b); B(b, a) = B(a, b)
    const err = Math.max(branchError(lo, a, b, split, knots), branchError(hi, b, a, 1 - split, knots));
    if (err <= TABLE_TOLERANCE || knots >= MAX_KNOTS) {
      if (!(err <= TABLE_TOLERANCE)) {
        throw new Error(
          `betaPrior: cannot tabulate the CDF of Beta(${a}, ${b}) to ${TABLE_TOLERANCE} with ${knots} knots ` +
            `(error ${err}); parameters this extreme are not supported`,
        );
      }
      const table = packTable(a, b, split, knots, lo, hi, err, logB);
      cache.set(key, table);
      return table;
    }
    knots *= 2;
  }
}

function packTable(
  a: number,
  b: number,
  split: number,
  knots: number,
  lo: Float64Array,
  hi: Float64Array,
  maxError: number,
  logBeta: number,
): BetaCdfTable {
  const values = new Float32Array(2 * (knots + 1));
  const slopes = new Float32Array(2 * (knots + 1));
  [lo, hi].forEach((g, branch) => {
    const base = branch * (knots + 1);
    for (let k = 0; k <= knots; k++) {
      values[base + k] = g[k]!;
      // Slopes in float64 then rounded, so value + frac * slope does not accumulate two roundings of g.
      slopes[base + k] = k < knots ? g[k + 1]! - g[k]! : 0;
    }
  });
  return { a, b, split, knots, values, slopes, maxError, logBeta };
}

/**
 * Evaluates the tabulated Beta CDF elementwise on the active backend. Inputs are clamped to [0, 1]; NaN stays
 * NaN (on every backend). About 30 elementwise ops and two gathers (gatherND); the table (2 x 2(K+1) floats)
 * is uploaded per call, which is asynchronous and keeps no tensor alive between calls (no cache tied to one
 * backend).
 */
export function betaCdfFromTable(x: tf.Tensor, table: BetaCdfTable): tf.Tensor {
  return tf.tidy(() => {
    const { a, b, split, knots } = table;
    const xc = tf.clipByValue(x, 0, 1);
    const upper = tf.greater(xc, split);
    const upperF = tf.cast(upper, 'float32');
    const y = tf.where(upper, tf.sub(1, xc), xc); // exact: 1 - x is exact in float32 for x >= 0.5
    // t = y / m below the split, y / (1 - m) above it: one multiply by a per-element scale.
    const scale = tf.add(1 / split, tf.mul(upperF, 1 / (1 - split) - 1 / split));
    const t = tf.minimum(tf.mul(y, scale), 1);
    const u = tf.mul(t, knots);
    const k = tf.clipByValue(tf.floor(u), 0, knots - 1);
    const frac = tf.sub(u, k);
    const idx = tf.cast(tf.add(k, tf.mul(upperF, knots + 1)), 'int32');
    // gatherND, not gather: tfjs-backend-wasm's GatherV2 bounds-checks every index in JS (the slowest op of
    // the whole loss when we used it); GatherNd runs in C++ on wasm and is a plain kernel elsewhere.
    const ndIdx = idx.reshape([-1, 1]); // [M, 1], M = size of x
    const g = tf.add(
      tf.gatherND(tf.tensor1d(table.values), ndIdx).reshape(x.shape),
      tf.mul(frac, tf.gatherND(tf.tensor1d(table.slopes), ndIdx).reshape(x.shape)),
    );
    const power = tf.add(a, tf.mul(upperF, b - a));
    // t = 0 (x = 0 or x = 1): log 0 = -Infinity, so the tail term is exp(-Infinity) = 0.
    const tail = tf.exp(tf.add(tf.mul(power, tf.log(t)), g));
    const cdf = tf.where(upper, tf.sub(1, tail), tail);
    // wasm's clamp maps NaN to a bound; keep NaN visible so a broken input never looks like a valid CDF.
    return tf.where(tf.isNaN(x), x, cdf);
  });
}
