// Registry-driven: every registered model builds, runs forward in both modes and backward on every test
// backend, with the right shapes, gradients reaching the gates, BN statistics moving only in training,
// and no leaked tensors. Inputs and widths are tiny: these tests check structure, not accuracy. tfjs-cpu's
// Conv2DBackpropFilter is a scalar loop, so the cpu runs use smaller inputs (and PSPNet a smaller width).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { dynamicMacsAsync } from '../../src/models/macs.js';
import type { GatedModel, ModelName } from '../../src/models/model_types.js';
import {
  createModel,
  createModelFromConfig,
  createModelSkeleton,
  listModels,
  modelInfo,
} from '../../src/models/registry.js';
import { TEST_BACKENDS, type TestBackend, useBackend } from '../helpers/backends.js';
import { expectNoLeakAsync, scalar, tidyAsync } from '../helpers/read.js';

const NUM_CLASSES = 4;
// Batch 3: with 2 samples a BatchNorm over the batch maps any input to +-1 and passes no gradient back,
// which would hide the gate's fc1 from the gradient check.
const BATCH = 3;

export function tinySetup(name: ModelName, backend: TestBackend): { size: number; width: number } {
  const { family } = modelInfo(name);
  const cpu = backend === 'cpu';
  if (family === 'cifar') return { size: cpu ? 8 : 32, width: name === 'resnet110' || cpu ? 0.25 : 0.5 };
  if (family === 'imagenet') return { size: cpu ? 32 : 64, width: 0.125 };
  return { size: cpu ? 16 : 64, width: cpu ? 0.0625 : 0.125 };
}

/** Cross-entropy (per pixel for segmentation) plus the mean gate probability. */
function trainingLoss(model: GatedModel, x: tf.Tensor4D, labels: tf.Tensor): tf.Scalar {
  const { logits, gates } = model.apply(x, { training: true });
  const logp = tf.logSoftmax(logits);
  const ce = tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels as tf.Tensor1D, NUM_CLASSES), logp), -1)));
  if (gates.length === 0) return ce as tf.Scalar;
  return tf.add(ce, tf.mean(tf.stack(gates.map((g) => tf.mean(g.probs))))) as tf.Scalar;
}

async function snapshot(vars: Record<string, tf.Variable>): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [k, v] of Object.entries(vars)) out.set(k, (await v.data()) as Float32Array);
  return out;
}

async function maxAbs(t: tf.Tensor): Promise<number> {
  return scalar(tf.tidy(() => tf.max(tf.abs(t))));
}

for (const backend of TEST_BACKENDS) {
  describe(`registry models on ${backend}`, () => {
    before(() => useBackend(backend));

    for (const name of listModels()) {
      it(`${name}: forward (inference, training) and backward`, async () => {
        const info = modelInfo(name);
        const { size, width } = tinySetup(name, backend);
        const before = tf.memory().numTensors;
        const model = createModel(name, { widthMultiplier: width, numClasses: NUM_CLASSES, seed: 1 });
        const weights = model.namedWeights();
        const gateNames = model.gateNames();
        assert.ok(gateNames.length > 0);
        for (const g of gateNames) {
          for (const leaf of ['fc1.weight', 'bn.weight', 'bn.bias', 'fc2.weight', 'fc2.bias']) {
            assert.ok(`${g}.${leaf}` in weights, `missing ${g}.${leaf}`);
          }
        }
        const prefix = info.task === 'segmentation' ? 'backbone.' : '';
        assert.ok(`${prefix}layer1.0.conv1.weight` in weights && `${prefix}bn1.weight` in weights);
        assert.ok(`${prefix}layer1.0.bn1.running_mean` in model.namedBuffers());
        assert.equal(JSON.parse(JSON.stringify(model.config)).name, name);

        const x = tf.randomNormal([BATCH, size, size, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
        const labels =
          info.task === 'segmentation'
            ? tf.randomUniform([BATCH, size, size], 0, NUM_CLASSES, 'int32', 8)
            : tf.tensor1d([0, 3, 1], 'int32');
        const buffersBefore = await snapshot(model.namedBuffers());

        // Inference: shapes, 0/1 deterministic gates, BN running statistics untouched.
        await expectNoLeakAsync(async () => {
          const a = model.apply(x, { training: false });
          const b = model.apply(x, { training: false });
          const want = info.task === 'segmentation' ? [BATCH, size, size, NUM_CLASSES] : [BATCH, NUM_CLASSES];
          assert.deepEqual(a.logits.shape, want);
          assert.deepEqual(
            a.gates.map((g) => g.name),
            gateNames,
          );
          for (const g of a.gates) {
            assert.equal(g.mask.shape[0], BATCH);
            assert.deepEqual(g.probs.shape, g.mask.shape);
            assert.ok((await g.mask.data()).every((m) => m === 0 || m === 1));
          }
          assert.equal(
            await scalar(tf.tidy(() => tf.max(tf.abs(tf.sub(a.logits, b.logits))))),
            0,
            'inference is deterministic',
          );
          tf.dispose([a, b] as unknown as tf.TensorContainer);
        }, `${name} inference`);
        for (const [k, v] of await snapshot(model.namedBuffers())) {
          assert.deepEqual(v, buffersBefore.get(k), `inference changed ${k}`);
        }

        // Training: CE + mean gate probability; gradients reach the gates; BN running stats move.
        await expectNoLeakAsync(async () => {
          const { value, grads } = tf.variableGrads(
            () => trainingLoss(model, x, labels),
            Object.values(weights),
          );
          assert.ok(Number.isFinite((await value.data())[0]!));
          const gradOf = (n: string) => grads[weights[n]!.name]!;
          for (const g of gateNames) {
            assert.ok((await maxAbs(gradOf(`${g}.fc2.bias`))) > 0, `no gradient reaches ${g}.fc2.bias`);
          }
          // The gate's first layer is reached through BN -> ReLU: at least most gates get a gradient there.
          let reached = 0;
          for (const g of gateNames) if ((await maxAbs(gradOf(`${g}.fc1.weight`))) > 0) reached++;
          assert.ok(
            reached >= gateNames.length / 2,
            `fc1 gradient in only ${reached}/${gateNames.length} gates`,
          );
          assert.ok((await maxAbs(gradOf(`${prefix}conv1.weight`))) > 0, 'no gradient reaches the stem');
          value.dispose();
          tf.dispose(grads);
        }, `${name} training step`);
        const moved = [...(await snapshot(model.namedBuffers()))].filter(
          ([k, v]) => maxAbsDiffArrays(v, buffersBefore.get(k)!) > 0,
        );
        assert.ok(moved.length > 0.9 * buffersBefore.size, `training moved only ${moved.length} buffers`);

        tf.dispose([x, labels]);
        model.dispose();
        assert.equal(tf.memory().numTensors, before, 'model.dispose() frees every variable');
      });
    }

    it('the same seed replays a training forward; noise.restore() replays from a saved state', async () => {
      const opts = { widthMultiplier: 0.25, numClasses: NUM_CLASSES, seed: 5, gateBiasInit: 0 };
      const a = createModel('resnet20', opts);
      const b = createModel('resnet20', opts);
      await tidyAsync(async () => {
        const x = tf.randomNormal([BATCH, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
        const masks = (m: GatedModel) =>
          Promise.all(m.apply(x, { training: true }).gates.map(async (g) => Array.from(await g.mask.data())));
        const state = a.noise.state();
        const first = await masks(a);
        assert.deepEqual(await masks(b), first, 'same seed, same gates');
        const second = await masks(a);
        assert.notDeepEqual(second, first, 'fresh noise on the next step');
        b.noise.restore(state);
        assert.deepEqual(await masks(b), first, 'restored noise state replays');
      });
      a.dispose();
      b.dispose();
    });

    it("gating 'none' is the dense baseline: no gate parameters, no gate records", () => {
      const m = createModel('resnet18', { gating: 'none', widthMultiplier: 0.125, numClasses: NUM_CLASSES });
      assert.equal(Object.keys(m.namedWeights()).filter((k) => k.includes('gate')).length, 0);
      assert.deepEqual(m.gateNames(), []);
      tf.tidy(() => {
        const out = m.apply(tf.zeros([1, 32, 32, 3]) as tf.Tensor4D, { training: false });
        assert.deepEqual(out.gates, []);
      });
      m.dispose();
    });

    it('dynamicMacs of a real forward pass follows its masks', async () => {
      const m = createModel('resnet20', { widthMultiplier: 0.25, gateBiasInit: 0, seed: 3 });
      await tidyAsync(async () => {
        const x = tf.randomNormal([BATCH, 8, 8, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
        const out = m.apply(x, { training: true });
        const dyn = await dynamicMacsAsync(m, [8, 8, 3], out.gates);
        const hostMasks = await Promise.all(out.gates.map((g) => g.mask.array() as Promise<number[][]>));
        // By hand: in stage s (8 >> s spatial, 4 << s channels), a gated block of C channels saves per
        // closed channel conv1's filter (HW * 9 * C_in) and conv2's input channel (HW * 9 * C).
        const full = m.layerCosts([8, 8, 3]).reduce((a, c) => a + (c.role === 'main' ? c.macs : 0), 0);
        for (let i = 0; i < BATCH; i++) {
          let saved = 0;
          hostMasks.forEach((mask, k) => {
            const stage = Math.floor(k / 3);
            const hw = (8 >> stage) ** 2;
            const c = 4 << stage;
            const cin = k % 3 === 0 && stage > 0 ? c / 2 : c;
            const closed = mask[i]!.filter((v) => v === 0).length;
            saved += closed * (hw * 9 * cin + hw * 9 * c);
          });
          assert.equal(dyn.main[i], full - saved);
        }
      });
      m.dispose();
    });
  });
}

function maxAbsDiffArrays(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('registry', () => {
  it('lists every model, with its task and default input', () => {
    assert.deepEqual(listModels(), [
      'resnet20',
      'resnet32',
      'resnet56',
      'resnet110',
      'resnet18',
      'resnet34',
      'resnet50',
      'pspnet_resnet18',
      'pspnet_resnet50',
    ]);
    assert.equal(modelInfo('pspnet_resnet50').task, 'segmentation');
    assert.deepEqual(modelInfo('resnet56').defaultInputShape, [32, 32, 3]);
  });

  it('rejects unknown names and bad options, naming the argument', () => {
    assert.throws(
      () => createModelSkeleton('resnet19' as ModelName),
      /argument 'name' must be one of resnet20/,
    );
    assert.throws(() => createModelSkeleton('resnet20', { widthMultiplier: 0 }), /option 'widthMultiplier'/);
    assert.throws(() => createModelSkeleton('resnet20', { gating: 'soft' as 'none' }), /option 'gating'/);
    assert.throws(() => createModelSkeleton('resnet20', { seed: 1.5 }), /option 'seed'/);
    assert.throws(
      () => createModelSkeleton('resnet20', { widthMultipler: 2 } as unknown as { seed: number }),
      /unknown option 'widthMultipler'/,
    );
  });

  it('parameter counts match torchvision and the CIFAR ResNet paper (skeletons, no tensors)', () => {
    const count = (n: ModelName) => createModelSkeleton(n, { gating: 'none' }).parameterCount();
    assert.equal(count('resnet18'), 11_689_512);
    assert.equal(count('resnet34'), 21_797_672);
    assert.equal(count('resnet50'), 25_557_032);
    assert.equal(count('resnet20'), 269_722); // "0.27M" (He et al. 2016, Table 6)
  });

  it('a skeleton refuses to run; a config rebuilds the same model', () => {
    const s = createModelSkeleton('resnet20');
    assert.throws(() => s.namedWeights(), /skeleton/);
    const again = createModelSkeleton('resnet20', { seed: 9, shortcut: 'B', widthMultiplier: 0.5 });
    const m = createModelFromConfig(JSON.parse(JSON.stringify(again.config)));
    assert.deepEqual(m.config, again.config);
    m.dispose();
  });
});

describe('cpu and wasm agree on a training step', () => {
  // Same seed -> same initial weights and the same gate noise on both backends (both are drawn on the host),
  // so loss and every gradient must agree up to float32 rounding: a check of the wasm training kernels
  // (Conv2DBackpropFilter/Input, fused BN, dilated conv, pooling) through whole networks against tfjs-cpu.
  for (const [name, size, width] of [
    ['resnet20', 8, 0.25],
    ['resnet50', 64, 0.0625],
    ['pspnet_resnet18', 16, 0.0625],
  ] as const) {
    it(`${name}: loss and gradients`, async () => {
      const run = async (backend: TestBackend) => {
        await useBackend(backend);
        const model = createModel(name, {
          widthMultiplier: width,
          numClasses: NUM_CLASSES,
          seed: 11,
          gateBiasInit: 1,
        });
        // Samples with distinct global statistics: the gate's BatchNorm normalises pooled features over the
        // batch, and for i.i.d. noise images (near-identical pooled means) over 3 samples it amplifies float32
        // rounding until the two backends legitimately disagree.
        const x = tf.tidy(() => {
          const z = tf.randomNormal([BATCH, size, size, 3], 0, 1, 'float32', 12);
          return tf.add(
            tf.mul(z, tf.tensor4d([0.5, 1, 2], [3, 1, 1, 1])),
            tf.tensor4d([-1, 0, 1], [3, 1, 1, 1]),
          );
        }) as tf.Tensor4D;
        const labels =
          modelInfo(name).task === 'segmentation'
            ? tf.randomUniform([BATCH, size, size], 0, NUM_CLASSES, 'int32', 13)
            : tf.tensor1d([2, 0, 1], 'int32');
        const weights = model.namedWeights();
        const { value, grads } = tf.variableGrads(
          () => trainingLoss(model, x, labels),
          Object.values(weights),
        );
        const out = {
          loss: (await value.data())[0]!,
          grads: Object.fromEntries(
            await Promise.all(
              Object.entries(weights).map(async ([k, v]) => [k, await grads[v.name]!.data()] as const),
            ),
          ),
        };
        tf.dispose([value, x, labels, ...Object.values(grads)]);
        model.dispose();
        return out;
      };
      const cpu = await run('cpu');
      const wasm = await run('wasm');
      assert.ok(
        Math.abs(cpu.loss - wasm.loss) < 1e-4 * Math.max(1, Math.abs(cpu.loss)),
        `${cpu.loss} vs ${wasm.loss}`,
      );
      for (const [k, g] of Object.entries(cpu.grads)) {
        const h = wasm.grads[k]!;
        let scale = 0;
        let diff = 0;
        for (let i = 0; i < g.length; i++) {
          scale = Math.max(scale, Math.abs(g[i]!));
          diff = Math.max(diff, Math.abs(g[i]! - h[i]!));
        }
        assert.ok(diff <= 1e-3 * Math.max(scale, 1e-3), `${k}: max diff ${diff}, max |grad| ${scale}`);
      }
    });
  }
});

describe('createModelFromConfig', () => {
  it('names the fields of a config this version would not produce', () => {
    const config = { ...createModelSkeleton('resnet20').config, gateHidden: 32 };
    assert.throws(() => createModelFromConfig(config), /differs in gateHidden/);
  });
});

describe('GatedModel.apply input checks', () => {
  it('names the argument and the expectation; a disposed model refuses to run', () => {
    const m = createModel('resnet20', { widthMultiplier: 0.25 });
    tf.tidy(() => {
      assert.throws(
        () => m.apply(tf.zeros([1, 8, 8, 1]) as tf.Tensor4D, { training: false }),
        /resnet20.apply: argument 'x' must be a tensor \[N, H, W, 3\]; got \[1,8,8,1\]/,
      );
      assert.throws(
        () => m.apply(tf.zeros([1, 8, 8, 3]) as tf.Tensor4D, {} as { training: boolean }),
        /argument 'options.training' must be a boolean/,
      );
    });
    m.dispose();
    const x = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    assert.throws(() => m.apply(x, { training: false }), /disposed/);
    x.dispose();
  });
});
