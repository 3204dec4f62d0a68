// MAC accounting on skeletons (shape inference only, no tensors). Oracles: torchvision's published
// GFLOPS (= GMACs) for ResNet-18/34/50 at 224x224, and closed-form layer arithmetic written out here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countMacs, dynamicMacs, type GateMaskInput, gateMacCosts } from '../../src/models/macs.js';
import type { GatedModel, ModelName } from '../../src/models/model_types.js';
import { createModelSkeleton } from '../../src/models/registry.js';

const ones = (n: number, c: number) => Array.from({ length: n }, () => new Array<number>(c).fill(1));

function allOpen(model: GatedModel, shape: [number, number, number], n = 2): GateMaskInput[] {
  const costs = gateMacCosts(model, shape);
  return costs.map((g) => ({ name: g.name, mask: ones(n, g.costs.length) }));
}

describe('countMacs', () => {
  for (const [name, gmac] of [
    ['resnet18', 1.81],
    ['resnet34', 3.66],
    ['resnet50', 4.09],
  ] as const) {
    it(`dense ${name} at 224x224 is ${gmac} GMAC (torchvision) within 0.5%`, () => {
      const macs = countMacs(createModelSkeleton(name, { gating: 'none' }), [224, 224, 3]);
      assert.equal(macs.gates, 0);
      assert.ok(Math.abs(macs.total / 1e9 / gmac - 1) < 0.005, `${name}: ${macs.total / 1e9} GMAC`);
    });
  }

  for (const [name, n] of [
    ['resnet20', 3],
    ['resnet32', 5],
    ['resnet56', 9],
    ['resnet110', 18],
  ] as const) {
    it(`${name} (6n+2, n=${n}) equals the closed form, gates included`, () => {
      // conv1 3->16 at 32x32; stage s: 2n 3x3 convs of C_s = 16 * 2^s at (32 / 2^s)^2, the first of
      // stages 2 and 3 reading C_s / 2 channels (option A shortcuts cost nothing); fc 64 -> 10.
      const conv = (hw: number, cin: number, cout: number) => hw * hw * 9 * cin * cout;
      let main = conv(32, 3, 16) + 64 * 10;
      let gates = 0;
      for (let s = 0; s < 3; s++) {
        const c = 16 << s;
        const hw = 32 >> s;
        const cin = s === 0 ? c : c / 2;
        main += conv(hw, cin, c) + (2 * n - 1) * conv(hw, c, c);
        gates += cin * 16 + 16 * c + (n - 1) * (c * 16 + 16 * c); // per block: C_in -> 16 -> C
      }
      const macs = countMacs(createModelSkeleton(name), [32, 32, 3]);
      assert.deepEqual(macs, { main, gates, total: main + gates });
    });
  }

  it('option B shortcuts add their 1x1 projections', () => {
    const a = countMacs(createModelSkeleton('resnet20', { shortcut: 'A' }), [32, 32, 3]).main;
    const b = countMacs(createModelSkeleton('resnet20', { shortcut: 'B' }), [32, 32, 3]).main;
    assert.equal(b - a, 16 * 16 * 16 * 32 + 8 * 8 * 32 * 64);
  });

  it('PSPNet (output stride 8) counts the dilated backbone at 1/8 and the head convs', () => {
    const m = createModelSkeleton('pspnet_resnet18', { gating: 'none', numClasses: 19 });
    const backbone = createModelSkeleton('resnet18', { gating: 'none' });
    const h = 64;
    const f = h / 8;
    // Backbone: layers 3 and 4 run at 8x8 instead of 4x4 and 2x2 (dilated, not strided).
    const head =
      [1, 2, 3, 6].reduce((a, b) => a + b * b * 512 * 128, 0) + f * f * 9 * 1024 * 512 + f * f * 512 * 19;
    const dense = backbone.layerCosts([h, h, 3]).filter((c) => c.kind === 'conv');
    const scale = (c: { name: string }) =>
      c.name.startsWith('layer3') ? 4 : c.name.startsWith('layer4') ? 16 : 1;
    // The first conv of a dilated stage keeps its input size: stride 1 instead of 2, so it costs 4x as well.
    const body = dense.reduce((a, c) => a + c.macs * scale(c), 0);
    assert.equal(countMacs(m, [h, h, 3]).main, body + head);
  });

  it('rejects an input shape that is not [H, W, 3]', () => {
    const m = createModelSkeleton('resnet20');
    assert.throws(() => countMacs(m, [32, 32, 1]), /argument 'inputShape' must be \[H, W, 3\]/);
    assert.throws(() => countMacs(m, [32, 32] as unknown as [number, number, number]), /inputShape/);
  });
});

describe('dynamicMacs and gateMacCosts', () => {
  it('equal the dense main MACs when every gate is open, for every model', () => {
    for (const name of ['resnet20', 'resnet50', 'pspnet_resnet18'] as ModelName[]) {
      const m = createModelSkeleton(name);
      const shape: [number, number, number] = name === 'resnet20' ? [32, 32, 3] : [64, 64, 3];
      const full = countMacs(m, shape);
      const dyn = dynamicMacs(m, shape, allOpen(m, shape));
      assert.deepEqual(dyn.main, [full.main, full.main]);
      assert.deepEqual(dyn.total, [full.total, full.total]);
      assert.equal(dyn.gates, full.gates);
    }
  });

  it('a closed gate in resnet20 layer1.0 removes one conv1 filter and one conv2 input channel', () => {
    const m = createModelSkeleton('resnet20');
    const masks = allOpen(m, [32, 32, 3]);
    (masks[0]!.mask as number[][])[0]![5] = 0;
    (masks[0]!.mask as number[][])[0]![9] = 0;
    const full = countMacs(m, [32, 32, 3]).main;
    const dyn = dynamicMacs(m, [32, 32, 3], masks);
    const perChannel = 32 * 32 * 9 * 16 + 32 * 32 * 9 * 16; // conv1 filter + conv2 input channel
    assert.equal(masks[0]!.name, 'layer1.0.gate');
    assert.deepEqual(dyn.main, [full - 2 * perChannel, full]);
    const costs = gateMacCosts(m, [32, 32, 3]);
    assert.deepEqual(costs[0]!.costs, new Array(16).fill(perChannel));
    // layer2.0: conv1 16 -> 32 at 16x16 (stride 2), conv2 32 -> 32 at 16x16.
    assert.deepEqual(costs[3]!.costs, new Array(32).fill(16 * 16 * 9 * 16 + 16 * 16 * 9 * 32));
  });

  it('ResNet-50: the gate position decides which convs a closed channel thins', () => {
    const at1 = createModelSkeleton('resnet50');
    const at2 = createModelSkeleton('resnet50', { gatePosition: 'conv2' });
    // layer1.0 at 56x56, width 64: conv1 1x1 64 -> 64, conv2 3x3 64 -> 64, conv3 1x1 64 -> 256.
    const hw = 56 * 56;
    assert.equal(gateMacCosts(at1, [224, 224, 3])[0]!.costs[0], hw * 64 + hw * 9 * 64);
    assert.equal(gateMacCosts(at2, [224, 224, 3])[0]!.costs[0], hw * 9 * 64 + hw * 256);
    for (const m of [at1, at2]) {
      const masks = allOpen(m, [224, 224, 3], 1);
      (masks[0]!.mask as number[][])[0]![0] = 0;
      const saved = countMacs(m, [224, 224, 3]).main - dynamicMacs(m, [224, 224, 3], masks).main[0]!;
      assert.equal(saved, gateMacCosts(m, [224, 224, 3])[0]!.costs[0]);
    }
  });

  it('names a missing or unknown gate and a wrongly sized mask', () => {
    const m = createModelSkeleton('resnet20');
    const masks = allOpen(m, [32, 32, 3]);
    assert.throws(() => dynamicMacs(m, [32, 32, 3], masks.slice(1)), /lacks the masks of layer1.0.gate/);
    assert.throws(
      () => dynamicMacs(m, [32, 32, 3], [...masks, { name: 'layer9.0.gate', mask: ones(2, 4) }]),
      /'layer9.0.gate', which is not a gate/,
    );
    const bad = allOpen(m, [32, 32, 3]);
    bad[0]!.mask = ones(2, 15);
    assert.throws(() => dynamicMacs(m, [32, 32, 3], bad), /mask has 15 channels; the layer it gates has 16/);
  });
});
