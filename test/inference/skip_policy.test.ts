// planSkip: the cost model (saved MACs against repackCost x packed numbers) and the choice of lowering per
// conv (pack whichever is smaller: the gathered weights or the im2col patches), checked by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FoldedConv, planSkip, type SkipPolicy } from '../../src/inference/index.js';

// A 3x3 conv 64 -> 64 followed by another: 576 weights per output channel of the first, 576 per input
// channel of the second.
const conv = {
  kernel: 3,
  inChannels: 64,
  outChannels: 64,
  weightsPerOutChannel: 576,
  weightsPerInChannel: 576,
} as FoldedConv;
const policy = (p: Partial<SkipPolicy>): SkipPolicy => ({
  mode: 'auto',
  repackCost: 200,
  cacheSize: 0,
  lowering: 'conv',
  ...p,
});

test("auto with the 'conv' lowering skips when saved MACs exceed repackCost x gathered weights", () => {
  const base = { channels: 64, active: 32, gconv: conv, next: conv };
  // saved = 32 * (P * 576 + P * 576), moved = 32 * 1152: skip iff P > repackCost.
  const p = policy({});
  assert.equal(planSkip(p, { ...base, gPositions: 201, nextPositions: 201 }).skip, true);
  assert.equal(planSkip(p, { ...base, gPositions: 199, nextPositions: 199 }).skip, false);
  // Fewer open channels: less to gather, more saved. 16 open: saved 48 * 2P * 576 > 200 * 16 * 1152 iff P > 66.7.
  assert.equal(planSkip(p, { ...base, active: 16, gPositions: 67, nextPositions: 67 }).skip, true);
  assert.equal(planSkip(p, { ...base, active: 16, gPositions: 66, nextPositions: 66 }).skip, false);
  assert.deepEqual(planSkip(p, { ...base, gPositions: 1, nextPositions: 1 }), {
    skip: false,
    first: 'conv',
    second: 'conv',
  });
});

test('auto lowering packs the smaller operand: patches on small maps, weights on large ones', () => {
  const base = { channels: 64, active: 32, gconv: conv, next: conv };
  const p = policy({ lowering: 'auto' });
  // First conv: weights 32 * 576 = 18432, patches P * 9 * 64 = 576 P: matmul iff P < 32.
  // Second conv: weights 32 * 576 = 18432, patches P * 9 * 32 = 288 P: matmul iff P < 64.
  assert.deepEqual(planSkip(p, { ...base, gPositions: 31, nextPositions: 31 }), {
    skip: false, // saved 32 * 2 * 31 * 576 = 1.14e6 < 200 * (31 * 576 + 31 * 288) = 5.4e6
    first: 'matmul',
    second: 'matmul',
  });
  assert.deepEqual(planSkip(p, { ...base, gPositions: 40, nextPositions: 40 }), {
    skip: false,
    first: 'conv',
    second: 'matmul',
  });
  assert.deepEqual(planSkip(p, { ...base, gPositions: 64, nextPositions: 64 }), {
    skip: false,
    first: 'conv',
    second: 'conv',
  });
  // Packing patches lowers the break-even: at repackCost 10 and 31 positions, matmul: saved 1.14e6 >
  // 10 * 26784 = 2.7e5 (skip); the conv lowering would pack 10 * 36864 = 3.7e5 (also skip) - but at
  // repackCost 40 only the matmul lowering skips (1.07e6 < 1.14e6 < 1.47e6).
  assert.equal(
    planSkip(policy({ lowering: 'auto', repackCost: 40 }), { ...base, gPositions: 31, nextPositions: 31 })
      .skip,
    true,
  );
  assert.equal(
    planSkip(policy({ lowering: 'conv', repackCost: 40 }), { ...base, gPositions: 31, nextPositions: 31 })
      .skip,
    false,
  );
});

test('a fixed lowering is used whatever the sizes', () => {
  const s = { channels: 64, active: 32, gPositions: 1000, nextPositions: 1000, gconv: conv, next: conv };
  const plan = planSkip(policy({ mode: 'always', lowering: 'matmul' }), s);
  assert.deepEqual(plan, { skip: true, first: 'matmul', second: 'matmul' });
});

test("'always' and 'never' ignore the costs", () => {
  const s = { channels: 64, active: 63, gPositions: 1, nextPositions: 1, gconv: conv, next: conv };
  assert.equal(planSkip(policy({ mode: 'always', repackCost: 1e9 }), s).skip, true);
  assert.equal(
    planSkip(policy({ mode: 'never', repackCost: 0 }), { ...s, active: 1, gPositions: 1e6 }).skip,
    false,
  );
});
