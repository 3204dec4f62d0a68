// shouldSkip: the cost model (saved MACs against repackCost x gathered weights), checked by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FoldedConv, shouldSkip } from '../../src/inference/index.js';

// A 3x3 conv 64 -> 64 followed by another: 576 weights per output channel of the first, 576 per input
// channel of the second.
const conv = { weightsPerOutChannel: 576, weightsPerInChannel: 576 } as FoldedConv;

test('auto skips when saved MACs exceed repackCost x moved weights', () => {
  const base = { channels: 64, active: 32, gconv: conv, next: conv };
  // saved = 32 * (P * 576 + P * 576), moved = 32 * 1152: skip iff P > repackCost.
  const policy = { mode: 'auto' as const, repackCost: 200, cacheSize: 0 };
  assert.equal(shouldSkip(policy, { ...base, gPositions: 201, nextPositions: 201 }), true);
  assert.equal(shouldSkip(policy, { ...base, gPositions: 199, nextPositions: 199 }), false);
  // Fewer open channels: less to gather, more saved. 16 open: saved 48 * 2P * 576 > 200 * 16 * 1152 iff P > 66.7.
  assert.equal(shouldSkip(policy, { ...base, active: 16, gPositions: 67, nextPositions: 67 }), true);
  assert.equal(shouldSkip(policy, { ...base, active: 16, gPositions: 66, nextPositions: 66 }), false);
});

test("'always' and 'never' ignore the costs", () => {
  const s = { channels: 64, active: 63, gPositions: 1, nextPositions: 1, gconv: conv, next: conv };
  assert.equal(shouldSkip({ mode: 'always', repackCost: 1e9, cacheSize: 0 }, s), true);
  assert.equal(
    shouldSkip({ mode: 'never', repackCost: 0, cacheSize: 0 }, { ...s, active: 1, gPositions: 1e6 }),
    false,
  );
});
