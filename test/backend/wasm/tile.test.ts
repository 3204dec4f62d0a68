import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { isOurWasmKernel, registerWasmKernels } from '../../../src/backend/wasm/register_wasm_kernels.js';
import { tileUsesCopyDoubling } from '../../../src/backend/wasm/tile.js';
import { useBackend } from '../../helpers/backends.js';
import { expectCpuWasmMatch, expectNoWasmLeak, randomHost } from './wasm_test_utils.js';

describe('wasm Tile', () => {
  before(async () => {
    await useBackend('cpu');
    await useBackend('wasm');
  });

  const cases: [number[], number[]][] = [
    [
      [1, 1, 1, 16],
      [8, 9, 9, 1],
    ], // batch-norm gradient: [C] -> [N, H, W, C]
    [
      [8, 1, 1, 16],
      [1, 5, 5, 1],
    ], // per-sample gate broadcast over space
    [
      [3, 4],
      [2, 3],
    ],
    [
      [2, 3, 4],
      [3, 1, 2],
    ],
    [[5], [7]],
    [
      [2, 1, 3, 1, 2],
      [1, 4, 1, 3, 2],
    ],
    [
      [4, 6, 5, 1],
      [1, 1, 1, 8],
    ], // one-element rows, still worth doubling
    [
      [4, 6, 5, 1],
      [1, 1, 1, 2],
    ], // one-element rows, short: falls back to the stock kernel
  ];
  for (const [shape, reps] of cases) {
    it(`matches cpu: [${shape}] x [${reps}]`, async () => {
      await expectCpuWasmMatch([randomHost(shape, 5)], (x) => tf.tile(x, reps), `tile ${shape} ${reps}`, 0);
    });
  }

  it('tiles int32 and bool tensors', async () => {
    await useBackend('wasm');
    const ints = tf.tidy(() =>
      Array.from(tf.tile(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), [2, 3]).dataSync()),
    );
    assert.deepEqual(ints, [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
    const bools = tf.tidy(() => Array.from(tf.tile(tf.tensor1d([true, false], 'bool'), [3]).dataSync()));
    assert.deepEqual(bools, [1, 0, 1, 0, 1, 0]);
  });

  it('uses copy doubling for broadcast-like tiles and the stock kernel for tiny rows', () => {
    assert.equal(tileUsesCopyDoubling([1, 1, 1, 16], [8, 9, 9, 1], 'float32'), true);
    assert.equal(tileUsesCopyDoubling([4, 6, 5, 1], [1, 1, 1, 2], 'float32'), false);
    assert.equal(tileUsesCopyDoubling([2], [3], 'string'), false);
  });

  it('registration is idempotent and keeps ours active', () => {
    registerWasmKernels();
    registerWasmKernels();
    assert.equal(isOurWasmKernel('Tile'), true);
  });

  it('leaks no tensors and no wasm heap over repeated steps', async () => {
    await useBackend('wasm');
    const x = tf.tensor(randomHost([1, 1, 1, 64], 1).values, [1, 1, 1, 64]);
    const y = tf.tensor(randomHost([4, 5, 6, 1], 1).values, [4, 5, 6, 1]);
    await expectNoWasmLeak(
      () => {
        tf.tile(x, [32, 16, 16, 1]);
        tf.tile(y, [1, 1, 1, 8]);
      },
      'Tile',
      20,
    );
    tf.dispose([x, y]);
  });
});
