// Conditional inference's gathered convs on wasm, per layer of ResNet-34 at batch 1 with half the output channels
// open: XNNPACK's cached conv (the dense model's; full weight, time / 2 = its cost for the same MACs), XNNPACK on
// the gathered weight (cached: a new pattern would also pack it), our direct conv on the HWIO gather and on the
// packed one (conv2dPacked), and the gathers (BatchShapingGatherChannels: HWIO, packed, packed from the OHWI
// copy). Best of 3 rounds of `reps` calls.
//   node --import tsx bench/direct_conv.ts [--threads 2]  ->  bench/results/direct_conv[-threads2].json
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init_backend.js';
import { machineInfo, writeResult } from './lib/results.js';

const at = process.argv.indexOf('--threads');
const threads = at >= 0 ? Number(process.argv[at + 1]) : 1;
if (!(Number.isInteger(threads) && threads >= 1)) {
  throw new Error(
    `bench/direct_conv.ts: option '--threads' must be an integer >= 1; got ${process.argv[at + 1]}`,
  );
}
const loadBefore = loadavg()[0]!;
const report = await initBackend('wasm', { wasmThreads: threads });
const CONV_ATTRS = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 };

/** ms per call, best of 3 rounds of `reps` calls (after 2 warm-up calls). */
function time(f: () => tf.Tensor, reps: number): number {
  for (let i = 0; i < 2; i++) f().dispose();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f().dispose();
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  return Math.round(best * 1000) / 1000;
}

const layers = [];
for (const [size, channels] of [
  [56, 64],
  [28, 128],
  [14, 256],
  [7, 512],
] as const) {
  const open = channels / 2;
  const x = tf.randomNormal([1, size, size, channels], 0, 1, 'float32', 1) as tf.Tensor4D;
  const full = tf.randomNormal([3, 3, channels, channels], 0, 0.05, 'float32', 2) as tf.Tensor4D;
  const indices = tf.tensor1d(
    Array.from({ length: open }, (_, i) => 2 * i),
    'int32',
  );
  const ohwi = tf.transpose(full, [3, 0, 1, 2]); // the gated conv's copy conditional inference gathers from
  const gather = (packed: boolean, source: 'hwio' | 'ohwi' = 'hwio') =>
    tf
      .engine()
      .runKernel(
        'BatchShapingGatherChannels',
        { x: source === 'ohwi' ? ohwi : full, indices },
        { axis: 'out', width: open, packed, source },
      );
  const hwio = gather(false) as tf.Tensor4D;
  const packed = gather(true) as tf.Tensor;
  const fromOhwi = gather(true, 'ohwi') as tf.Tensor;
  const same = tf.tidy(() => tf.max(tf.abs(tf.sub(packed, fromOhwi))).dataSync()[0]!);
  if (same !== 0)
    throw new Error(`bench/direct_conv.ts: the OHWI gather differs from the HWIO one by ${same}`);
  const direct = (filter: tf.Tensor) => () =>
    tf.engine().runKernel('BatchShapingDirectConv2D', { x, filter }, CONV_ATTRS) as tf.Tensor;
  const reps = size >= 28 ? 10 : 20;
  // A copy, so bit-identity is checked on every run.
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(direct(hwio)(), direct(packed)()))).dataSync()[0]!);
  if (diff !== 0) throw new Error(`bench/direct_conv.ts: conv2dPacked differs from conv2d by ${diff}`);
  layers.push({
    layer: `3x3 ${channels} -> ${open} of ${channels}, ${size}x${size}`,
    msXnnpackFullHalved: time(() => tf.conv2d(x, full, 1, 'same'), reps) / 2,
    msXnnpackGatheredCached: time(() => tf.conv2d(x, hwio, 1, 'same'), reps),
    msDirectHwio: time(direct(hwio), reps),
    msDirectPacked: time(direct(packed), reps),
    msGatherHwio: time(() => gather(false) as tf.Tensor, reps),
    msGatherPacked: time(() => gather(true) as tf.Tensor, reps),
    msGatherPackedFromOhwi: time(() => gather(true, 'ohwi') as tf.Tensor, reps),
  });
  tf.dispose([x, full, ohwi, indices, hwio, packed, fromOhwi]);
}
console.table(layers);
const path = writeResult(threads === 1 ? 'direct_conv' : `direct_conv-threads${threads}`, {
  benchmark: 'direct_conv',
  description:
    "Conditional inference's gathered convs on wasm (ResNet-34 layers, batch 1, half the output channels): XNNPACK cached vs our direct conv on HWIO and packed filters, and the gathers; ms, best of 3 rounds",
  machine: machineInfo(),
  loadAverage: { before: loadBefore, after: loadavg()[0] },
  wasm: report.reason,
  threads,
  layers,
});
console.log(`wrote ${path}`);
