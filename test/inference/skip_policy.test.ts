// planSkip: the cost model (saved MACs against repackCost x (packed numbers + HOST_COPY_COST x numbers copied
// one at a time on the host)) and the choice of lowering per conv, checked by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FoldedConv } from '../../src/inference/folded_conv.js';
import {
  DIRECT_GATHER_COST,
  HOST_COPY_COST,
  planSkip,
  type SkipPolicy,
} from '../../src/inference/skip_policy.js';

// A 3x3 conv 64 -> 64 followed by another: 576 weights per output channel of the first, 576 per input
// channel of the second. With 32 channels open each gathered weight set has 32 * 576 = 18432 weights.
const conv = {
  kernel: 3,
  inChannels: 64,
  outChannels: 64,
  weightsPerOutChannel: 576,
  weightsPerInChannel: 576,
} as FoldedConv;
const base = { channels: 64, active: 32, gconv: conv, next: conv };
const at = (positions: number, active = 32) => ({
  ...base,
  active,
  gPositions: positions,
  nextPositions: positions,
});
const policy = (p: Partial<SkipPolicy>): SkipPolicy => ({
  mode: 'auto',
  repackCost: 200,
  cacheSize: 0,
  lowering: 'conv',
  direct: false,
  ...p,
});

test('HOST_COPY_COST is the measured ratio used below', () => {
  assert.equal(HOST_COPY_COST, 0.2);
});

test("auto with the 'conv' lowering: saved MACs against repackCost x (gathered weights + element gathers)", () => {
  // Cost: first conv 18432 x 1.2 (packed + gathered one at a time) + second 18432 (rows) = 40550.4.
  // saved = 32 * (P * 576 + P * 576) = 36864 P: skip iff 36864 P > 200 * 40550.4, P > 220.
  const p = policy({});
  assert.equal(planSkip(p, at(222)).skip, true);
  assert.equal(planSkip(p, at(219)).skip, false);
  // 16 open: cost 9216 * 1.2 + 9216 = 20275.2; saved 48 * 2 * 576 P = 55296 P: skip iff P > 73.3.
  assert.equal(planSkip(p, at(74, 16)).skip, true);
  assert.equal(planSkip(p, at(73, 16)).skip, false);
  assert.deepEqual(planSkip(p, at(1)), { skip: false, direct: false, first: 'conv', second: 'conv' });
});

test('auto lowering takes the cheaper of the two per conv', () => {
  const p = policy({ lowering: 'auto' });
  // First conv: 'conv' 22118.4, 'matmul' 576 P x 1.2 (patches of 64 channels, written one by one): matmul iff
  // 691.2 P < 22118.4, P < 32. Second conv: 'conv' 18432, 'matmul' 288 P x 1.2 + 0.2 x 18432: P < 42.7.
  assert.deepEqual(planSkip(p, at(31)), { skip: false, direct: false, first: 'matmul', second: 'matmul' });
  assert.deepEqual(planSkip(p, at(33)), { skip: false, direct: false, first: 'conv', second: 'matmul' });
  assert.deepEqual(planSkip(p, at(42)), { skip: false, direct: false, first: 'conv', second: 'matmul' });
  assert.deepEqual(planSkip(p, at(43)), { skip: false, direct: false, first: 'conv', second: 'conv' });
  // Packing patches lowers the break-even. At 15 positions saved = 552960; 'matmul' costs 10368 + 5184 +
  // 3686.4 = 19238.4, 'conv' 40550.4. At repackCost 25: 480960 < 552960 < 1013760.
  assert.equal(planSkip(policy({ lowering: 'auto', repackCost: 25 }), at(15)).skip, true);
  assert.equal(planSkip(policy({ lowering: 'conv', repackCost: 25 }), at(15)).skip, false);
});

test('a fixed lowering is used whatever the sizes', () => {
  assert.deepEqual(planSkip(policy({ mode: 'always', lowering: 'matmul' }), at(1000)), {
    skip: true,
    direct: false,
    first: 'matmul',
    second: 'matmul',
  });
});

test("'always' and 'never' ignore the costs", () => {
  const s = { ...at(1), active: 63 };
  assert.equal(planSkip(policy({ mode: 'always', repackCost: 1e9 }), s).skip, true);
  assert.equal(planSkip(policy({ mode: 'never', repackCost: 0 }), { ...at(1e6), active: 1 }).skip, false);
});

test('direct: channels padded to 16, only the gathers on the backend counted; not for 1x1 convs or an explicit matmul', () => {
  // 32 open (already a multiple of 16): per channel 576 x 0.07 + 576 x 0.07 = 80.64, x 32 x 200 = 516096; saved
  // 32 x 2 x 576 P = 36864 P: skip iff P > 14.
  const p = policy({ direct: true });
  assert.deepEqual(planSkip(p, at(15)), { skip: true, direct: true, first: 'conv', second: 'conv' });
  assert.equal(planSkip(p, at(14)).skip, false);
  // 20 open: the gated conv runs 32 filters (12 zero), the conv after it 20 input channels: 29952 P + 200 x
  // (32 + 20) x 40.32 = 29952 P + 419328 against dense 73728 P: skip iff P > 9.6.
  assert.equal(planSkip(p, at(10, 20)).skip, true);
  assert.equal(planSkip(p, at(9, 20)).skip, false);
  // 49 open pad to 64 = every channel: direct saves nothing, so on a large map the packed way skips.
  assert.deepEqual(planSkip(p, at(1e6, 49)), { skip: true, direct: false, first: 'conv', second: 'conv' });
  assert.equal(planSkip(p, at(27, 49)).skip, false);
  assert.equal(planSkip(policy({ direct: true, lowering: 'auto' }), at(27)).direct, true);
  assert.equal(planSkip(policy({ direct: true, lowering: 'matmul' }), at(27)).direct, false);
  const pointwise = { ...conv, kernel: 1, weightsPerOutChannel: 64, weightsPerInChannel: 64 } as FoldedConv;
  assert.equal(planSkip(p, { ...at(27), gconv: pointwise }).direct, false);
  assert.equal(planSkip(p, { ...at(27), next: { ...conv, outChannels: 40 } as FoldedConv }).direct, false);
  assert.equal(planSkip(p, { ...at(27), gconv: { ...conv, inChannels: 8 } as FoldedConv }).direct, false);
});

test('direct: the MACs (gated conv padded to 16) plus DIRECT_GATHER_COST per gathered weight, against packing', () => {
  assert.equal(DIRECT_GATHER_COST, 0.07);
  // A 7x7 block of ResNet-34's last stage, 3x3 512 -> 512 twice, batch 1, m = 49 x 4608 per channel and conv.
  // 256 of 512 open: direct 256 x 2m + 100 x 256 x 2 x 4608 x 0.07 = 1.32e8; packed (matmul lowerings, patches
  // copied) 1.16e8 + 100 x 6.4e5 = 1.80e8; dense 2.31e8: skip, direct.
  const wide = {
    kernel: 3,
    inChannels: 512,
    outChannels: 512,
    weightsPerOutChannel: 4608,
    weightsPerInChannel: 4608,
  } as FoldedConv;
  const s7 = { channels: 512, active: 256, gPositions: 49, nextPositions: 49 };
  const p = policy({ direct: true, repackCost: 100 });
  assert.deepEqual(planSkip(p, { ...s7, gconv: wide, next: wide }), {
    skip: true,
    direct: true,
    first: 'conv',
    second: 'conv',
  });
  // 500 open: direct 1.15e8 + 100 x 1.03e6 x 0.07 x ... > dense: masked dense.
  assert.equal(planSkip(p, { ...s7, active: 500, gconv: wide, next: wide }).skip, false);
  // 250 open and packing nearly free: the 6 zero filters the direct conv pads to 256 cost more than packing.
  const cheap = planSkip(policy({ direct: true, repackCost: 1, lowering: 'auto' }), {
    ...s7,
    active: 250,
    gconv: wide,
    next: wide,
  });
  assert.deepEqual(cheap, { skip: true, direct: false, first: 'matmul', second: 'matmul' });
});
