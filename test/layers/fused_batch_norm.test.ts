import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm } from '../../src/layers/batch_norm.js';
import { BATCH_NORM_GRAD_KERNEL, fusedBatchNorm, plainBatchNorm } from '../../src/layers/fused_batch_norm.js';
import { ParamStore } from '../../src/layers/param_store.js';
import { expectNoLeak, TEST_BACKENDS, useBackend } from '../helpers/backends.js';
import { expectNoLeakAsync, tidyAsync } from '../helpers/read.js';

const EPS = 1e-5;

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  return await tidyAsync(async () => (await tf.max(tf.abs(tf.sub(a, b))).data())[0]!);
}

/** Loss sum(w * BN(x)) through the fused op, with its batch statistics computed like BatchNorm does. */
function fusedLoss(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, w: tf.Tensor): tf.Scalar {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const y = fusedBatchNorm(
    x,
    gamma as tf.Tensor1D,
    beta as tf.Tensor1D,
    mean as tf.Tensor1D,
    variance as tf.Tensor1D,
    EPS,
  );
  return tf.sum(tf.mul(y, w));
}

for (const backend of TEST_BACKENDS) {
  describe(`fusedBatchNorm on ${backend}`, () => {
    before(() => useBackend(backend));

    it('takes its gradient from the fused backend kernel exactly where one is registered (webgpu)', () => {
      assert.equal(tf.getKernel(BATCH_NORM_GRAD_KERNEL, backend) !== undefined, backend === 'webgpu');
    });

    for (const shape of [
      [3, 4, 5, 6],
      [7, 5],
    ]) {
      it(`forward and gradients match autodiff of the plain formulation, x [${shape}]`, async () => {
        await expectNoLeakAsync(
          async () =>
            await tidyAsync(async () => {
              const c = shape[shape.length - 1]!;
              const x = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 1), 3), 1.5);
              const gamma = tf.randomNormal([c], 1, 0.5, 'float32', 2) as tf.Tensor1D;
              const beta = tf.randomNormal([c], 0, 1, 'float32', 3) as tf.Tensor1D;
              const w = tf.randomNormal(shape, 0, 1, 'float32', 4);
              const plain = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
                tf.sum(tf.mul(plainBatchNorm(xx, g as tf.Tensor1D, b as tf.Tensor1D, EPS), w)) as tf.Scalar;
              const fused = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => fusedLoss(xx, g, b, w);
              const axes = Array.from({ length: shape.length - 1 }, (_, i) => i);
              const { mean, variance } = tf.moments(x, axes);
              const yFused = fusedBatchNorm(
                x,
                gamma,
                beta,
                mean as tf.Tensor1D,
                variance as tf.Tensor1D,
                EPS,
              );
              assert.ok((await maxAbsDiff(yFused, plainBatchNorm(x, gamma, beta, EPS))) < 1e-4);
              const gp = tf.grads(plain)([x, gamma, beta]);
              const gf = tf.grads(fused)([x, gamma, beta]);
              for (const [i, n] of ['x', 'gamma', 'beta'].entries()) {
                const scale = (await tf.max(tf.abs(gp[i]!)).data())[0]!;
                const diff = await maxAbsDiff(gp[i]!, gf[i]!);
                assert.ok(diff < 1e-3 * Math.max(1, scale), `d${n}: max diff ${diff} (scale ${scale})`);
              }
            }),
        );
      });
    }

    it('gradients match central finite differences of the plain formula (float64 on the host)', async () => {
      // Oracle independent of tfjs: BN forward in float64 JS, x [4, 3] (N = 4, C = 3).
      const n = 4;
      const c = 3;
      const xv = [0.3, -1.2, 2.0, 1.1, 0.4, -0.5, -0.7, 1.9, 0.8, 2.5, -0.3, -1.4];
      const gv = [1.3, 0.7, -0.9];
      const bv = [0.1, -0.2, 0.3];
      const wv = [0.5, -1.1, 0.9, 1.7, 0.2, -0.4, -0.8, 1.2, 0.6, 0.3, -1.5, 1.0];
      const loss = (x: number[], g: number[], b: number[]) => {
        let total = 0;
        for (let j = 0; j < c; j++) {
          let m = 0;
          for (let i = 0; i < n; i++) m += x[i * c + j]! / n;
          let v = 0;
          for (let i = 0; i < n; i++) v += (x[i * c + j]! - m) ** 2 / n;
          for (let i = 0; i < n; i++) {
            total += wv[i * c + j]! * (g[j]! * ((x[i * c + j]! - m) / Math.sqrt(v + EPS)) + b[j]!);
          }
        }
        return total;
      };
      const h = 1e-5;
      const fd = (vec: number[], k: number, f: (v: number[]) => number) => {
        const up = [...vec];
        const dn = [...vec];
        up[k]! += h;
        dn[k]! -= h;
        return (f(up) - f(dn)) / (2 * h);
      };
      const [gx, gg, gb] = await tidyAsync(async () => {
        const w = tf.tensor2d(wv, [n, c]);
        const g = tf.grads((x: tf.Tensor, ga: tf.Tensor, be: tf.Tensor) => fusedLoss(x, ga, be, w));
        return Promise.all(
          g([tf.tensor2d(xv, [n, c]), tf.tensor1d(gv), tf.tensor1d(bv)]).map(async (t) =>
            Array.from(await t.data()),
          ),
        );
      });
      xv.forEach((_, k) => {
        const want = fd(xv, k, (v) => loss(v, gv, bv));
        assert.ok(Math.abs(gx![k]! - want) < 1e-3, `dx[${k}] ${gx![k]} vs ${want}`);
      });
      gv.forEach((_, k) => {
        assert.ok(Math.abs(gg![k]! - fd(gv, k, (v) => loss(xv, v, bv))) < 1e-3, `dgamma[${k}]`);
        assert.ok(Math.abs(gb![k]! - fd(bv, k, (v) => loss(xv, gv, v))) < 1e-3, `dbeta[${k}]`);
      });
    });
  });

  describe(`BatchNorm layer on ${backend}`, () => {
    before(() => useBackend(backend));

    it('training updates running stats with momentum (unbiased variance); inference uses and keeps them', async () => {
      const store = new ParamStore(0);
      const bn = new BatchNorm(store.scope('bn'), 2, { momentum: 0.1, epsilon: EPS });
      const xv = [1, 10, 3, 20, 5, 60, 7, 10]; // [4, 2]
      const x = tf.tensor2d(xv, [4, 2]);
      expectNoLeak(() => tf.dispose(bn.apply(x, true)), 'BatchNorm training');
      // channel 0: mean 4, unbiased var 20/3; channel 1: mean 25, unbiased var 1700/3.
      const rm = Array.from(await bn.runningMean.data());
      const rv = Array.from(await bn.runningVar.data());
      assert.ok(Math.abs(rm[0]! - 0.4) < 1e-5 && Math.abs(rm[1]! - 2.5) < 1e-4, `running_mean ${rm}`);
      assert.ok(Math.abs(rv[0]! - (0.9 + 0.1 * (20 / 3))) < 1e-4, `running_var ${rv}`);
      assert.ok(Math.abs(rv[1]! - (0.9 + 0.1 * (1700 / 3))) < 1e-3, `running_var ${rv}`);
      const y = await tidyAsync(async () => Array.from(await bn.apply(x, false).data()));
      assert.deepEqual(Array.from(await bn.runningMean.data()), rm, 'inference leaves the running stats');
      y.forEach((v, k) => {
        const j = k % 2;
        assert.ok(Math.abs(v - (xv[k]! - rm[j]!) / Math.sqrt(rv[j]! + EPS)) < 1e-4);
      });
      x.dispose();
      store.dispose();
    });
  });
}
