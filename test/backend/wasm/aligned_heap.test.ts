import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { alignTensorMemory, TENSOR_ALIGNMENT } from '../../../src/backend/wasm/aligned_heap.js';
import { useBackend } from '../../helpers/backends.js';
import { expectNoWasmLeak, wasmBackend } from './wasm_test_utils.js';

function offsetOf(t: tf.Tensor): number {
  return wasmBackend().getMemoryOffset(t.dataId);
}

describe('wasm tensor memory on cache-line boundaries', () => {
  before(async () => {
    await useBackend('wasm');
  });

  it('starts every new tensor buffer on a 64-byte boundary, whatever its size', () => {
    const sizes = [1, 2, 3, 5, 7, 13, 16, 17, 100, 1023, 4097];
    const ts = sizes.map((n) => tf.fill([n], n));
    try {
      for (const [i, t] of ts.entries()) {
        assert.equal(offsetOf(t) % TENSOR_ALIGNMENT, 0, `buffer of ${sizes[i]} floats at ${offsetOf(t)}`);
      }
      // Kernel outputs (allocated by the backend's makeOutput) too, and their values are intact.
      const y = tf.add(ts[8]!, ts[8]!);
      assert.equal(offsetOf(y) % TENSOR_ALIGNMENT, 0);
      assert.deepEqual(Array.from(y.dataSync().slice(0, 3)), [200, 200, 200]);
      y.dispose();
    } finally {
      tf.dispose(ts);
    }
  });

  it('gives neighbouring buffers disjoint bytes', () => {
    const a = tf.fill([3], 1);
    const b = tf.fill([3], 2);
    const [lo, hi] = [offsetOf(a), offsetOf(b)].sort((x, y) => x - y);
    assert.ok(hi! - lo! >= 3 * 4, `buffers at ${lo} and ${hi} overlap`);
    assert.deepEqual(Array.from(a.dataSync()), [1, 1, 1]);
    tf.dispose([a, b]);
  });

  it('returns the memory malloc gave: the heap does not grow over many allocations', async () => {
    // 16 buffers of up to 400 KB a round: a free that missed would grow the heap by megabytes.
    await expectNoWasmLeak(() => {
      const xs = Array.from({ length: 16 }, (_, i) => tf.fill([1 + ((i * 7919) % 100_000)], i));
      xs.reduce((s, x) => tf.add(s, tf.sum(x)), tf.scalar(0));
    }, 'aligned allocations');
  });

  it('is idempotent: a second call keeps one layer of padding', () => {
    alignTensorMemory(wasmBackend());
    const t = tf.fill([5], 1);
    assert.equal(offsetOf(t) % TENSOR_ALIGNMENT, 0);
    t.dispose();
  });
});
