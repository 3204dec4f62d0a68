// Batch-norm backward on the device: our fused kernel (BatchShapingBatchNormGrad, src/backend/webgpu/
// batch_norm_grad.ts) against what the library runs today, the closed-form gradient of fusedBatchNorm as tf ops
// (src/layers/fused_batch_norm.ts), on activation shapes of the benchmark's models. Variants alternate rep by
// rep; a rep runs the gradient `calls` times and waits for a scalar that depends on the last result; ms per call
// is the median over reps. Also the agreement of the two on the device. Tells whether wiring the kernel into
// fusedBatchNorm pays.
import * as tf from '@tensorflow/tfjs-core';
import { BATCH_NORM_GRAD } from '../../src/backend/webgpu/batch_norm_grad.js';
import { reductionAxes } from '../../src/layers/fused_batch_norm.js';

export interface BatchNormAbRow {
  kernel: string;
  case: string;
  shape: number[];
  /** variant ('fused', 'tf-ops') -> median ms per call. */
  msPerCall: Record<string, number>;
  /** tf-ops ms / fused ms. */
  speedupOverOps: number;
  /** max over dx, dgamma, dbeta of max |fused - ops| / max |ops|. */
  relErrVsOps: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** fusedBatchNorm's gradient written as the library's custom gradient writes it (tf ops). */
function opsGrad(
  dy: tf.Tensor,
  x: tf.Tensor,
  mean: tf.Tensor,
  rstd: tf.Tensor,
  gamma: tf.Tensor,
): tf.Tensor[] {
  const axes = reductionAxes(x.rank, 'batchNormAb');
  const count = x.size / x.shape[x.rank - 1]!;
  const xhat = tf.mul(tf.sub(x, mean), rstd);
  const dbeta = tf.sum(dy, axes);
  const dgamma = tf.sum(tf.mul(dy, xhat), axes);
  const k = tf.mul(gamma, rstd);
  const dx = tf.sub(
    tf.mul(dy, k),
    tf.add(tf.mul(xhat, tf.mul(k, tf.div(dgamma, count))), tf.mul(k, tf.div(dbeta, count))),
  );
  return [dx, dgamma, dbeta];
}

export async function batchNormAb(
  label: string,
  shape: number[],
  reps: number,
  calls: number,
  deadline?: number,
): Promise<BatchNormAbRow> {
  const c = shape[shape.length - 1]!;
  const x = tf.randomNormal(shape, 0.5, 2, 'float32', 1);
  const dy = tf.randomNormal(shape, 0, 1, 'float32', 2);
  const mean = tf.randomNormal([c], 0.5, 0.1, 'float32', 3);
  const rstd = tf.randomUniform([c], 0.3, 0.6, 'float32', 4);
  const gamma = tf.randomNormal([c], 1, 0.2, 'float32', 5);
  const variants: Record<string, () => tf.Tensor[]> = {
    fused: () =>
      tf.engine().runKernel(BATCH_NORM_GRAD, { dy, x, mean, rstd, gamma }) as unknown as tf.Tensor[],
    'tf-ops': () => opsGrad(dy, x, mean, rstd, gamma),
  };
  const times: Record<string, number[]> = { fused: [], 'tf-ops': [] };
  try {
    const results: Record<string, tf.Tensor[]> = {};
    for (const [name, run] of Object.entries(variants)) {
      results[name] = tf.tidy(run);
      await Promise.all(results[name]!.map((t) => t.data()));
    }
    let err = 0;
    for (let i = 0; i < 3; i++) {
      const [d, s] = tf.tidy(() => [
        tf.max(tf.abs(tf.sub(results.fused![i]!, results['tf-ops']![i]!))),
        tf.max(tf.abs(results['tf-ops']![i]!)),
      ]);
      err = Math.max(err, (await d!.data())[0]! / Math.max((await s!.data())[0]!, 1e-30));
      tf.dispose([d!, s!]);
    }
    tf.dispose(Object.values(results).flat());
    for (let rep = 0; rep < reps; rep++) {
      if (rep > 0 && deadline !== undefined && performance.now() > deadline) break;
      for (const [name, run] of Object.entries(variants)) {
        const t0 = performance.now();
        const probe = tf.tidy(() => {
          let last: tf.Tensor[] = [];
          for (let i = 0; i < calls; i++) {
            tf.dispose(last);
            last = run();
          }
          return tf.add(tf.slice(tf.reshape(last[0]!, [-1]), 0, 1), tf.slice(last[1]!, 0, 1));
        });
        await probe.data();
        times[name]!.push((performance.now() - t0) / calls);
        probe.dispose();
      }
    }
    const msPerCall = Object.fromEntries(Object.entries(times).map(([n, ts]) => [n, median(ts)]));
    return {
      kernel: BATCH_NORM_GRAD,
      case: label,
      shape,
      msPerCall,
      speedupOverOps: msPerCall['tf-ops']! / msPerCall.fused!,
      relErrVsOps: err,
    };
  } finally {
    tf.dispose([x, dy, mean, rstd, gamma]);
  }
}
