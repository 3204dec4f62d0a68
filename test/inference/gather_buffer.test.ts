// gatherBuffer: one reused buffer on wasm (tf.tensor copies there), a fresh array elsewhere (cpu and webgpu keep
// a reference to the array they are given, so reuse would change tensors already made).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gatherBuffer } from '../../src/inference/gather_buffer.js';

test('wasm: the same memory, grown when needed', () => {
  const a = gatherBuffer(10, 'wasm');
  const b = gatherBuffer(5, 'wasm');
  assert.equal(a.length, 10);
  assert.equal(b.length, 5);
  assert.equal(b.buffer, a.buffer);
  const c = gatherBuffer(1000, 'wasm');
  assert.equal(c.length, 1000);
  assert.equal(gatherBuffer(3, 'wasm').buffer, c.buffer);
});

test('other backends: a fresh zeroed array per call', () => {
  const a = gatherBuffer(4, 'cpu');
  a.fill(7);
  const b = gatherBuffer(4, 'cpu');
  assert.notEqual(b.buffer, a.buffer);
  assert.deepEqual(Array.from(b), [0, 0, 0, 0]);
});
