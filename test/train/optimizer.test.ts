import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { Optimizer, type OptimizerConfig, UNIFORM_GROUPS } from '../../src/train/optimizer.js';
import type { ParamGroups } from '../../src/train/param_groups.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backends.js';

type Kind = OptimizerConfig['kind'];

// Oracle: torch.optim.SGD / Adam / AdamW's documented updates, written out in float64 on plain arrays.
function reference(
  kind: Kind,
  w0: number[],
  grads: number[][],
  lrs: number[],
  o: { momentum: number; nesterov: boolean; wd: number; beta1: number; beta2: number; eps: number },
): number[] {
  const w = [...w0];
  const v = w.map(() => 0);
  const m = w.map(() => 0);
  const s = w.map(() => 0);
  grads.forEach((g, step) => {
    const t = step + 1;
    const lr = lrs[step]!;
    for (let i = 0; i < w.length; i++) {
      if (kind === 'sgd') {
        const d = g[i]! + o.wd * w[i]!;
        v[i] = o.momentum * v[i]! + d;
        w[i] = w[i]! - lr * (o.nesterov ? d + o.momentum * v[i]! : v[i]!);
        continue;
      }
      let d = g[i]!;
      if (kind === 'adamw') w[i] = w[i]! * (1 - lr * o.wd);
      else d += o.wd * w[i]!;
      m[i] = o.beta1 * m[i]! + (1 - o.beta1) * d;
      s[i] = o.beta2 * s[i]! + (1 - o.beta2) * d * d;
      const mHat = m[i]! / (1 - o.beta1 ** t);
      const sHat = s[i]! / (1 - o.beta2 ** t);
      w[i] = w[i]! - (lr * mHat) / (Math.sqrt(sHat) + o.eps);
    }
  });
  return w;
}

const close = (a: ArrayLike<number>, b: number[], tol = 2e-5) => {
  for (let i = 0; i < b.length; i++)
    assert.ok(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `${i}: ${a[i]} vs ${b[i]}`);
};

function config(kind: Kind, groups: ParamGroups, extra: Partial<OptimizerConfig> = {}): OptimizerConfig {
  return {
    kind,
    momentum: kind === 'sgd' ? 0.9 : 0,
    nesterov: false,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0.01,
    groups,
    ...extra,
  };
}

// A gate weight exempt from decay at half the lr, a conv weight, a BatchNorm scale at 2x lr and no decay.
const GROUPS: ParamGroups = {
  gate: { lrScale: 0.5, wdScale: 0 },
  bn: { lrScale: 2, wdScale: 0 },
  bias: { lrScale: 1, wdScale: 1 },
  weight: { lrScale: 1, wdScale: 1 },
};

for (const backend of TEST_BACKENDS) {
  describe(`Optimizer on ${backend}`, () => {
    const cases: [Kind, boolean][] = [
      ['sgd', false],
      ['sgd', true],
      ['adam', false],
      ['adamw', false],
    ];
    for (const [kind, nesterov] of cases) {
      it(`${kind}${nesterov ? ' (Nesterov)' : ''} matches PyTorch's update per parameter group`, async () => {
        await useBackend(backend);
        const init = {
          'layer1.0.gate.fc1.weight': [0.5, -1.25, 2, 0.75],
          'layer1.0.conv1.weight': [0.3, -0.2, 0.1, 0.9],
          'layer1.0.bn1.weight': [1, 0.8],
        };
        const shapes: Record<string, number[]> = {
          'layer1.0.gate.fc1.weight': [2, 2],
          'layer1.0.conv1.weight': [1, 1, 2, 2],
          'layer1.0.bn1.weight': [2],
        };
        const params = Object.fromEntries(
          Object.entries(init).map(([n, v]) => [n, tf.variable(tf.tensor(v, shapes[n]))]),
        );
        const before = tf.memory().numTensors;
        const opt = new Optimizer(params, config(kind, GROUPS, { nesterov }));
        assert.deepEqual(opt.decayedNames(), ['layer1.0.conv1.weight']);
        const grads = Object.fromEntries(
          Object.entries(init).map(([n, v], p) => [
            n,
            [0, 1, 2].map((t) => v.map((_, i) => Math.sin(1 + 3 * t + 7 * i + 11 * p))),
          ]),
        );
        const lrs = [0.1, 0.05, 0.2];
        for (let t = 0; t < 3; t++) {
          const g = Object.fromEntries(
            Object.entries(grads).map(([n, gs]) => [n, tf.tensor(gs[t]!, shapes[n])]),
          );
          opt.step(g, lrs[t]!);
          tf.dispose(Object.values(g));
        }
        assert.equal(opt.steps, 3);
        const roles = opt.paramRoles();
        for (const [name, w0] of Object.entries(init)) {
          const group = GROUPS[roles[name]!];
          const o = {
            momentum: kind === 'sgd' ? 0.9 : 0,
            nesterov,
            wd: 0.01 * group.wdScale,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
          };
          const want = reference(
            kind,
            w0,
            grads[name]!,
            lrs.map((lr) => lr * group.lrScale),
            o,
          );
          close(await params[name]!.data(), want);
        }
        // One slot per parameter for SGD, two for Adam; dispose() frees them all.
        const slots = kind === 'sgd' ? 3 : 6;
        assert.equal(tf.memory().numTensors, before + slots);
        opt.dispose();
        assert.equal(tf.memory().numTensors, before);
        tf.dispose(Object.values(params));
      });

      it(`${kind}${nesterov ? ' (Nesterov)' : ''} continues bit-identically after saving and loading its state`, async () => {
        await useBackend(backend);
        const make = () => ({ 'fc.weight': tf.variable(tf.tensor2d([1, 2, 3, 4], [2, 2])) });
        const g = [
          [0.1, -0.2, 0.3, 0.05],
          [0.5, 0.1, -0.4, 0.2],
          [-0.3, 0.2, 0.1, -0.1],
        ].map((v) => tf.tensor2d(v, [2, 2]));
        const cfg = config(kind, UNIFORM_GROUPS, { nesterov, weightDecay: 0.1 });
        const a = make();
        const optA = new Optimizer(a, cfg);
        for (const x of g) optA.step({ 'fc.weight': x }, 0.1);
        const b = make();
        const optB1 = new Optimizer(b, cfg);
        optB1.step({ 'fc.weight': g[0]! }, 0.1);
        const state = optB1.state();
        assert.deepEqual(
          Object.keys(state).sort(),
          kind === 'sgd'
            ? ['fc.weight/momentum_buffer', 'step']
            : ['fc.weight/exp_avg', 'fc.weight/exp_avg_sq', 'step'],
        );
        const saved = Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v.clone()]));
        state.step!.dispose();
        optB1.dispose();
        const optB2 = new Optimizer(b, cfg);
        await optB2.loadState(saved);
        tf.dispose(Object.values(saved));
        assert.equal(optB2.steps, 1);
        optB2.step({ 'fc.weight': g[1]! }, 0.1);
        optB2.step({ 'fc.weight': g[2]! }, 0.1);
        assert.deepEqual(Array.from(await b['fc.weight'].data()), Array.from(await a['fc.weight'].data()));
        tf.dispose([...Object.values(a), ...Object.values(b), ...g]);
        optA.dispose();
        optB2.dispose();
      });
    }
  });
}

describe('Optimizer input checks', () => {
  it('names the option, the expectation and the value', async () => {
    await useBackend('cpu');
    const w = { 'fc.weight': tf.variable(tf.zeros([2, 2])) };
    const bad = (extra: Partial<OptimizerConfig>) => () =>
      new Optimizer(w, config('sgd', UNIFORM_GROUPS, extra));
    assert.throws(
      bad({ kind: 'lbfgs' as Kind }),
      /Optimizer: option 'kind' must be one of sgd, adam, adamw; got lbfgs/,
    );
    assert.throws(bad({ momentum: 1 }), /option 'momentum' must be in \[0, 1\); got 1/);
    assert.throws(bad({ momentum: 0, nesterov: true }), /option 'nesterov' needs momentum > 0/);
    assert.throws(bad({ beta2: 1 }), /option 'beta2' must be in \[0, 1\); got 1/);
    assert.throws(bad({ eps: 0 }), /option 'eps' must be > 0; got 0/);
    const opt = new Optimizer(w, config('sgd', UNIFORM_GROUPS));
    assert.throws(() => opt.step({ nope: tf.zeros([1]) }, 0.1), /gradient for unknown parameter 'nope'/);
    assert.throws(() => opt.step({}, Number.NaN), /argument 'lr' must be a finite number >= 0; got NaN/);
    await assert.rejects(opt.loadState({ 'fc.weight/momentum_buffer': tf.zeros([3]) }), /shape \[3\]/);
    await assert.rejects(
      opt.loadState({ 'fc.weight/exp_avg': tf.zeros([2, 2]) }),
      /state 'fc.weight\/exp_avg' is not sgd state \(expected momentum_buffer; was the run trained with another optimizer\?\)/,
    );
    await assert.rejects(opt.loadState({ 'other/momentum_buffer': tf.zeros([2, 2]) }), /names no parameter/);
    opt.dispose();
    tf.dispose(Object.values(w));
  });
});
