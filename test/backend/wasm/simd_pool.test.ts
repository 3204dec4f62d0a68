import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONV_BINARY } from '../../../src/backend/wasm/simd/conv.js';
import { simdPool, splitRange } from '../../../src/backend/wasm/simd_pool.js';
import { MAX_ARGS, MAX_PARTS } from '../../../src/backend/wasm/simd_pool_layout.js';
import { useBackend } from '../../helpers/backends.js';
import { wasmBackend } from './wasm_test_utils.js';

describe('splitRange', () => {
  it('covers [0, total) with contiguous ranges whose bounds are multiples of the step', () => {
    for (const [total, parts, step] of [
      [32, 2, 16],
      [64, 3, 16],
      [9, 2, 2],
      [3, 2, 2],
      [1024, 8, 1],
      [5, 8, 1],
    ] as const) {
      const ranges = splitRange(total, parts, step);
      assert.ok(ranges.length >= 1 && ranges.length <= parts, `${ranges.length} ranges for ${parts} parts`);
      assert.equal(ranges[0]![0], 0);
      assert.equal(ranges.at(-1)![1], total);
      for (let i = 0; i < ranges.length; i++) {
        const [lo, hi] = ranges[i]!;
        assert.ok(hi > lo, `range ${i} of ${total}/${parts}/${step} is empty`);
        assert.equal(lo % step, 0);
        if (i > 0) assert.equal(lo, ranges[i - 1]![1]);
      }
    }
  });

  it('gives one range when there is one block (16 output channels over 2 threads)', () => {
    assert.deepEqual(splitRange(16, 2, 16), [[0, 16]]);
    assert.deepEqual(splitRange(32, 2, 16), [
      [0, 16],
      [16, 32],
    ]);
  });
});

describe('simdPool', () => {
  it('runs everything on the calling thread when XNNPACK has one thread (threads: see wasm_threads.test.ts)', async () => {
    await useBackend('wasm');
    const pool = simdPool(wasmBackend());
    assert.equal(pool.threads, 1);
    assert.equal(pool.parts, 1);
    await pool.whenReady();
  });

  it('rejects a job it could not post to workers, naming the function, before running any part', async () => {
    await useBackend('wasm');
    const pool = simdPool(wasmBackend());
    // Arguments that would trap if a part ran (a destination outside the heap): the checks come first.
    const part = [0, -64, 1, 1, 1, 4, 0, 0, 0, 0];
    assert.throws(
      () =>
        pool.run(
          CONV_BINARY,
          'padNHWC',
          Array.from({ length: MAX_PARTS + 1 }, () => part),
        ),
      new RegExp(`'padNHWC' has ${MAX_PARTS + 1} parts \\(at most ${MAX_PARTS}\\)`),
    );
    assert.throws(
      () => pool.run(CONV_BINARY, 'padNHWC', [part, part.slice(1)]),
      /parts of 'padNHWC' must have as many arguments each \(10\)/,
    );
    assert.throws(
      () => pool.run(CONV_BINARY, 'padNHWC', [new Array<number>(MAX_ARGS + 1).fill(0)]),
      new RegExp(`'padNHWC' takes at most ${MAX_ARGS} arguments; got ${MAX_ARGS + 1}`),
    );
    assert.throws(() => pool.run(CONV_BINARY, 'noSuchKernel', [part]), /has no function 'noSuchKernel'/);
  });
});
