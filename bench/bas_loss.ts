// Benchmark: batch-shaping loss + gradient (N = 256 gate probabilities per gate, C gates) against one conv
// layer forward + backward of a ResNet-20-sized tensor ([256, 32, 32, 16], 3x3, 16 -> 16, stride 1: every
// ResNet-20 conv has about these 0.6 GMAC), measured in the same process, per backend.
// Also times the prior CDF alone on the device (table) and on the host (@stdlib, with the read-back and
// upload a host version costs), the justification for the device-side table.
// Run: node --import tsx bench/bas_loss.ts   -> bench/results/bas_loss.json
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import betaCdf from '@stdlib/stats-base-dists-beta-cdf';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init_backend.js';
import { batchShapingLoss } from '../src/losses/batch_shaping_loss.js';
import { betaPrior } from '../src/ops/beta_prior.js';

const N = 256;
const GATE_COUNTS = [64, 336, 512, 2048]; // 336 = all gates of a gated ResNet-20 (3 x (16 + 32 + 64))
const BACKENDS = ['wasm', 'cpu'] as const;
// ResNet-20: 19 convs of ~0.6 GMAC each except the stem (3 -> 16) and the 1x1 shortcuts (option A has none).
const RESNET20_CONV_EQUIVALENTS = 18;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median wall time of `fn` (which must finish its work synchronously, e.g. by reading its result). */
function time(fn: () => void, reps: number, warmup = 1): number {
  for (let i = 0; i < warmup; i++) fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

async function benchBackend(name: (typeof BACKENDS)[number]) {
  const report = await initBackend(name);
  const prior = betaPrior(0.6, 0.4);

  // The pure-JS cpu backend needs minutes for a 256-sample conv step on our 2 shared cores: there we time
  // a batch of 8 and scale by 256 / 8 (a conv's work is linear in the batch); wasm is timed at N = 256.
  const convBatch = name === 'cpu' ? 8 : N;
  const x = tf.randomNormal([convBatch, 32, 32, 16], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 16, 16], 0, 0.1, 'float32', 2) as tf.Tensor4D;
  const convStep = () =>
    tf.tidy(() => {
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))),
      )([x, w]);
      dx!.dataSync();
      dw!.dataSync();
    });
  const convMeasuredMs = time(convStep, name === 'cpu' ? 2 : 5);
  const convMs = (convMeasuredMs * N) / convBatch;
  tf.dispose([x, w]);

  const cases = [];
  for (const c of GATE_COUNTS) {
    const probs = tf.tidy(() => tf.sigmoid(tf.randomNormal([N, c], 0, 2, 'float32', c))) as tf.Tensor2D;
    const lossGrad = (validate: boolean) => () =>
      tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad((p: tf.Tensor) =>
          batchShapingLoss(p as tf.Tensor2D, { prior, validate }),
        )(probs);
        value.dataSync();
        grad.dataSync();
      });
    const reps = 9;
    const lossGradMs = time(lossGrad(false), reps, 2);
    const lossGradValidatedMs = time(lossGrad(true), reps, 1);
    const deviceCdfMs = time(() => tf.tidy(() => void prior.cdf(probs).dataSync()), reps, 1);
    // What a host CDF costs per call: read the probabilities back, @stdlib per element, upload the result.
    const hostCdfMs = time(
      () =>
        tf.tidy(() => {
          const v = probs.dataSync();
          const out = new Float32Array(v.length);
          for (let i = 0; i < v.length; i++) out[i] = betaCdf(v[i]!, 0.6, 0.4);
          tf.tensor2d(out, probs.shape).dataSync();
        }),
      reps,
      1,
    );
    probs.dispose();
    cases.push({
      N,
      C: c,
      lossGradMs,
      lossGradValidatedMs,
      ratioToConvLayer: lossGradMs / convMs,
      ratioToResNet20Convs: lossGradMs / (RESNET20_CONV_EQUIVALENTS * convMs),
      deviceCdfMs,
      hostCdfMs,
    });
    console.log(
      `${name} C=${c}: loss+grad ${lossGradMs.toFixed(2)} ms (validated ${lossGradValidatedMs.toFixed(2)}), ` +
        `${(lossGradMs / convMs).toFixed(3)} x one conv layer; cdf device ${deviceCdfMs.toFixed(2)} ms, host ${hostCdfMs.toFixed(2)} ms`,
    );
  }
  return {
    backend: report.name,
    reason: report.reason,
    convBatchMeasured: convBatch,
    convMeasuredMs,
    convLayerForwardBackwardMs: convMs,
    convScaledFromBatch: convBatch !== N,
    cases,
  };
}

const loadBefore = loadavg();
const results = [];
for (const name of BACKENDS) {
  try {
    results.push(await benchBackend(name));
  } catch (err) {
    results.push({ backend: name, error: err instanceof Error ? err.message : String(err) });
  }
}
const out = {
  benchmark: 'bas_loss',
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  // 1/5/15-minute load averages: on a shared machine, absolute times scale with them; ratios less so.
  loadAverage: { before: loadBefore, after: loadavg() },
  note:
    'median wall times; ratios are against one ResNet-20-sized conv layer forward+backward ([256,32,32,16], 3x3, 16->16) ' +
    `timed in the same process; ratioToResNet20Convs divides by ${RESNET20_CONV_EQUIVALENTS} such layers`,
  baseline: {
    input: [N, 32, 32, 16],
    filter: [3, 3, 16, 16],
    what: 'conv2d forward + grads wrt input and filter',
  },
  results,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/bas_loss.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
console.log('wrote bench/results/bas_loss.json');
