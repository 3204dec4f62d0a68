// activeChannels: union of open channels and whether the batch shares one pattern; maskRows: host rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activeChannels, maskRows } from '../../src/inference/gate_decision.js';

test('activeChannels: union over samples, uniform only when every row equals it', () => {
  const mixed = { batch: 2, channels: 4, mask: Uint8Array.from([1, 0, 0, 1, 0, 0, 1, 1]) };
  assert.deepEqual(Array.from(activeChannels(mixed).union), [0, 2, 3]);
  assert.equal(activeChannels(mixed).uniform, false);
  const same = { batch: 2, channels: 3, mask: Uint8Array.from([0, 1, 1, 0, 1, 1]) };
  assert.deepEqual(Array.from(activeChannels(same).union), [1, 2]);
  assert.equal(activeChannels(same).uniform, true);
  const closed = { batch: 1, channels: 2, mask: Uint8Array.from([0, 0]) };
  assert.deepEqual(Array.from(activeChannels(closed).union), []);
  assert.equal(activeChannels(closed).uniform, true);
});

test('maskRows: [N][C] numbers', () => {
  assert.deepEqual(maskRows({ batch: 2, channels: 2, mask: Uint8Array.from([1, 0, 0, 1]) }), [
    [1, 0],
    [0, 1],
  ]);
});
