// A tiny convnet (conv-ReLU-conv-ReLU-pool-dense) and its SGD training step, used by `doctor` to check that a
// backend can train a convnet (forward, all convolution gradients, update) and to report its speed.
import * as tf from '@tensorflow/tfjs-core';

export interface StepTiming {
  batch: number;
  steps: number;
  imagesPerSecond: number;
  firstLoss: number;
  lastLoss: number;
}

/** Trains the tiny convnet for `steps` SGD steps on one fixed random batch; timing excludes a warm-up step. */
export async function timeTinyConvnetSteps(batch = 16, steps = 5, size = 32): Promise<StepTiming> {
  const vars = tf.tidy(() => ({
    w1: tf.variable(tf.randomNormal<tf.Rank.R4>([3, 3, 3, 16], 0, Math.sqrt(2 / 27), 'float32', 1)),
    w2: tf.variable(tf.randomNormal<tf.Rank.R4>([3, 3, 16, 32], 0, Math.sqrt(2 / 144), 'float32', 2)),
    wd: tf.variable(tf.randomNormal<tf.Rank.R2>([32, 10], 0, Math.sqrt(1 / 32), 'float32', 3)),
  }));
  const x = tf.randomNormal<tf.Rank.R4>([batch, size, size, 3], 0, 1, 'float32', 4); // [N, H, W, 3]
  const classes = Int32Array.from({ length: batch }, (_, i) => i % 10);
  const y = tf.oneHot(tf.tensor1d(classes, 'int32'), 10); // [N, 10]
  const optimizer = tf.train.momentum(0.05, 0.9);
  const lossFn = () =>
    tf.tidy(() => {
      const h1 = tf.relu(tf.conv2d(x, vars.w1, 1, 'same')); // [N, H, W, 16]
      const h2 = tf.relu(tf.conv2d(h1, vars.w2, 2, 'same')); // [N, H/2, W/2, 32]
      const pooled = tf.mean(h2, [1, 2]); // [N, 32]
      return tf.losses.softmaxCrossEntropy(y, tf.matMul(pooled, vars.wd)) as tf.Scalar;
    });
  const step = async (): Promise<number> => {
    const loss = optimizer.minimize(lossFn, true)!;
    const value = (await loss.data())[0]!;
    loss.dispose();
    return value;
  };
  try {
    const firstLoss = await step(); // warm-up: compiles shaders / allocates
    let lastLoss = firstLoss;
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) lastLoss = await step();
    const seconds = (performance.now() - t0) / 1000;
    return { batch, steps, imagesPerSecond: (batch * steps) / seconds, firstLoss, lastLoss };
  } finally {
    tf.dispose([vars.w1, vars.w2, vars.wd, x, y]);
    optimizer.dispose();
  }
}
