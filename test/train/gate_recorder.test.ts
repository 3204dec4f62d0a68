// The gate recorder on a tiny gated ResNet-20 and the synthetic shapes dataset (cpu backend): a readable
// Arrow file with the documented columns and one row per sample, whose values agree with an independent
// forward pass (argmax, softmax, cross-entropy computed here in plain JS from the logits) and with
// dynamicMacs; no tensors leak.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { tableFromIPC } from 'apache-arrow';
import { unpackGateBits } from '../../src/analysis/gate_bits.js';
import { sampleMask } from '../../src/analysis/gate_records.js';
import { readGateRecords } from '../../src/analysis/gate_records_arrow.js';
import { ShardDataset } from '../../src/data/shard_dataset.js';
import { writeSyntheticDataset } from '../../src/data/synthetic.js';
import { countMacs, dynamicMacs } from '../../src/models/macs.js';
import { createModel } from '../../src/models/registry.js';
import { loaderSource, recordGates } from '../../src/train/gate_recorder.js';
import { useBackend } from '../helpers/backends.js';

let dir: string;
before(async () => {
  await useBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'bs-recorder-'));
  await writeSyntheticDataset({ outDir: dir, size: 8, train: 1, test: 13, shardSize: 5, seed: 3 });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('recordGates', () => {
  it('writes one row per sample with values matching an independent forward pass', async () => {
    // Gate bias 0: gates start half open, so masks differ between samples and channels.
    const model = createModel('resnet20', { widthMultiplier: 0.25, gateBiasInit: 0, seed: 5 });
    const ds = await ShardDataset.open(dir);
    const out = join(dir, 'records.arrow');
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const records = await recordGates(model, loaderSource(ds.loader({ split: 'test', batchSize: 4 })), {
      out,
      classes: ds.meta.classes,
      dataset: ds.meta.name,
      split: 'test',
      onProgress: (done) => progress.push(done),
    });
    assert.equal(tf.memory().numTensors, before, 'recordGates leaked tensors');
    assert.deepEqual(progress, [4, 8, 12, 13]);
    assert.equal(records.count, 13);

    // The file: documented columns, 13 rows, readable with plain apache-arrow.
    const table = tableFromIPC(await readFile(out));
    assert.equal(table.numRows, 13);
    const names = table.schema.fields.map((f) => f.name);
    for (const c of [
      'id',
      'label',
      'prediction',
      'confidence',
      'loss',
      'correct',
      'macs',
      'difficulty',
      'gate_mask',
      'gate_probs',
    ]) {
      assert.ok(names.includes(c), `column ${c} missing from ${names}`);
    }
    assert.equal(names.filter((n) => n.startsWith('active.')).length, model.gateNames().length);
    assert.deepEqual(await readGateRecords(out), records);
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.includes('records')),
      ['records.arrow'],
    );

    // Independent forward pass over all 13 samples at once.
    const loader = ds.loader({ split: 'test', batchSize: 13 });
    let batch: Awaited<ReturnType<ReturnType<typeof loader.epoch>['next']>>['value'];
    for await (const b of loader.epoch(0)) batch = b;
    assert.deepEqual(records.ids, batch.ids);
    assert.deepEqual(Array.from(records.labels), Array.from(batch.labels!));
    assert.deepEqual(Array.from(records.difficulties!), Array.from(batch.difficulties!));
    const x = tf.tensor4d(batch.images, batch.imageShape);
    const res = model.apply(x, { training: false });
    const logits = (await res.logits.array()) as number[][];
    const masks = await Promise.all(res.gates.map((g) => g.mask.array() as Promise<number[][]>));
    const probs = await Promise.all(res.gates.map((g) => g.probs.array() as Promise<number[][]>));
    const macs = dynamicMacs(model, [8, 8, 3], res.gates);
    tf.dispose([x, res.logits, ...res.gates.flatMap((g) => [g.mask, g.probs])]);
    let varied = 0;
    logits.forEach((row, i) => {
      const max = Math.max(...row);
      const z = row.reduce((a, v) => a + Math.exp(v - max), 0);
      const label = batch.labels![i]!;
      assert.equal(records.predictions[i], row.indexOf(max));
      assert.ok(Math.abs(records.confidences[i]! - 1 / z) < 1e-5, `confidence ${i}`);
      assert.ok(Math.abs(records.losses[i]! - (max + Math.log(z) - row[label]!)) < 1e-4, `loss ${i}`);
      assert.ok(Math.abs(records.macs[i]! - macs.total[i]!) < 1e-6 * macs.total[i]!, `macs ${i}`);
      const flat = masks.flatMap((m) => m[i]!);
      assert.deepEqual(Array.from(unpackGateBits(sampleMask(records, i), flat.length)), flat);
      masks.forEach((m, l) => {
        assert.equal(
          records.activeCounts[i * masks.length + l],
          m[i]!.reduce((a, v) => a + v, 0),
        );
      });
      const p = probs.flatMap((m) => m[i]!);
      const G = p.length;
      p.forEach((v, g) => {
        assert.ok(Math.abs(records.probs![i * G + g]! - v) < 1e-6);
      });
      if (flat.some((v) => v === 0) && flat.some((v) => v === 1)) varied++;
    });
    assert.ok(varied > 0, 'expected some samples with both open and closed gates');
    assert.equal(records.meta.denseMacs! > Math.max(...macs.main), true);
    assert.equal(records.meta.gateModuleMacs, macs.gates);
    model.dispose();
  });

  it('honours maxSamples and probs: false; rejects segmentation models', async () => {
    const model = createModel('resnet20', { widthMultiplier: 0.25, seed: 1 });
    const ds = await ShardDataset.open(dir);
    const r = await recordGates(model, loaderSource(ds.loader({ split: 'test', batchSize: 4 })), {
      maxSamples: 6,
      probs: false,
    });
    assert.equal(r.count, 6);
    assert.equal(r.probs, undefined);
    // 'auto' (default) skips probabilities when samples x gates would pass 2^25.
    const big = await recordGates(model, {
      batches: ds.loader({ split: 'test', batchSize: 8 }).epoch(0),
      total: 2 ** 24,
    });
    assert.equal(big.count, 13);
    assert.equal(big.probs, undefined);
    model.dispose();
    // A dense baseline (no gates): every sample costs countMacs, and the file still round-trips.
    const dense = createModel('resnet20', { widthMultiplier: 0.25, gating: 'none', seed: 1 });
    const out = join(dir, 'dense.arrow');
    const d = await recordGates(dense, loaderSource(ds.loader({ split: 'test', batchSize: 5 })), { out });
    assert.deepEqual(d.meta.layers, []);
    assert.deepEqual(Array.from(new Set(d.macs)), [countMacs(dense, [8, 8, 3]).total]);
    assert.deepEqual(await readGateRecords(out), d);
    dense.dispose();
    const seg = { config: { task: 'segmentation' } } as never;
    await assert.rejects(
      recordGates(seg, { batches: [] }),
      /recordGates: argument 'model' must be a classification model/,
    );
  });
});
