// A gate module's training forward ('BatchShapingGateForward') and backward ('BatchShapingGateBackward') on the
// webgpu backend, kernels of our own that src/gates/fused_gate.ts calls where the active backend registers both.
// The math is the wasm kernels' (src/backend/wasm/gate_module_math.ts, with its cache layout, so the one gradient
// registration serves both): global average pool, fc1, batch norm on batch statistics (and its running
// statistics), ReLU, fc2 + bias = logits; p = sigmoid(logits); logistic noise from uniform draws; the
// straight-through hard gate; and the chain rule back through all of it. The tf-op form takes ~55 compute
// dispatches per gate and training step; a webgpu step is bound by dispatches, not by arithmetic (the matrices are
// [N, C] x [C, 16]). Here: 9 one-thread-per-output programs forward and 9 backward, each a few lines of WGSL with
// the sizes as uniforms. Sums run in float32 (the wasm kernels sum in float64): within float32 rounding of the tf
// ops. float32 only.
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type * as tf from '@tensorflow/tfjs-core';
import { gateBackwardArgs, gateForwardArgs } from '../gate_kernel_args.js';
import { cacheLayout, type GateDims } from '../wasm/gate_module_math.js';
import { PerElementProgram, type ProgramUniforms } from './webgpu_kernel_utils.js';

export const GATE_FORWARD = 'BatchShapingGateForward'; // = GATE_FORWARD_KERNEL of src/gates/fused_gate.ts
export const GATE_BACKWARD = 'BatchShapingGateBackward'; // = GATE_BACKWARD_KERNEL there

/** The uniforms every program gets: the gate's sizes, the cache's offsets (in floats) and its hyperparameters. */
const UNIFORMS =
  'n : i32, c : i32, k : i32, o : i32, pixels : i32, ' +
  'cXhat : i32, cRstd : i32, cA : i32, cS : i32, cP : i32, cW1 : i32, cGamma : i32, cW2 : i32, ' +
  'epsilon : f32, momentum : f32, tau : f32,';

function uniformsOf(d: GateDims, h: { epsilon: number; momentum: number; tau: number }): ProgramUniforms {
  const L = cacheLayout(d);
  const ints = [d.n, d.c, d.k, d.o, d.pixels, L.xhat, L.rstd, L.a, L.s, L.p, L.w1, L.gamma, L.w2];
  return [
    ...ints.map((v) => ({ type: 'int32' as const, data: [v] })),
    ...[h.epsilon, h.momentum, h.tau].map((v) => ({ type: 'float32' as const, data: [v] })),
  ];
}

/** One output element per thread: `code` is WGSL that reads the inputs by name; `wgslHelpers` are functions it calls. */
class GateProgram extends PerElementProgram {
  shaderKey: string;
  uniforms = UNIFORMS;

  constructor(
    name: string,
    public variableNames: string[],
    shape: number[],
    private readonly code: string,
    private readonly wgslHelpers = '',
  ) {
    super(shape);
    this.shaderKey = `batchShapingGate_${name}`;
  }

  protected body(): string {
    return this.code;
  }

  protected override helpers(): string {
    return this.wgslHelpers;
  }
}

/** WGSL: the batch mean and biased variance of column j of z [N, K] (two passes, as the tf ops' moments). */
const COLUMN_MOMENTS = `
  fn columnMoments(j : i32) -> vec2<f32> {
    var sum = 0.0;
    for (var b = 0; b < uniforms.n; b = b + 1) { sum = sum + z[b * uniforms.k + j]; }
    let mean = sum / f32(uniforms.n);
    var sq = 0.0;
    for (var b = 0; b < uniforms.n; b = b + 1) {
      let dev = z[b * uniforms.k + j] - mean;
      sq = sq + dev * dev;
    }
    return vec2<f32>(mean, sq / f32(uniforms.n));
  }`;

/** WGSL: sigmoid, and the straight-through gate's soft value s from a logit and its uniform draw. */
const SIGMOIDS = `
  fn gateSigmoid(v : f32) -> f32 { return 1.0 / (1.0 + exp(-v)); }
  fn soft(logit : f32, u : f32) -> f32 {
    let noise = log(u) - log(1.0 - u);
    return gateSigmoid((logit + noise) / uniforms.tau);
  }`;

const FORWARD = {
  pooled: ['x'],
  z: ['pooled', 'w1'],
  hidden: ['z', 'gamma', 'beta'],
  running: ['z', 'running'],
  logits: ['hid', 'w2', 'b2'],
  probs: ['logits'],
  mask: ['logits', 'draws'],
  cache: ['pooled', 'hid', 'logits', 'draws', 'w1', 'gamma', 'w2'],
};

function forwardPrograms(d: GateDims) {
  const { n, c, k, o } = d;
  const size = cacheLayout(d).size;
  return {
    // pooled [N, C]: the mean of x over the pixels.
    pooled: new GateProgram(
      'pooled',
      FORWARD.pooled,
      [n, c],
      `let b = index / uniforms.c;
      let ch = index % uniforms.c;
      var sum = 0.0;
      for (var q = 0; q < uniforms.pixels; q = q + 1) { sum = sum + x[(b * uniforms.pixels + q) * uniforms.c + ch]; }
      setOutputAtIndex(index, sum / f32(uniforms.pixels));`,
    ),
    // z [N, K] = pooled w1.
    z: new GateProgram(
      'z',
      FORWARD.z,
      [n, k],
      `let b = index / uniforms.k;
      let j = index % uniforms.k;
      var sum = 0.0;
      for (var ch = 0; ch < uniforms.c; ch = ch + 1) { sum = sum + pooled[b * uniforms.c + ch] * w1[ch * uniforms.k + j]; }
      setOutputAtIndex(index, sum);`,
    ),
    // hid [xhat (N x K) | rstd (K) | a (N x K)]: the cache's three consecutive parts.
    hidden: new GateProgram(
      'hidden',
      FORWARD.hidden,
      [2 * n * k + k],
      `let nk = uniforms.n * uniforms.k;
      let isRstd = index >= nk && index < nk + uniforms.k;
      // The element of z (or, for rstd, the column) this output belongs to.
      var at = index;
      if (index >= nk) { at = index - nk - uniforms.k; }
      var j = at % uniforms.k;
      if (isRstd) { j = index - nk; }
      let m = columnMoments(j);
      let rstd = 1.0 / sqrt(m.y + uniforms.epsilon);
      if (isRstd) {
        setOutputAtIndex(index, rstd);
      } else {
        let xhat = (z[at] - m.x) * rstd;
        if (index < nk) { setOutputAtIndex(index, xhat); } else { setOutputAtIndex(index, xhat * gamma[j] + beta[j]); }
      }`,
      COLUMN_MOMENTS,
    ),
    // newMean, newVar [K]: BatchNorm.updateRunningStats (the unbiased variance for the running one).
    newMean: new GateProgram(
      'newMean',
      FORWARD.running,
      [k],
      `let m = columnMoments(index);
      setOutputAtIndex(index, running[index] * (1.0 - uniforms.momentum) + m.x * uniforms.momentum);`,
      COLUMN_MOMENTS,
    ),
    newVar: new GateProgram(
      'newVar',
      FORWARD.running,
      [k],
      `let m = columnMoments(index);
      var unbiased = m.y;
      if (uniforms.n > 1) { unbiased = m.y * (f32(uniforms.n) / f32(uniforms.n - 1)); }
      setOutputAtIndex(index, running[index] * (1.0 - uniforms.momentum) + unbiased * uniforms.momentum);`,
      COLUMN_MOMENTS,
    ),
    // logits [N, O] = relu(a) w2 + b2.
    logits: new GateProgram(
      'logits',
      FORWARD.logits,
      [n, o],
      `let b = index / uniforms.o;
      let i = index % uniforms.o;
      var sum = b2[i];
      for (var j = 0; j < uniforms.k; j = j + 1) {
        let a = hid[uniforms.n * uniforms.k + uniforms.k + b * uniforms.k + j];
        if (a > 0.0) { sum = sum + a * w2[j * uniforms.o + i]; }
      }
      setOutputAtIndex(index, sum);`,
    ),
    probs: new GateProgram(
      'probs',
      FORWARD.probs,
      [n, o],
      'setOutputAtIndex(index, gateSigmoid(logits[index]));',
      SIGMOIDS,
    ),
    mask: new GateProgram(
      'mask',
      FORWARD.mask,
      [n, o],
      'setOutputAtIndex(index, select(0.0, 1.0, soft(logits[index], draws[index]) > 0.5));',
      SIGMOIDS,
    ),
    // The cache (gate_module_math.ts's layout): pooled, xhat, rstd, a, s, p, and copies of w1, gamma, w2.
    cache: new GateProgram(
      'cache',
      FORWARD.cache,
      [size],
      `if (index < uniforms.cXhat) {
        setOutputAtIndex(index, pooled[index]);
      } else if (index < uniforms.cS) {
        setOutputAtIndex(index, hid[index - uniforms.cXhat]);
      } else if (index < uniforms.cP) {
        let at = index - uniforms.cS;
        setOutputAtIndex(index, soft(logits[at], draws[at]));
      } else if (index < uniforms.cW1) {
        setOutputAtIndex(index, gateSigmoid(logits[index - uniforms.cP]));
      } else if (index < uniforms.cGamma) {
        setOutputAtIndex(index, w1[index - uniforms.cW1]);
      } else if (index < uniforms.cW2) {
        setOutputAtIndex(index, gamma[index - uniforms.cGamma]);
      } else {
        setOutputAtIndex(index, w2[index - uniforms.cW2]);
      }`,
      SIGMOIDS,
    ),
  };
}

const BACKWARD = {
  g: ['dLogits', 'dProbs', 'dMask', 'cache'],
  db2: ['g'],
  dw2: ['g', 'cache'],
  da: ['g', 'cache'],
  dbeta: ['da'],
  dgamma: ['da', 'cache'],
  dz: ['da', 'cache', 'dgamma', 'dbeta'],
  dw1: ['dz', 'cache'],
  dx: ['dz', 'cache'],
};

function backwardPrograms(d: GateDims, xShape: number[]) {
  const { n, c, k, o } = d;
  const a = 'cache[uniforms.cA + b * uniforms.k + j]';
  return {
    // g [N, O] = dL/dlogits from the three outputs (the mask's through the straight-through gate).
    g: new GateProgram(
      'g',
      BACKWARD.g,
      [n, o],
      `let p = cache[uniforms.cP + index];
      let s = cache[uniforms.cS + index];
      setOutputAtIndex(index, dLogits[index] + dProbs[index] * p * (1.0 - p) + dMask[index] * s * (1.0 - s) / uniforms.tau);`,
    ),
    db2: new GateProgram(
      'db2',
      BACKWARD.db2,
      [o],
      `var sum = 0.0;
      for (var b = 0; b < uniforms.n; b = b + 1) { sum = sum + g[b * uniforms.o + index]; }
      setOutputAtIndex(index, sum);`,
    ),
    // dw2 [K, O] = relu(a)^T g.
    dw2: new GateProgram(
      'dw2',
      BACKWARD.dw2,
      [k, o],
      `let j = index / uniforms.o;
      let i = index % uniforms.o;
      var sum = 0.0;
      for (var b = 0; b < uniforms.n; b = b + 1) {
        let a = ${a};
        if (a > 0.0) { sum = sum + a * g[b * uniforms.o + i]; }
      }
      setOutputAtIndex(index, sum);`,
    ),
    // da [N, K] = (g w2^T) where a > 0 (ReLU), else 0.
    da: new GateProgram(
      'da',
      BACKWARD.da,
      [n, k],
      `let b = index / uniforms.k;
      let j = index % uniforms.k;
      var sum = 0.0;
      if (${a} > 0.0) {
        for (var i = 0; i < uniforms.o; i = i + 1) { sum = sum + g[b * uniforms.o + i] * cache[uniforms.cW2 + j * uniforms.o + i]; }
      }
      setOutputAtIndex(index, sum);`,
    ),
    dbeta: new GateProgram(
      'dbeta',
      BACKWARD.dbeta,
      [k],
      `var sum = 0.0;
      for (var b = 0; b < uniforms.n; b = b + 1) { sum = sum + da[b * uniforms.k + index]; }
      setOutputAtIndex(index, sum);`,
    ),
    dgamma: new GateProgram(
      'dgamma',
      BACKWARD.dgamma,
      [k],
      `var sum = 0.0;
      for (var b = 0; b < uniforms.n; b = b + 1) {
        let at = b * uniforms.k + index;
        sum = sum + da[at] * cache[uniforms.cXhat + at];
      }
      setOutputAtIndex(index, sum);`,
    ),
    // dz [N, K] = gamma rstd (da - (xhat dgamma + dbeta) / N): batch norm's closed-form gradient.
    dz: new GateProgram(
      'dz',
      BACKWARD.dz,
      [n, k],
      `let j = index % uniforms.k;
      let scale = cache[uniforms.cGamma + j] * cache[uniforms.cRstd + j];
      let xhat = cache[uniforms.cXhat + index];
      setOutputAtIndex(index, scale * (da[index] - (xhat * dgamma[j] + dbeta[j]) / f32(uniforms.n)));`,
    ),
    // dw1 [C, K] = pooled^T dz.
    dw1: new GateProgram(
      'dw1',
      BACKWARD.dw1,
      [c, k],
      `let ch = index / uniforms.k;
      let j = index % uniforms.k;
      var sum = 0.0;
      for (var b = 0; b < uniforms.n; b = b + 1) { sum = sum + cache[b * uniforms.c + ch] * dz[b * uniforms.k + j]; }
      setOutputAtIndex(index, sum);`,
    ),
    // dx [N, H, W, C] = (dz w1^T) / (H W), the same at every pixel.
    dx: new GateProgram(
      'dx',
      BACKWARD.dx,
      xShape,
      `let ch = index % uniforms.c;
      let b = index / (uniforms.pixels * uniforms.c);
      var sum = 0.0;
      for (var j = 0; j < uniforms.k; j = j + 1) { sum = sum + dz[b * uniforms.k + j] * cache[uniforms.cW1 + ch * uniforms.k + j]; }
      setOutputAtIndex(index, sum / f32(uniforms.pixels));`,
    ),
  };
}

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}

type Run = (program: GateProgram, ins: tf.TensorInfo[]) => tf.TensorInfo;

/**
 * Runs a kernel's programs through `steps`, which gets `run` and marks the intermediates with `temp`; afterwards
 * the intermediates are freed, and if a step throws, every output made so far (nothing leaks on an error).
 */
function runGatePrograms(
  backend: WebGPUBackend,
  uniforms: ProgramUniforms,
  steps: (run: Run, temp: (info: tf.TensorInfo) => tf.TensorInfo) => tf.TensorInfo[],
): tf.TensorInfo[] {
  const made: tf.TensorInfo[] = [];
  const temporaries = new Set<tf.TensorInfo>();
  const run: Run = (program, ins) => {
    const out = backend.runWebGPUProgram(program, ins, 'float32', uniforms);
    made.push(out);
    return out;
  };
  let done = false;
  try {
    const outs = steps(run, (info) => {
      temporaries.add(info);
      return info;
    });
    done = true;
    return outs;
  } finally {
    for (const info of made) if (!done || temporaries.has(info)) backend.disposeData(info.dataId);
  }
}

function gateForwardWebgpu({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { d, t } = gateForwardArgs(`${GATE_FORWARD} (webgpu)`, inputs);
  const { epsilon, momentum, tau } = attrs as { epsilon: number; momentum: number; tau: number };
  const p = forwardPrograms(d);
  const webgpu = backend as unknown as WebGPUBackend;
  return runGatePrograms(webgpu, uniformsOf(d, { epsilon, momentum, tau }), (run, temp) => {
    const pooled = temp(run(p.pooled, [t.x]));
    const z = temp(run(p.z, [pooled, t.w1]));
    const hid = temp(run(p.hidden, [z, t.gamma, t.beta]));
    const newMean = run(p.newMean, [z, t.runningMean]);
    const newVar = run(p.newVar, [z, t.runningVar]);
    const logits = run(p.logits, [hid, t.w2, t.b2]);
    const probs = run(p.probs, [logits]);
    const mask = run(p.mask, [logits, t.uniform]);
    const cache = run(p.cache, [pooled, hid, logits, t.uniform, t.w1, t.gamma, t.w2]);
    return [logits, probs, mask, cache, newMean, newVar];
  });
}

function gateBackwardWebgpu({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { d, t, xShape, tau } = gateBackwardArgs(`${GATE_BACKWARD} (webgpu)`, inputs, attrs);
  const p = backwardPrograms(d, xShape);
  const webgpu = backend as unknown as WebGPUBackend;
  return runGatePrograms(webgpu, uniformsOf(d, { epsilon: 0, momentum: 0, tau }), (run, temp) => {
    const g = temp(run(p.g, [t.dLogits, t.dProbs, t.dMask, t.cache]));
    const db2 = run(p.db2, [g]);
    const dw2 = run(p.dw2, [g, t.cache]);
    const da = temp(run(p.da, [g, t.cache]));
    const dbeta = run(p.dbeta, [da]);
    const dgamma = run(p.dgamma, [da, t.cache]);
    const dz = temp(run(p.dz, [da, t.cache, dgamma, dbeta]));
    const dw1 = run(p.dw1, [dz, t.cache]);
    const dx = run(p.dx, [dz, t.cache]);
    return [dx, dw1, dgamma, dbeta, dw2, db2];
  });
}

export const gateForwardWebgpuConfig: tf.KernelConfig = {
  kernelName: GATE_FORWARD,
  backendName: 'webgpu',
  kernelFunc: gateForwardWebgpu as unknown as tf.KernelFunc,
};

export const gateBackwardWebgpuConfig: tf.KernelConfig = {
  kernelName: GATE_BACKWARD,
  backendName: 'webgpu',
  kernelFunc: gateBackwardWebgpu as unknown as tf.KernelFunc,
};
