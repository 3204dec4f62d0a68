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
  const cache = t.cache;
  // Global average pool, one pass over x.
  if (!summed) channelSums(d, t.x, cache.subarray(L.pooled, L.pooled + n * c));
  for (let at = L.pooled; at < L.pooled + n * c; at++) cache[at] = cache[at]! / pixels;
  // fc1 and the batch statistics.
  const z = new Float64Array(n * k);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < k; j++) {
      let sum = 0;
      for (let ch = 0; ch < c; ch++) sum += cache[L.pooled + b * c + ch]! * t.w1[ch * k + j]!;
      z[b * k + j] = f(sum);
    }
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
      cache[L.a + b * k + j] = xhat * t.gamma[j]! + t.beta[j]!;
    }
    // BatchNorm.updateRunningStats: float32 operations in its order.
    const [m32, v32] = [f(mean), f(variance)];
    const unbiased = n > 1 ? f(v32 * f(n / (n - 1))) : v32;
    const keep = f(1 - h.momentum);
    const mom = f(h.momentum);
    t.newMean[j] = f(f(t.runningMean[j]! * keep) + f(m32 * mom));
    t.newVar[j] = f(f(t.runningVar[j]! * keep) + f(unbiased * mom));
  }
  // fc2, probabilities and the straight-through hard gate.
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < o; i++) {
      let sum = t.b2[i]!;
      for (let j = 0; j < k; j++) sum += Math.max(cache[L.a + b * k + j]!, 0) * t.w2[j * o + i]!;
      const logit = f(sum);
      const u = t.u[b * o + i]!;
      const noise = f(f(Math.log(u)) - f(Math.log1p(-u)));
      const s = f(sigmoid(f(f(logit + noise) / tau)));
      t.logits[b * o + i] = logit;
      t.probs[b * o + i] = cache[L.p + b * o + i] = sigmoid(logit);
      cache[L.s + b * o + i] = s;
      t.mask[b * o + i] = s > 0.5 ? 1 : 0;
    }
  }
  cache.set(t.w1, L.w1);
  cache.set(t.gamma, L.gamma);
  cache.set(t.w2, L.w2);
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
  const cache = t.cache;
  const tau = f(tauIn);
  // g = dL/dlogits from the three outputs.
  const g = new Float64Array(n * o);
  for (let at = 0; at < n * o; at++) {
    const p = cache[L.p + at]!;
    const s = cache[L.s + at]!;
    g[at] = t.dLogits[at]! + t.dProbs[at]! * p * (1 - p) + (t.dMask[at]! * s * (1 - s)) / tau;
  }
  // fc2: db2, dw2 = r^T g, dr = g w2^T; ReLU.
  for (let i = 0; i < o; i++) {
    let sum = 0;
    for (let b = 0; b < n; b++) sum += g[b * o + i]!;
    t.db2[i] = sum;
  }
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < o; i++) {
      let sum = 0;
      for (let b = 0; b < n; b++) sum += Math.max(cache[L.a + b * k + j]!, 0) * g[b * o + i]!;
      t.dw2[j * o + i] = sum;
    }
  }
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
    let dbeta = 0;
    let dgamma = 0;
    for (let b = 0; b < n; b++) {
      dbeta += da[b * k + j]!;
      dgamma += da[b * k + j]! * cache[L.xhat + b * k + j]!;
    }
    t.dbeta[j] = dbeta;
    t.dgamma[j] = dgamma;
    const scale = cache[L.gamma + j]! * cache[L.rstd + j]!;
    for (let b = 0; b < n; b++) {
      dz[b * k + j] = scale * (da[b * k + j]! - (cache[L.xhat + b * k + j]! * dgamma + dbeta) / n);
    }
  }
  // fc1: dw1 = pooled^T dz, dpooled = dz w1^T; the pool spreads dpooled / (H W) over the pixels.
  for (let ch = 0; ch < c; ch++) {
    for (let j = 0; j < k; j++) {
      let sum = 0;
      for (let b = 0; b < n; b++) sum += cache[L.pooled + b * c + ch]! * dz[b * k + j]!;
      t.dw1[ch * k + j] = sum;
    }
  }
  const plane = pixels * c;
  for (let b = 0; b < n; b++) {
    const row = b * plane;
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += dz[b * k + j]! * cache[L.w1 + ch * k + j]!;
      t.dx[row + ch] = sum / pixels;
    }
    // Copy the first pixel's row over the others, doubling the copied span.
    for (let filled = c; filled < plane; filled *= 2) {
      t.dx.copyWithin(row + filled, row, row + Math.min(filled, plane - filled));
    }
  }
}
