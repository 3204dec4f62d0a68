// The registered Conv2DBackpropInput (src/backend/wasm/conv2d_backprop_input.ts) against the forward Conv2D of the
// same layer, which does the same multiply-adds, on ResNet-18's 3x3 layers at 224x224, batch 8 (stride 1 and the
// stride-2 first conv of each stage); the two alternate call by call in one process, each time the median of its
// calls, each with a new filter buffer, as after every optimizer step (XNNPACK packs a new filter's weights at its
// first conv: both sides pay that, as in training). Then a whole gated ResNet-18 training step (trainStep).
//   node --import tsx bench/input_grad.ts [--threads 1] [--calls 9] [--steps 5] [--out NAME] [--label TEXT]
//     -> bench/results/input_grad.json (NAME.json with --out; --label is stored, e.g. the commit measured)
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init_backend.js';
import { intArg as intArgOf, outArg, stringArg } from './lib/args.js';
import { machineInfo, writeResult } from './lib/results.js';
import { trainStepFixture } from './lib/train_step_timer.js';

const SCRIPT = 'bench/input_grad.ts';
const intArg = (flag: string, fallback: number) => intArgOf(SCRIPT, flag, fallback);
const threads = intArg('--threads', 1);
const calls = intArg('--calls', 9);
const steps = intArg('--steps', 5);
const out = outArg(SCRIPT, `input_grad${threads === 1 ? '' : `-threads${threads}`}`);
const label = stringArg(SCRIPT, '--label');
const loadBefore = loadavg()[0]!;
const report = await initBackend('wasm', { wasmThreads: threads });

const BATCH = 8;
const LAYERS = [
  [56, 64, 64, 1],
  [56, 64, 128, 2],
  [28, 128, 128, 1],
  [28, 128, 256, 2],
  [14, 256, 256, 1],
  [14, 256, 512, 2],
  [7, 512, 512, 1],
] as const;
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** ms of one call of f, its output disposed (the time includes reading nothing back: kernels are synchronous). */
function timed(f: () => tf.Tensor): number {
  const t0 = performance.now();
  f().dispose();
  return performance.now() - t0;
}

const layers = [];
for (const [size, ci, co, stride] of LAYERS) {
  const x = tf.randomNormal([BATCH, size, size, ci], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, ci, co], 0, 0.05, 'float32', 2) as tf.Tensor4D;
  const dy = tf.randomNormal([BATCH, size / stride, size / stride, co], 0, 1, 'float32', 3) as tf.Tensor4D;
  // A new filter buffer per call, as every step's optimizer update makes one: w * 1 (tf.clone would share w's
  // buffer, and XNNPACK's conv keeps the packed weights of a buffer it has seen).
  const fresh = <T>(f: (filter: tf.Tensor4D) => T): T => {
    const filter = tf.mul(w, 1) as tf.Tensor4D;
    try {
      return f(filter);
    } finally {
      filter.dispose();
    }
  };
  const forward = () => fresh((filter) => tf.conv2d(x, filter, stride, 'same'));
  const inputGrad = () =>
    fresh(
      (filter) =>
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropInput',
            { dy, filter },
            { strides: stride, pad: 'same', dataFormat: 'NHWC', inputShape: [BATCH, size, size, ci] },
          ) as tf.Tensor,
    );
  forward().dispose();
  inputGrad().dispose();
  const ms = { forward: [] as number[], inputGrad: [] as number[] };
  for (let i = 0; i < calls; i++) {
    ms.forward.push(timed(forward));
    ms.inputGrad.push(timed(inputGrad));
  }
  const f = median(ms.forward);
  const g = median(ms.inputGrad);
  const layer = `3x3 ${ci}->${co} s${stride}, ${size}x${size}`;
  console.log(
    `${layer}: forward ${f.toFixed(1)} ms, input gradient ${g.toFixed(1)} ms (x${(g / f).toFixed(2)})`,
  );
  layers.push({ layer, forwardMs: round2(f), inputGradMs: round2(g), inputGradOverForward: round2(g / f) });
  tf.dispose([x, w, dy]);
}

const fixture = trainStepFixture({ model: 'resnet18', gated: true, batch: BATCH, size: 224 });
await fixture.step();
const stepMs: number[] = [];
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  await fixture.step();
  stepMs.push(Math.round(performance.now() - t0));
}
fixture.dispose();
console.log(`gated ResNet-18 224x224 b${BATCH} step: ${median(stepMs)} ms (median of ${steps})`);

const file = writeResult(out, {
  benchmark: 'input_grad',
  description:
    "Conv2DBackpropInput against the forward Conv2D of the same layer (same multiply-adds) on ResNet-18's 3x3 layers, batch 8, a new filter buffer per call (w * 1), alternating calls, medians; and a gated ResNet-18 training step",
  ...(label !== undefined && { label }),
  machine: machineInfo(),
  loadAverage: { before: loadBefore, after: loadavg()[0] },
  wasm: report.reason,
  threads,
  calls,
  layers,
  resnet18Step: { batch: BATCH, medianMs: median(stepMs), ms: stepMs },
});
console.log(`wrote ${file}`);
