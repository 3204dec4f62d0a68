// Loader throughput (images/s, with augmentation) on synthetic shards of three shapes — CIFAR-like 32x32
// (pad-crop-flip), ImageNet-like 160x160 -> 128x128 random-resized crops, Cityscapes-like 256x512 with
// masks (scale-crop-flip) — in-thread and with worker threads, against a training-step baseline measured
// in the same process: a ResNet-20-shaped conv net (no BN), forward + backward + SGD update of one
// 128-image 32x32 batch on the tfjs wasm backend. ratio = loader images/s / baseline images/s: above 1
// the loader outruns that training step on these cores (it shares them with training, so the margin
// matters). Output: bench/results/data.json. Run: node --import tsx bench/data.ts [--quick]
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index.js';
import { ShardDataset } from '../src/data/shard_dataset.js';
import { writeSyntheticDataset } from '../src/data/synthetic.js';
import type { TransformSpec } from '../src/data/transform_spec.js';
import { machineInfo, writeResult } from './lib/results.js';

const quick = process.argv.includes('--quick');

interface Case {
  name: string;
  size: [number, number];
  task: 'classification' | 'segmentation';
  count: number;
  shardSize: number;
  batchSize: number;
  transform: TransformSpec;
}

const CASES: Case[] = [
  {
    name: 'cifar-like 32x32, padCropFlip',
    size: [32, 32],
    task: 'classification',
    count: quick ? 1024 : 4096,
    shardSize: 512,
    batchSize: 128,
    transform: { kind: 'padCropFlip', pad: 4 },
  },
  {
    name: 'imagenet-like 160x160 -> randomResizedCrop 128x128',
    size: [160, 160],
    task: 'classification',
    count: quick ? 320 : 1024,
    shardSize: 64,
    batchSize: 64,
    transform: { kind: 'randomResizedCrop', size: [128, 128] },
  },
  {
    name: 'cityscapes-like 256x512 + mask -> scaleCropFlip 256x512',
    size: [256, 512],
    task: 'segmentation',
    count: quick ? 32 : 64,
    shardSize: 16,
    batchSize: 8,
    transform: { kind: 'scaleCropFlip', size: [256, 512] },
  },
];

/** Images/s of one epoch over the train split, after a warm-up epoch (JIT, worker start-up, page cache). */
async function loaderRate(
  dir: string,
  c: Case,
  workers: number,
): Promise<{ imagesPerSecond: number; batches: number }> {
  const ds = await ShardDataset.open(dir);
  const loader = ds.loader({
    split: 'train',
    batchSize: c.batchSize,
    shuffle: true,
    seed: 1,
    dropLast: true,
    transform: c.transform, // normalised with the dataset's mean/std by the loader
    workers,
    prefetch: 2,
  });
  for await (const _ of loader.epoch(0)) {
    // warm-up
  }
  let images = 0;
  let batches = 0;
  const t0 = performance.now();
  for await (const b of loader.epoch(1)) {
    images += b.size;
    batches++;
  }
  const seconds = (performance.now() - t0) / 1000;
  await loader.close();
  return { imagesPerSecond: images / seconds, batches };
}

/** ResNet-20-shaped conv net without BN: 3x3 convs 16/32/64 channels, 3 blocks per stage. */
function baselineModel() {
  const vars: tf.Variable[] = [];
  const conv = (k: number, cin: number, cout: number) => {
    const v = tf.variable(tf.randomNormal([k, k, cin, cout], 0, Math.sqrt(2 / (k * k * cin))));
    vars.push(v);
    return v;
  };
  const stem = conv(3, 3, 16);
  const blocks: { w1: tf.Variable; w2: tf.Variable; proj?: tf.Variable; stride: 1 | 2 }[] = [];
  let cin = 16;
  for (const cout of [16, 32, 64]) {
    for (let b = 0; b < 3; b++) {
      const stride = cout !== cin ? 2 : 1;
      blocks.push({
        w1: conv(3, cin, cout),
        w2: conv(3, cout, cout),
        ...(cout !== cin && { proj: conv(1, cin, cout) }),
        stride,
      });
      cin = cout;
    }
  }
  const fc = tf.variable(tf.randomNormal([64, 10], 0, 0.1));
  vars.push(fc);
  const forward = (x: tf.Tensor4D): tf.Tensor2D => {
    let h = tf.relu(tf.conv2d(x, stem as tf.Tensor4D, 1, 'same')); // [N, 32, 32, 16]
    for (const blk of blocks) {
      const y = tf.relu(tf.conv2d(h, blk.w1 as tf.Tensor4D, blk.stride, 'same'));
      const z = tf.conv2d(y, blk.w2 as tf.Tensor4D, 1, 'same');
      const short = blk.proj ? tf.conv2d(h, blk.proj as tf.Tensor4D, blk.stride, 'same') : h;
      h = tf.relu(tf.add(z, short)) as tf.Tensor4D; // [N, h, w, cout]
    }
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D; // [N, 64]
    return tf.matMul(pooled, fc as tf.Tensor2D); // [N, 10]
  };
  return { vars, forward };
}

async function baselineRate(batch: number, steps: number): Promise<number> {
  const { vars, forward } = baselineModel();
  const opt = tf.train.sgd(0.01);
  const x = tf.randomNormal<tf.Rank.R4>([batch, 32, 32, 3]);
  const y = tf.oneHot(
    tf.tensor1d(
      Int32Array.from({ length: batch }, (_, i) => i % 10),
      'int32',
    ),
    10,
  );
  const step = async () => {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(x)) as tf.Scalar, true, vars);
    await loss!.data();
    loss!.dispose();
  };
  await step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const seconds = (performance.now() - t0) / 1000;
  tf.dispose([x, y, ...vars]);
  opt.dispose();
  return (batch * steps) / seconds;
}

async function main(): Promise<void> {
  const backend = await initBackend('wasm');
  const root = await mkdtemp(join(tmpdir(), 'bs-bench-data-'));
  try {
    const baselineBatch = 128;
    const baselineSteps = quick ? 2 : 5;
    // The baseline is timed before and after the loaders and averaged: the cores are shared, and their
    // load drifts during the run.
    const baselineBefore = await baselineRate(baselineBatch, baselineSteps);
    console.log(
      `baseline: ResNet-20-shaped fwd+bwd on ${backend.name}: ${baselineBefore.toFixed(1)} images/s`,
    );
    const results = [];
    for (const c of CASES) {
      const dir = join(root, c.name.split(' ')[0]!);
      await mkdir(dir);
      const t0 = performance.now();
      await writeSyntheticDataset({
        outDir: dir,
        size: c.size,
        task: c.task,
        train: c.count,
        test: c.shardSize,
        shardSize: c.shardSize,
        seed: 0,
      });
      const writeSeconds = (performance.now() - t0) / 1000;
      for (const workers of [0, 2]) {
        const r = await loaderRate(dir, c, workers);
        const baselineImagesPerSecond = baselineBefore;
        const entry = {
          case: c.name,
          storedShape: [...c.size, 3],
          task: c.task,
          batchSize: c.batchSize,
          transform: c.transform.kind,
          workers,
          batchesTimed: r.batches,
          imagesPerSecond: +r.imagesPerSecond.toFixed(1),
          ratioToBaseline: +(r.imagesPerSecond / baselineImagesPerSecond).toFixed(3),
          syntheticWriteSeconds: +writeSeconds.toFixed(2),
        };
        console.log(
          `${c.name}, workers ${workers}: ${entry.imagesPerSecond} images/s (x${entry.ratioToBaseline} first baseline)`,
        );
        results.push(entry);
      }
    }
    const baselineAfter = await baselineRate(baselineBatch, baselineSteps);
    const baselineImagesPerSecond = (baselineBefore + baselineAfter) / 2;
    for (const r of results) r.ratioToBaseline = +(r.imagesPerSecond / baselineImagesPerSecond).toFixed(3);
    console.log(`baseline after: ${baselineAfter.toFixed(1)} images/s`);
    const path = writeResult('data', {
      benchmark: 'data loader throughput vs a training-step baseline (same process)',
      quick,
      machine: machineInfo(),
      // 1/5/15-minute load averages at the end of the run: the cores are shared with other work.
      loadAverage: loadavg().map((x) => +x.toFixed(2)),
      baseline: {
        what: 'ResNet-20-shaped conv net (no BN), forward + backward + SGD, 32x32x3 input',
        backend: backend.name,
        backendReason: backend.reason,
        batchSize: baselineBatch,
        imagesPerSecond: +baselineImagesPerSecond.toFixed(1),
        imagesPerSecondBefore: +baselineBefore.toFixed(1),
        imagesPerSecondAfter: +baselineAfter.toFixed(1),
      },
      loader: results,
      notes: [
        'ratioToBaseline = loader images/s / baseline images/s, measured in the same run on the same cores.',
        'Absolute rates depend on the load others put on the shared cores at the time; compare ratios.',
        'Each loader figure times one whole epoch (shuffled, augmented, drop-last) after a warm-up epoch on the same loader (JIT, worker start-up, page cache).',
        'Shards are synthetic (src/data/synthetic.ts) in a temporary directory; the OS page cache holds them.',
        'Cases differ in pixels per image: the ImageNet- and Cityscapes-like loaders are compared with a 32x32 training step, so their ratio understates how far ahead they are of a training step at their own resolution.',
      ],
    });
    console.log(`wrote ${path}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
