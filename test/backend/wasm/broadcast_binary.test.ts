import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../helpers/backends.js';
import { expectCpuWasmMatch, expectNoWasmLeak, randomHost } from './wasm_test_utils.js';

const OPS: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ['add', tf.add],
  ['sub', tf.sub],
  ['mul', tf.mul],
  ['div', tf.div],
];

describe('wasm Add/Sub/Multiply/RealDiv with broadcasting', () => {
  before(async () => {
    await useBackend('cpu');
    await useBackend('wasm');
  });

  const shapes: [number[], number[]][] = [
    [[8, 9, 9, 16], [16]], // batch-norm parameter
    [[16], [8, 9, 9, 16]], // broadcast on the left
    [
      [8, 9, 9, 16],
      [8, 1, 1, 16],
    ], // per-sample gate
    [
      [8, 9, 9, 16],
      [1, 9, 9, 1],
    ], // one-element rows: stock kernel
    [
      [8, 1, 9, 16],
      [1, 9, 1, 16],
    ], // both sides broadcast
    [
      [8, 9, 9, 16],
      [8, 9, 9, 16],
    ], // same shape: stock kernel
    [[3, 4], [4]], // small: stock kernel
  ];
  for (const [name, op] of OPS) {
    for (const [sa, sb] of shapes) {
      it(`${name} matches cpu: [${sa}] with [${sb}]`, async () => {
        // divisors kept away from zero so the comparison measures the kernel, not a pole
        const b = randomHost(sb, 2);
        if (name === 'div') b.values = b.values.map((v) => (v >= 0 ? v + 0.5 : v - 0.5));
        await expectCpuWasmMatch([randomHost(sa, 1), b], (x, y) => op(x!, y!), `${name} ${sa} ${sb}`);
      });
    }
  }

  it('batch-norm style gradients (broadcast ops inside) match cpu', async () => {
    // weighted by a random r: sum(bn(x)^2) would have a zero gradient in x (pure rounding noise)
    await expectCpuWasmMatch(
      [randomHost([8, 9, 9, 16], 1), randomHost([16], 2), randomHost([16], 3), randomHost([8, 9, 9, 16], 4)],
      (x, g, b, r) =>
        tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
          const { mean, variance } = tf.moments(xx, [0, 1, 2]);
          const y = tf.add(tf.mul(tf.div(tf.sub(xx, mean), tf.sqrt(tf.add(variance, 1e-3))), gg), bb);
          return tf.sum(tf.mul(y, r!));
        })([x!, g!, b!]),
      'batch-norm grads',
    );
  });

  it('leaks no tensors and no wasm heap over repeated steps', async () => {
    await useBackend('wasm');
    const x = tf.tensor(randomHost([16, 16, 16, 32], 1).values, [16, 16, 16, 32]);
    const c = tf.tensor(randomHost([32], 2).values, [32]);
    await expectNoWasmLeak(
      () => {
        for (const [, op] of OPS) op(x, c);
      },
      'broadcast binary ops',
      20,
    );
    tf.dispose([x, c]);
  });
});
