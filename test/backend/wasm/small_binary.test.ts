import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  registerWasmKernels,
  restoreStockWasmKernels,
} from '../../../src/backend/wasm/register_wasm_kernels.js';
import { isSmallBinary, MAX_SMALL_ELEMENTS } from '../../../src/backend/wasm/small_binary.js';
import { useBackend } from '../../helpers/backends.js';
import { expectCpuWasmMatch, expectNoWasmLeak, randomHost, runOn } from './wasm_test_utils.js';

const OPS = [
  ['add', tf.add],
  ['sub', tf.sub],
  ['mul', tf.mul],
] as const;

describe('wasm Add/Sub/Multiply of small tensors (JavaScript on the heap)', () => {
  before(async () => {
    await useBackend('cpu');
    await useBackend('wasm');
  });

  const cases: [number[], number[]][] = [
    [[16], [16]], // batch-norm parameters, optimizer state
    [[16], []], // learning rate x parameter
    [[], [64]], // the scalar first (order matters for Sub)
    [[], []],
    [[3, 3, 4, 5], [5]],
    [
      [3, 1, 4, 5],
      [3, 1, 1, 5],
    ],
    [
      [2, 1, 3],
      [4, 1],
    ], // two-sided broadcast: the general index walk
    [
      [4, 1],
      [2, 1, 3],
    ],
    [
      [7, 1, 1],
      [1, 6, 1],
    ],
    [[MAX_SMALL_ELEMENTS], [MAX_SMALL_ELEMENTS]], // the largest size done in JavaScript
    [[MAX_SMALL_ELEMENTS + 1], [1]], // one more: the wasm kernel
  ];
  for (const [aShape, bShape] of cases) {
    for (const [name, op] of OPS) {
      it(`${name} matches cpu bit for bit: [${aShape}] op [${bShape}]`, async () => {
        await expectCpuWasmMatch(
          [randomHost(aShape, 8), randomHost(bShape, 9)],
          (a, b) => op(a!, b!),
          `${name} [${aShape}] [${bShape}]`,
          0,
        );
      });
    }
  }

  it('is bit-identical to the stock kernels, including signed zeros, infinities and NaN', async () => {
    const specials = new Float32Array([0, -0, Infinity, -Infinity, Number.NaN, 1e-45, -3.4e38, 3.4e38]);
    const a = { values: specials, shape: [8, 1] };
    const b = { values: specials, shape: [1, 8] };
    const fn = (x?: tf.Tensor, y?: tf.Tensor) => OPS.map(([, op]) => op(x!, y!));
    const ours = await runOn('wasm', [a, b], fn);
    restoreStockWasmKernels();
    try {
      const stock = await runOn('wasm', [a, b], fn);
      // Object.is semantics: -0 and NaN must match exactly.
      for (let k = 0; k < ours.length; k++) assert.deepEqual(ours[k], stock[k], `${OPS[k]![0]}`);
    } finally {
      registerWasmKernels();
    }
  });

  it('takes only float32 outputs of 1..1024 elements', () => {
    const f = (shape: number[], dtype: tf.DataType = 'float32') => ({ dataId: {}, shape, dtype });
    assert.equal(isSmallBinary(f([16]), f([16]), 16), true);
    assert.equal(isSmallBinary(f([16], 'int32'), f([16], 'int32'), 16), false);
    assert.equal(isSmallBinary(f([0]), f([0]), 0), false);
    assert.equal(isSmallBinary(f([1025]), f([]), 1025), false);
  });

  it('leaves int32 to the stock kernels', async () => {
    await useBackend('wasm');
    const v = tf.tidy(() =>
      Array.from(tf.mul(tf.tensor1d([2, 3], 'int32'), tf.scalar(4, 'int32')).dataSync()),
    );
    assert.deepEqual(v, [8, 12]);
  });

  it('leaks no tensors and no wasm heap over repeated steps', async () => {
    await useBackend('wasm');
    const w = tf.tensor(randomHost([3, 3, 8, 8], 1).values, [3, 3, 8, 8]);
    const g = tf.tensor(randomHost([8], 2).values, [8]);
    const lr = tf.scalar(0.1);
    await expectNoWasmLeak(
      () => {
        tf.sub(w, tf.mul(lr, tf.add(w, g)));
        tf.mul(tf.reshape(g, [8, 1]), g);
      },
      'small Add/Sub/Multiply',
      20,
    );
    tf.dispose([w, g, lr]);
  });
});
