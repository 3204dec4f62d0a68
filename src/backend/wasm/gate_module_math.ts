// The gate module's training forward and backward (Bejnordi et al., ICLR 2020, sec. 3.1) as plain loops over
// float32 arrays, for our fused gate kernels (gate_module.ts). Forward, per block input x [N, H, W, C]:
//   pooled = mean over H, W of x                     [N, C]
//   z = pooled w1;  batch statistics mu, var over N  [N, K]   (K = the gate's hidden width, 16)
//   xhat = (z - mu) rstd, rstd = 1 / sqrt(var + eps);  a = gamma xhat + beta;  r = relu(a)
//   logits = r w2 + b2;  p = sigmoid(logits)         [N, O]
//   noise = log u - log(1 - u);  s = sigmoid((logits + noise) / tau);  mask = 1[s > 0.5]
// and the BatchNorm running statistics (momentum, unbiased variance, as BatchNorm.updateRunningStats).
// Backward: g = dlogits + dp p (1 - p) + dmask s (1 - s) / tau (the straight-through gradient), then the chain
// rule through fc2, ReLU, the batch norm (the closed form of src/layers/fused_batch_norm.ts), fc1 and the pool.
// Sums run in float64 and each stored value is rounded once to float32: within float32 rounding of the tf ops.
// Everything the backward needs goes into one `cache` array (layout: cacheLayout), so the op saves one tensor.

export interface GateDims {
  /** Batch. */
  n: number;
  /** H * W of the block input. */
  pixels: number;
  /** Input channels C. */
  c: number;
  /** Hidden width K. */
  k: number;
  /** Gated channels O. */
  o: number;
}

export interface GateHyper {
  epsilon: number;
  momentum: number;
  tau: number;
}

/** Offsets (in floats) of the cache's parts and its total size. */
export function cacheLayout(d: GateDims) {
  const pooled = 0;
  const xhat = pooled + d.n * d.c;
  const rstd = xhat + d.n * d.k;
  const a = rstd + d.k;
  const s = a + d.n * d.k;
  const p = s + d.n * d.o;
  const w1 = p + d.n * d.o;
  const gamma = w1 + d.c * d.k;
  const w2 = gamma + d.k;
  return { pooled, xhat, rstd, a, s, p, w1, gamma, w2, size: w2 + d.k * d.o };
}

export interface GateForwardArrays {
  x: Float32Array;
  w1: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
  /** Uniform draws in (0, 1), [N, O]: the logistic noise's source. */
  u: Float32Array;
  runningMean: Float32Array;
  runningVar: Float32Array;
  // Outputs.
  logits: Float32Array;
  probs: Float32Array;
  mask: Float32Array;
  cache: Float32Array;
  newMean: Float32Array;
  newVar: Float32Array;
}

const f = Math.fround;

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/**
 * The forward. `summed`: the cache's pooled part already holds the channel sums of x (our SIMD pool,
 * simd/gate_pool.wat); otherwise they are summed here, in float64.
 */
export function gateForward(d: GateDims, t: GateForwardArrays, h: GateHyper, summed = false): void {
  const { n, pixels, c, k, o } = d;
  const L = cacheLayout(d);
  // Local names for the arrays: `t` may be a dictionary-mode object (built from entries), whose property reads
  // in the loops below cost a lookup each (10x slower at batch 128).
  const { x, w1, gamma, beta, w2, b2, u: uniform, runningMean, runningVar } = t;
  const { logits, probs, mask, cache, newMean, newVar } = t;
  // Global average pool, one pass over x.
  if (!summed) channelSums(d, x, cache.subarray(L.pooled, L.pooled + n * c));
  for (let at = L.pooled; at < L.pooled + n * c; at++) cache[at] = cache[at]! / pixels;
  // fc1 (rows of w1 in order: one pass over it per sample) and the batch statistics.
  const z = new Float64Array(n * k);
  for (let b = 0; b < n; b++) {
    const row = b * k;
    for (let ch = 0; ch < c; ch++) {
      const v = cache[L.pooled + b * c + ch]!;
      for (let j = 0, w = ch * k; j < k; j++, w++) z[row + j]! += v * w1[w]!;
    }
    for (let j = 0; j < k; j++) z[row + j] = f(z[row + j]!);
  }
  const tau = f(h.tau);
  for (let j = 0; j < k; j++) {
    let mean = 0;
    for (let b = 0; b < n; b++) mean += z[b * k + j]!;
    mean /= n;
    let variance = 0;
    for (let b = 0; b < n; b++) variance += (z[b * k + j]! - mean) ** 2;
    variance /= n;
    const rstd = 1 / Math.sqrt(variance + h.epsilon);
    cache[L.rstd + j] = rstd;
    for (let b = 0; b < n; b++) {
      const xhat = f((z[b * k + j]! - mean) * rstd);
      cache[L.xhat + b * k + j] = xhat;
      cache[L.a + b * k + j] = xhat * gamma[j]! + beta[j]!;
    }
    // BatchNorm.updateRunningStats: float32 operations in its order.
    const [m32, v32] = [f(mean), f(variance)];
    const unbiased = n > 1 ? f(v32 * f(n / (n - 1))) : v32;
    const keep = f(1 - h.momentum);
    const mom = f(h.momentum);
    newMean[j] = f(f(runningMean[j]! * keep) + f(m32 * mom));
    newVar[j] = f(f(runningVar[j]! * keep) + f(unbiased * mom));
  }
  // fc2 (rows of w2 in order, skipping the ReLU's zeros), probabilities and the straight-through hard gate.
  const acc = new Float64Array(o);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < o; i++) acc[i] = b2[i]!;
    for (let j = 0; j < k; j++) {
      const r = cache[L.a + b * k + j]!;
      if (!(r > 0)) continue;
      for (let i = 0, w = j * o; i < o; i++, w++) acc[i]! += r * w2[w]!;
    }
    for (let i = 0; i < o; i++) {
      const logit = f(acc[i]!);
      const u = uniform[b * o + i]!;
      const noise = f(f(Math.log(u)) - f(Math.log1p(-u)));
      const s = f(sigmoid(f(f(logit + noise) / tau)));
      logits[b * o + i] = logit;
      probs[b * o + i] = cache[L.p + b * o + i] = sigmoid(logit);
      cache[L.s + b * o + i] = s;
      mask[b * o + i] = s > 0.5 ? 1 : 0;
    }
  }
  cache.set(w1, L.w1);
  cache.set(gamma, L.gamma);
  cache.set(w2, L.w2);
}

/** sums[n, c] = the sum of x [N, pixels, C] over its pixels. */
function channelSums(d: GateDims, x: Float32Array, sums: Float32Array): void {
  const { n, pixels, c } = d;
  const acc = new Float64Array(c);
  for (let b = 0, at = 0; b < n; b++) {
    acc.fill(0);
    for (let q = 0; q < pixels; q++) for (let ch = 0; ch < c; ch++, at++) acc[ch]! += x[at]!;
    sums.set(acc, b * c);
  }
}

export interface GateBackwardArrays {
  dLogits: Float32Array;
  dProbs: Float32Array;
  dMask: Float32Array;
  cache: Float32Array;
  // Outputs.
  dx: Float32Array;
  dw1: Float32Array;
  dgamma: Float32Array;
  dbeta: Float32Array;
  dw2: Float32Array;
  db2: Float32Array;
}

export function gateBackward(d: GateDims, t: GateBackwardArrays, tauIn: number): void {
  const { n, pixels, c, k, o } = d;
  const L = cacheLayout(d);
  // Local names for the arrays (see gateForward).
  const { dLogits, dProbs, dMask, cache, dx, db2 } = t;
  const tau = f(tauIn);
  // g = dL/dlogits from the three outputs.
  const g = new Float64Array(n * o);
  for (let at = 0; at < n * o; at++) {
    const p = cache[L.p + at]!;
    const s = cache[L.s + at]!;
    g[at] = dLogits[at]! + dProbs[at]! * p * (1 - p) + (dMask[at]! * s * (1 - s)) / tau;
  }
  // fc2: db2, dw2 = r^T g, dr = g w2^T; ReLU.
  for (let i = 0; i < o; i++) {
    let sum = 0;
    for (let b = 0; b < n; b++) sum += g[b * o + i]!;
    db2[i] = sum;
  }
  const dw2 = new Float64Array(k * o);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < k; j++) {
      const r = cache[L.a + b * k + j]!;
      if (!(r > 0)) continue;
      for (let i = 0, w = j * o, at = b * o; i < o; i++, w++, at++) dw2[w]! += r * g[at]!;
    }
  }
  t.dw2.set(dw2);
  const da = new Float64Array(n * k);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < k; j++) {
      if (!(cache[L.a + b * k + j]! > 0)) continue;
      let sum = 0;
      for (let i = 0; i < o; i++) sum += g[b * o + i]! * cache[L.w2 + j * o + i]!;
      da[b * k + j] = sum;
    }
  }
  // Batch norm (training statistics): dz = k da - k (xhat dgamma + dbeta) / N, k = gamma rstd.
  const dz = new Float64Array(n * k);
  for (let j = 0; j < k; j++) {
    let sumDa = 0;
    let sumDaXhat = 0;
    for (let b = 0; b < n; b++) {
      sumDa += da[b * k + j]!;
      sumDaXhat += da[b * k + j]! * cache[L.xhat + b * k + j]!;
    }
    t.dbeta[j] = sumDa;
    t.dgamma[j] = sumDaXhat;
    const scale = cache[L.gamma + j]! * cache[L.rstd + j]!;
    for (let b = 0; b < n; b++) {
      dz[b * k + j] = scale * (da[b * k + j]! - (cache[L.xhat + b * k + j]! * sumDaXhat + sumDa) / n);
    }
  }
  // fc1: dw1 = pooled^T dz, dpooled = dz w1^T; the pool spreads dpooled / (H W) over the pixels.
  const dw1 = new Float64Array(c * k);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const v = cache[L.pooled + b * c + ch]!;
      for (let j = 0, w = ch * k, at = b * k; j < k; j++, w++, at++) dw1[w]! += v * dz[at]!;
    }
  }
  t.dw1.set(dw1);
  const plane = pixels * c;
  for (let b = 0; b < n; b++) {
    const row = b * plane;
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += dz[b * k + j]! * cache[L.w1 + ch * k + j]!;
      dx[row + ch] = sum / pixels;
    }
    // Copy the first pixel's row over the others, doubling the copied span.
    for (let filled = c; filled < plane; filled *= 2) {
      dx.copyWithin(row + filled, row, row + Math.min(filled, plane - filled));
    }
  }
}
