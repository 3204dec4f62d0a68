import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  generalizedBatchShapingLoss,
  generalizedBatchShapingTerms,
  type LearnedGatePriors,
  learnedGatePriors,
} from '../../src/losses/generalized_batch_shaping_loss.js';
import { betaPrior } from '../../src/ops/beta_prior.js';
import { relaxedBernoulliPrior } from '../../src/ops/relaxed_bernoulli_prior.js';
import { type GbasGoldenCase, gbasGolden } from '../fixtures/bas/gbas_golden.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { expectNoLeakAsync, nested, numbers, scalar } from '../helpers/read.js';

const logit = (v: number) => Math.log(v) - Math.log1p(-v);
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Runs a golden case: loss terms and the gradients w.r.t. every layer's probs and the prior parameters. */
async function runCase(c: GbasGoldenCase) {
  const t = tf.tidy(() => {
    const probs = c.inputs.map((v, i) => tf.tensor2d(v, c.shapes[i]!));
    const learnTau = c.temperature_logits !== null;
    const us = c.per_layer_priors
      ? c.on_logits.map((u) => tf.tensor1d(u))
      : [tf.tensor1d(c.on_logits.flat())];
    const vs = !learnTau
      ? []
      : c.per_layer_priors
        ? c.temperature_logits!.map((v) => tf.tensor1d(v))
        : [tf.tensor1d(c.temperature_logits!.flat())];
    const options = {
      hyperprior: betaPrior(c.hyperprior.a, c.hyperprior.b),
      hyperpriorWeight: c.hyperprior_weight,
      temperatureWeight: c.temperature_weight,
      temperature: c.temperature,
      reduction: c.reduction,
      validate: false,
    };
    const priorsOf = (u: tf.Tensor[], v: tf.Tensor[]): LearnedGatePriors[] =>
      u.map((t, i) => ({
        onLogits: t as tf.Tensor1D,
        ...(learnTau && { temperatureLogits: v[i] as tf.Tensor1D }),
      }));
    const nl = probs.length;
    const nu = us.length;
    const f = (...t: tf.Tensor[]) => {
      const priors = priorsOf(t.slice(nl, nl + nu), t.slice(nl + nu));
      return generalizedBatchShapingLoss(
        t.slice(0, nl) as tf.Tensor2D[],
        c.per_layer_priors ? priors : priors[0]!,
        options,
      );
    };
    const { value, grads } = tf.valueAndGrads(f)([...probs, ...us, ...vs]);
    const priors = priorsOf(us, vs);
    const terms = generalizedBatchShapingTerms(probs, c.per_layer_priors ? priors : priors[0]!, options);
    return {
      value,
      terms,
      probGrads: grads.slice(0, nl),
      onGrads: grads.slice(nl, nl + nu),
      tauGrads: grads.slice(nl + nu),
    };
  });
  const flat = async (ts: tf.Tensor[]) => (await Promise.all(ts.map((g) => numbers(g)))).flat();
  return {
    total: await scalar(t.value),
    terms: {
      total: await scalar(t.terms.total),
      shaping: await scalar(t.terms.shaping),
      hyperprior: await scalar(t.terms.hyperprior),
      temperature: await scalar(t.terms.temperature),
    },
    probGrads: await Promise.all(t.probGrads.map((g) => numbers(g))),
    onGrads: await flat(t.onGrads),
    tauGrads: await flat(t.tauGrads),
  };
}

function close(got: number, want: number, abs: number, rel: number, what: string): void {
  assert.ok(Math.abs(got - want) <= abs + rel * Math.abs(want), `${what}: ${got} vs ${want}`);
}

/** Gradients against the golden ones: 1e-4 of the largest plus 1e-3 relative (float32 residuals times pdfs). */
function closeGrads(got: number[], want: number[], what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const scale = Math.max(...want.map(Math.abs));
  want.forEach((w, k) => {
    close(got[k]!, w, 1e-4 * scale, 1e-3, `${what}[${k}]`);
  });
}

/** Quantile of a CDF by bisection on the host. */
function quantile(cdf: (x: number) => number, q: number): number {
  let lo = 0;
  let hi = 1;
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Kolmogorov-Smirnov distance between a sample and a CDF. */
function ksDistance(sample: ArrayLike<number>, cdf: (x: number) => number): number {
  const s = Array.from(sample).sort((p, q) => p - q);
  let d = 0;
  s.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, (i + 1) / s.length - f, f - i / s.length);
  });
  return d;
}

for (const backend of TEST_BACKENDS) {
  describe(`generalizedBatchShapingLoss on ${backend}`, () => {
    before(() => useBackend(backend));

    for (const c of gbasGolden.cases) {
      it(`${c.name} (${c.reduction}): terms and gradients (probs, onLogits, temperatureLogits) match NumPy/SciPy`, async () => {
        const r = await expectNoLeakAsync(() => runCase(c), 'loss + gradients');
        close(r.total, c.total, 2e-6, 1e-5, 'total');
        close(r.terms.total, c.total, 2e-6, 1e-5, 'terms.total');
        close(r.terms.shaping, c.shaping, 2e-6, 1e-5, 'shaping');
        close(r.terms.hyperprior, c.hyperprior_term, 2e-6, 1e-5, 'hyperprior');
        close(r.terms.temperature, c.temperature_term, 2e-6, 1e-5, 'temperature');
        c.grads.probs.forEach((want, l) => {
          closeGrads(r.probGrads[l]!, want, `d/dprobs layer ${l}`);
        });
        closeGrads(r.onGrads, c.grads.on_logits, 'd/donLogits');
        if (c.grads.temperature_logits === null) assert.equal(r.tauGrads.length, 0);
        else closeGrads(r.tauGrads, c.grads.temperature_logits, 'd/dtemperatureLogits');
      });
    }

    it('gradients match central finite differences of the loss itself (probs, onLogits, temperatureLogits)', async () => {
      // Interior probabilities well apart (no tie crossed by a step), moderate parameters: the pdf clip is
      // inactive, so the x-gradient is the true derivative. float64 host sums of float32 device values.
      const n = 12;
      const c = 4;
      const x0 = Array.from({ length: n * c }, (_, k) => 0.04 + (0.92 * ((k * 29) % (n * c))) / (n * c));
      const u0 = [-1.2, 0.3, -0.4, 0.9];
      const v0 = [-0.6, 0.2, 0.8, -1.1];
      const options = { temperatureWeight: 0.1, hyperpriorWeight: 1, validate: false };
      const f = (x: tf.Tensor, u: tf.Tensor, v: tf.Tensor) =>
        generalizedBatchShapingLoss(
          x as tf.Tensor2D,
          { onLogits: u as tf.Tensor1D, temperatureLogits: v as tf.Tensor1D },
          options,
        );
      const at = (x: number[], u: number[], v: number[]) =>
        scalar(tf.tidy(() => f(tf.tensor2d(x, [n, c]), tf.tensor1d(u), tf.tensor1d(v))));
      const gradTensors = tf.tidy(() =>
        tf.grads(f as (...t: tf.Tensor[]) => tf.Tensor)([
          tf.tensor2d(x0, [n, c]),
          tf.tensor1d(u0),
          tf.tensor1d(v0),
        ]),
      );
      const [gx, gu, gv] = await Promise.all(gradTensors.map((g) => numbers(g)));
      const fd = async (which: 0 | 1 | 2, k: number, h: number) => {
        const args = [[...x0], [...u0], [...v0]] as [number[], number[], number[]];
        args[which][k]! += h;
        const plus = await at(...args);
        args[which][k]! -= 2 * h;
        return (plus - (await at(...args))) / (2 * h);
      };
      let checked = 0;
      for (let k = 0; k < n * c; k += 5) {
        const d = await fd(0, k, 2e-3);
        assert.ok(Math.abs(d - gx![k]!) < 3e-5 + 0.02 * Math.abs(d), `d/dx[${k}]: fd ${d} vs grad ${gx![k]}`);
        checked++;
      }
      for (let k = 0; k < c; k++) {
        const du = await fd(1, k, 1e-2);
        assert.ok(
          Math.abs(du - gu![k]!) < 3e-5 + 0.02 * Math.abs(du),
          `d/du[${k}]: fd ${du} vs grad ${gu![k]}`,
        );
        const dv = await fd(2, k, 1e-2);
        assert.ok(
          Math.abs(dv - gv![k]!) < 3e-5 + 0.02 * Math.abs(dv),
          `d/dv[${k}]: fd ${dv} vs grad ${gv![k]}`,
        );
        // Not vacuous: every parameter gradient is well above the tolerance.
        assert.ok(Math.abs(gu![k]!) > 1e-3 && Math.abs(gv![k]!) > 1e-3, `gradients ${gu![k]}, ${gv![k]}`);
        checked += 2;
      }
      assert.equal(checked, 10 + 2 * c);
    });

    it("'sum' is G x 'mean' term by term; several layers = one call on the concatenation with one prior", async () => {
      const t = tf.tidy(() => {
        const l1 = tf.sigmoid(tf.randomNormal([32, 3], 0, 2, 'float32', 1)) as tf.Tensor2D;
        const l2 = tf.sigmoid(tf.randomNormal([32, 5], 0, 2, 'float32', 2)) as tf.Tensor2D;
        const u = tf.randomNormal([8], -0.5, 1, 'float32', 3) as tf.Tensor1D;
        const v = tf.randomNormal([8], 0, 1, 'float32', 4) as tf.Tensor1D;
        const all = { onLogits: u, temperatureLogits: v };
        const perLayer = [
          { onLogits: u.slice(0, 3), temperatureLogits: v.slice(0, 3) },
          { onLogits: u.slice(3), temperatureLogits: v.slice(3) },
        ];
        const opts = { temperatureWeight: 0.1, validate: false };
        const both = tf.concat([l1, l2], 1) as tf.Tensor2D;
        return {
          sum: generalizedBatchShapingTerms(both, all, { ...opts, reduction: 'sum' }),
          mean: generalizedBatchShapingTerms(both, all, { ...opts, reduction: 'mean' }),
          layered: generalizedBatchShapingLoss([l1, l2], perLayer, opts),
          concat: generalizedBatchShapingLoss(both, all, opts),
        };
      });
      const read = (terms: Record<string, tf.Scalar>) =>
        Promise.all(Object.values(terms).map((v) => scalar(v)));
      const sum = await read(t.sum);
      const mean = await read(t.mean);
      const layered = await scalar(t.layered);
      const concat = await scalar(t.concat);
      sum.forEach((s, k) => {
        close(s, 8 * mean[k]!, 1e-7, 1e-5, `term ${k}`);
      });
      assert.ok(
        mean.every((m) => m > 1e-4),
        `every term is present: ${mean}`,
      );
      close(layered, concat, 1e-7, 1e-6, 'layers vs concatenation');
    });

    it('is ~0 when every column holds its own prior quantiles and the p_c are the hyperprior quantiles', async () => {
      // Hyperprior Beta(3, 7): p_(k) at its k/(G+1) quantiles; gate c: the i/(N+1) quantiles of RB(p_c, tau_c).
      const n = 64;
      const g = 5;
      const hyper = betaPrior(3, 7);
      const p = Array.from({ length: g }, (_, k) => quantile((x) => hyper.cdfHost(x), (k + 1) / (g + 1)));
      const order = [3, 0, 4, 1, 2]; // gates not in sorted order of p: the hyperprior term sorts them
      const tau = [0.3, 0.5, 0.7, 0.45, 0.6];
      const cols: number[] = new Array(n * g);
      order.forEach((k, c) => {
        const rb = relaxedBernoulliPrior(p[k]!, tau[c]!);
        for (let i = 0; i < n; i++) cols[i * g + c] = quantile((x) => rb.cdfHost(x), (i + 1) / (n + 1));
      });
      const priors = {
        onLogits: order.map((k) => logit(p[k]!)),
        temperatureLogits: tau.map(logit),
      };
      const t = tf.tidy(() => {
        const x = tf.tensor2d(cols, [n, g]);
        const at = (u: number[]) =>
          generalizedBatchShapingTerms(
            x,
            { onLogits: tf.tensor1d(u), temperatureLogits: tf.tensor1d(priors.temperatureLogits) },
            { validate: false },
          );
        const good = at(priors.onLogits);
        const bad = at(priors.onLogits.map((u, c) => (c === 0 ? u + 1 : u)));
        return { good, bad };
      });
      const perfect = [await scalar(t.good.shaping), await scalar(t.good.hyperprior)];
      const shifted = [await scalar(t.bad.shaping), await scalar(t.bad.hyperprior)];
      tf.dispose([t.good, t.bad]);
      assert.ok(perfect[0]! < 1e-9 && perfect[1]! < 1e-9, `quantiles give ${perfect}`);
      // Moving one gate's prior breaks both terms: its column no longer fits, and the p's leave the quantiles.
      assert.ok(shifted[0]! > 1e-3 && shifted[1]! > 1e-3, `shifted prior gives ${shifted}`);
    });

    it('reads nothing back to the host with validate: false (forward and backward)', async () => {
      const x = tf.sigmoid(tf.randomNormal([16, 4], 0, 2, 'float32', 7)) as tf.Tensor2D;
      const priors = learnedGatePriors(4, { onProb: 0.3, temperature: 0.4 });
      // Every host read of tensor data goes through the engine's readSync (dataSync, arraySync, bufferSync);
      // the cpu backend's kernels read their own memory, which is not a read-back.
      const engine = tf.engine();
      const saved = {
        readSync: engine.readSync,
        dataSync: tf.Tensor.prototype.dataSync,
        arraySync: tf.Tensor.prototype.arraySync,
      };
      const fail = () => {
        throw new Error('synchronous read-back');
      };
      let grads: tf.NamedTensorMap = {};
      try {
        engine.readSync = fail;
        tf.Tensor.prototype.dataSync = fail;
        tf.Tensor.prototype.arraySync = fail;
        const { value, grads: g } = tf.variableGrads(
          () => generalizedBatchShapingLoss(x, priors, { temperatureWeight: 0.1, validate: false }),
          [priors.onLogits, priors.temperatureLogits!],
        );
        value.dispose();
        grads = g;
      } finally {
        engine.readSync = saved.readSync;
        tf.Tensor.prototype.dataSync = saved.dataSync;
        tf.Tensor.prototype.arraySync = saved.arraySync;
      }
      assert.equal(Object.keys(grads).length, 2);
      for (const g of Object.values(grads)) {
        assert.ok((await numbers(g)).every((v) => Number.isFinite(v) && v !== 0));
      }
      tf.dispose([x, priors.onLogits, priors.temperatureLogits!, ...Object.values(grads)]);
    });

    it('trains per-gate priors and free gate logits with the loss alone to a sensible configuration', async () => {
      // The official example's setting, scaled down: G = 8 gates whose N = 256 logits start as narrow clusters
      // at different levels (initial on-rates 0.05 ... 0.92), priors at p = 0.5 and tau = 0.5, hyperprior
      // Beta(3, 7), reduction 'mean' (the official one), no temperature penalty, Adam. "Sensible" after 400
      // steps (measured: KS <= 0.036, |on-rate - p| <= 0.01, p_(1..7) within 0.006 of the quantiles):
      // - each gate follows its own learned prior (KS distance < 0.05), and is on (x > 1/2) as often as its
      //   p_c says (F(1/2) = 1 - p);
      // - the learned p's keep the gates' identity (same order as the initial levels);
      // - the hyperprior shapes them: the seven lower p's sit at Beta(3, 7)'s k/(G+1) quantiles and their mean
      //   is near 0.3 (the gates started at a mean on-rate of 0.47); the top gate, whose data start 92% on,
      //   settles between its quantile (0.50) and its data (a compromise: Beta(3, 7) has a light upper tail).
      const n = 256;
      const g = 8;
      const levels = [-3, -2, -1.2, -0.5, 0.2, 0.8, 1.6, 2.5]; // initial logit level of each gate
      const gateLogits = tf.variable(
        tf.tidy(() =>
          tf.add(tf.tensor1d(levels).reshape([1, g]), tf.randomNormal([n, g], 0, 0.2, 'float32', 11)),
        ),
      );
      const priors = learnedGatePriors(g);
      const opt = tf.train.adam(0.05);
      const options = { reduction: 'mean' as const, validate: false };
      const step = () =>
        opt.minimize(() =>
          generalizedBatchShapingLoss(tf.sigmoid(gateLogits) as tf.Tensor2D, priors, options),
        );
      step(); // creates Adam's slot variables
      const before = tf.memory().numTensors;
      for (let i = 1; i < 400; i++) {
        step();
        // A read now and then, as a training loop's logging does: on webgpu (lavapipe) 400 queued steps with no
        // read in between crash the process (so does batchShapingLoss's own loop).
        if (i % 50 === 0) await scalar(tf.sum(priors.onLogits));
      }
      assert.equal(tf.memory().numTensors, before, 'training steps leak no tensors');
      const gateProbs = await nested(tf.tidy(() => tf.transpose(tf.sigmoid(gateLogits)))); // [G][N]
      const p = await numbers(tf.sigmoid(priors.onLogits));
      const tau = await numbers(tf.sigmoid(priors.temperatureLogits!));
      const hyper = betaPrior(3, 7);
      const ks = gateProbs.map((col, c) =>
        ksDistance(col, (x) => relaxedBernoulliPrior(p[c]!, tau[c]!).cdfHost(x)),
      );
      const onRate = gateProbs.map((col) => col.filter((x) => x > 0.5).length / n);
      const ranks = p.map((v) => p.filter((w) => w < v).length);
      const diag = `p ${p.map((v) => v.toFixed(3))}, tau ${tau.map((v) => v.toFixed(3))}, KS ${ks.map((v) => v.toFixed(3))}, on-rate ${onRate}`;
      ks.forEach((d, c) => {
        assert.ok(d < 0.05, `gate ${c}: KS to its learned prior ${d}; ${diag}`);
      });
      onRate.forEach((r, c) => {
        assert.ok(Math.abs(r - p[c]!) < 0.03, `gate ${c}: on-rate ${r} vs p ${p[c]}; ${diag}`);
      });
      assert.deepEqual(ranks, [0, 1, 2, 3, 4, 5, 6, 7], `order of the learned p's; ${diag}`);
      for (let k = 0; k < g - 1; k++) {
        const q = quantile((x) => hyper.cdfHost(x), (k + 1) / (g + 1));
        assert.ok(Math.abs(p[k]! - q) < 0.02, `p_(${k + 1}) = ${p[k]} vs Beta(3, 7) quantile ${q}; ${diag}`);
      }
      const meanP = p.reduce((s, v) => s + v, 0) / g;
      assert.ok(Math.abs(meanP - 0.3) < 0.05, `mean learned p ${meanP}; ${diag}`);
      assert.ok(p[g - 1]! > 0.55 && p[g - 1]! < sigmoid(levels[g - 1]!), `top gate p ${p[g - 1]}; ${diag}`);
      tf.dispose([gateLogits, priors.onLogits, priors.temperatureLogits!]);
      opt.dispose();
    });
  });
}

describe('generalizedBatchShapingLoss input checks', () => {
  before(() => useBackend('cpu'));

  it('names the function, the argument, the expectation and what it got', () => {
    tf.tidy(() => {
      const x = tf.fill([8, 3], 0.5) as tf.Tensor2D;
      const u3 = tf.zeros([3]) as tf.Tensor1D;
      const call =
        (g: unknown, p: unknown, o = {}) =>
        () =>
          generalizedBatchShapingLoss(g as tf.Tensor2D, p as LearnedGatePriors, o);
      assert.throws(
        call(x, { onLogits: tf.zeros([4]) }),
        /generalizedBatchShapingLoss: argument 'priors.onLogits' must be a float32 tensor of shape \[3\] \(one entry per gate\); got float32 \[4\]/,
      );
      assert.throws(
        call(x, { onLogits: u3, temperatureLogits: tf.zeros([3, 1]) }),
        /argument 'priors.temperatureLogits' must be a float32 tensor of shape \[3\] .*got float32 \[3,1\]/,
      );
      assert.throws(
        call(x, { onLogits: [0, 0, 0] }),
        /argument 'priors.onLogits' must be a tf.Tensor \[3\]; got object/,
      );
      assert.throws(call(x, null), /argument 'priors' must be \{ onLogits, temperatureLogits\? \}; got null/);
      assert.throws(
        call([x, x], [{ onLogits: u3 }]),
        /argument 'priors' must hold one LearnedGatePriors per gated layer \(2\); got 1/,
      );
      assert.throws(
        call([x, x], [{ onLogits: u3, temperatureLogits: u3 }, { onLogits: u3 }]),
        /must give temperatureLogits for every layer or for none; priors\[0\] has, priors\[1\] has none/,
      );
      assert.throws(
        call([x, x], { onLogits: u3 }),
        /argument 'priors \(all gates of all layers\).onLogits' must be a float32 tensor of shape \[6\]/,
      );
      assert.throws(
        call(x, { onLogits: u3 }, { reduction: 'max' }),
        /option 'reduction' must be 'sum' or 'mean'; got "max"/,
      );
      assert.throws(
        call(x, { onLogits: u3 }, { hyperpriorWeight: -1 }),
        /argument 'options.hyperpriorWeight' must be a finite number >= 0; got -1/,
      );
      assert.throws(
        call(x, { onLogits: u3 }, { temperature: 0 }),
        /argument 'options.temperature' must be a finite number > 0; got 0/,
      );
      assert.throws(
        call(tf.fill([8, 3], 1.5), { onLogits: u3 }),
        /generalizedBatchShapingLoss: argument 'gateProbs' must contain probabilities in \[0, 1\]; got values in \[1.5, 1.5\]/,
      );
      assert.throws(
        call(tf.zeros([1, 3]), { onLogits: u3 }),
        /generalizedBatchShapingLoss: argument 'gateProbs' must have a batch of N >= 2/,
      );
    });
    assert.throws(
      () => learnedGatePriors(0),
      /learnedGatePriors: argument 'numGates' must be an integer >= 1; got 0/,
    );
    assert.throws(
      () => learnedGatePriors(3, { temperature: 1 }),
      /learnedGatePriors: argument 'init.temperature' must be a number in \(0, 1\); got 1/,
    );
  });

  it('learnedGatePriors starts at the requested p and tau, and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const priors = learnedGatePriors(3, { onProb: 0.2, temperature: 0.4 });
    const fixed = learnedGatePriors(2, { learnTemperature: false });
    assert.equal(tf.memory().numTensors, before + 3, 'three variables, no stray tensors');
    assert.ok(priors.onLogits.trainable && fixed.temperatureLogits === undefined);
    (await numbers(priors.onLogits, true)).forEach((v) => {
      close(sigmoid(v), 0.2, 1e-6, 0, 'p');
    });
    (await numbers(priors.temperatureLogits!, true)).forEach((v) => {
      close(sigmoid(v), 0.4, 1e-6, 0, 'tau');
    });
    tf.dispose([priors.onLogits, priors.temperatureLogits!, fixed.onLogits]);
  });
});
