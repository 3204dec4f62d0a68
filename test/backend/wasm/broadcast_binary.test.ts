import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { MIN_TILED_ELEMENTS, tilePlan } from '../../../src/backend/wasm/broadcast_binary.js';
import {
  isOurWasmKernel,
  registerWasmKernels,
  restoreStockWasmKernels,
} from '../../../src/backend/wasm/register_wasm_kernels.js';
import { useBackend } from '../../helpers/backends.js';
import { expectCpuWasmMatch, expectNoWasmLeak, randomHost, runOn } from './wasm_test_utils.js';

const OPS = [
  ['add', tf.add],
  ['sub', tf.sub],
  ['mul', tf.mul],
] as const;

describe('wasm Add/Sub/Multiply with per-channel broadcasts', () => {
  before(async () => {
    await useBackend('cpu');
    await useBackend('wasm');
  });

  // [a, b]: tiled (channel vectors, per-sample gates, either side), stock (scalar, two-sided, same shape), small.
  const cases: [number[], number[]][] = [
    [[8, 9, 9, 16], [16]], // batch-norm scale / shift
    [[16], [8, 9, 9, 16]], // the small operand first (order matters for Sub)
    [
      [8, 9, 9, 16],
      [1, 1, 1, 16],
    ],
    [
      [8, 9, 9, 16],
      [8, 1, 1, 16],
    ], // channel gate per sample
    [
      [8, 1, 1, 64],
      [8, 9, 9, 64],
    ],
    [
      [1, 40, 40, 7],
      [1, 40, 1, 7],
    ], // a middle axis broadcast
    [[4096, 3], [3]], // rank 2
    [[8, 9, 9, 16], []], // scalar: stock
    [
      [8, 9, 9, 16],
      [8, 9, 9, 1],
    ], // broadcast along channels: stock
    [
      [8, 1, 9, 16],
      [1, 9, 1, 16],
    ], // two-sided: stock
    [[2, 3, 3, 16], [16]], // small: JavaScript (small_binary.ts)
    [
      [8, 9, 9, 16],
      [8, 9, 9, 16],
    ], // same shape: stock
  ];
  for (const [aShape, bShape] of cases) {
    for (const [name, op] of OPS) {
      it(`${name} matches cpu bit for bit: [${aShape}] op [${bShape}]`, async () => {
        // One IEEE operation per element on both backends: the results must be identical, not merely close.
        await expectCpuWasmMatch(
          [randomHost(aShape, 3), randomHost(bShape, 4)],
          (a, b) => op(a!, b!),
          `${name} [${aShape}] [${bShape}]`,
          0,
        );
      });
    }
  }

  it('is bit-identical to the stock broadcast kernels', async () => {
    const inputs = [randomHost([8, 16, 16, 32], 5), randomHost([32], 6), randomHost([8, 1, 1, 32], 7)];
    const fn = (x?: tf.Tensor, c?: tf.Tensor, g?: tf.Tensor) => [
      tf.mul(x!, c!),
      tf.sub(c!, x!),
      tf.add(tf.mul(x!, g!), c!),
    ];
    const ours = await runOn('wasm', inputs, fn);
    restoreStockWasmKernels();
    try {
      assert.equal(isOurWasmKernel('Multiply'), false);
      const stock = await runOn('wasm', inputs, fn);
      for (let k = 0; k < ours.length; k++) assert.deepEqual(ours[k], stock[k], `output ${k}`);
    } finally {
      registerWasmKernels();
    }
    assert.equal(isOurWasmKernel('Multiply'), true);
  });

  it('gradients through broadcast products (reductions of tiled terms) match cpu', async () => {
    await expectCpuWasmMatch(
      [randomHost([8, 9, 9, 16], 1), randomHost([16], 2), randomHost([8, 1, 1, 16], 3)],
      (x, c, g) =>
        tf.grads((xx: tf.Tensor, cc: tf.Tensor, gg: tf.Tensor) =>
          tf.sum(tf.mul(tf.sub(tf.mul(xx, cc), cc), gg)),
        )([x!, c!, g!]),
      'broadcast grads',
    );
  });

  it('plans a tile only for one-sided per-channel broadcasts of large tensors', () => {
    assert.deepEqual(tilePlan([8, 9, 9, 16], [16], 2), {
      small: 'b',
      paddedShape: [1, 1, 1, 16],
      reps: [8, 9, 9, 1],
    });
    assert.deepEqual(tilePlan([8, 1, 1, 16], [8, 9, 9, 16], 2), {
      small: 'a',
      paddedShape: [8, 1, 1, 16],
      reps: [1, 9, 9, 1],
    });
    assert.equal(tilePlan([8, 9, 9, 16], [], 2), undefined);
    assert.equal(tilePlan([8, 9, 9, 16], [8, 9, 9, 1], 2), undefined);
    assert.equal(tilePlan([8, 1, 9, 16], [1, 9, 1, 16], 2), undefined);
    assert.equal(tilePlan([8, 9, 9, 16], [8, 9, 9, 16], 2), undefined);
    assert.equal(tilePlan([MIN_TILED_ELEMENTS / 16 - 1, 16], [16], 2), undefined);
    // One thread: measured faster up to 32 channels only.
    assert.notEqual(tilePlan([32, 16, 16, 32], [32], 1), undefined);
    assert.equal(tilePlan([32, 8, 8, 64], [64], 1), undefined);
    assert.notEqual(tilePlan([32, 8, 8, 64], [64], 2), undefined);
  });

  it('leaves int32 and bool to the stock kernels', async () => {
    await useBackend('wasm');
    const sum = tf.tidy(() =>
      Array.from(tf.add(tf.ones([64, 8, 16, 2], 'int32'), tf.tensor1d([1, 2], 'int32')).dataSync()).slice(
        0,
        4,
      ),
    );
    assert.deepEqual(sum, [2, 3, 2, 3]);
  });

  it('leaks no tensors and no wasm heap over repeated steps', async () => {
    await useBackend('wasm');
    const x = tf.tensor(randomHost([16, 16, 16, 32], 1).values, [16, 16, 16, 32]);
    const c = tf.tensor(randomHost([32], 2).values, [32]);
    const g = tf.tensor(randomHost([16, 1, 1, 32], 3).values, [16, 1, 1, 32]);
    await expectNoWasmLeak(
      () => {
        tf.add(tf.mul(x, c), c);
        tf.sub(g, x);
      },
      'Add/Sub/Multiply',
      20,
    );
    tf.dispose([x, c, g]);
  });
});
