// End-to-end runs of the trainer in-process on the synthetic set (tiny preset): the run directory's files,
// exact resume after a Ctrl-C mid-epoch, and the NaN guard.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { disposeCheckpoint, loadCheckpoint } from '../../src/models/checkpoint.js';
import { readMetricsTable } from '../../src/train/metrics_table.js';
import { getPreset } from '../../src/train/presets.js';
import { runPaths } from '../../src/train/run_paths.js';
import { readRunState } from '../../src/train/run_state.js';
import type { TrainConfig } from '../../src/train/train_config.js';
import { train } from '../../src/train/trainer.js';
import { useBackend } from '../helpers/backends.js';
import { tinyConfig as tinyPresetConfig } from './helpers/tiny_config.js';

let root: string;

const tinyConfig = (): TrainConfig => tinyPresetConfig(root);

async function weightsOf(path: string): Promise<Record<string, number[]>> {
  const ck = await loadCheckpoint(path);
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(ck.tensors)) out[k] = Array.from(await v.data());
  for (const [k, v] of Object.entries(ck.optimizer ?? {})) out[`optimizer/${k}`] = Array.from(await v.data());
  disposeCheckpoint(ck);
  return out;
}

describe('train (tiny synthetic run, wasm)', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'bs-train-'));
    await useBackend('wasm');
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes config, Arrow metrics, log, checkpoints and a report, and leaks no tensors', async () => {
    const dir = join(root, 'run-a');
    const before = tf.memory().numTensors;
    const out = await train(tinyConfig(), { runDir: dir, quiet: true });
    assert.equal(out.status, 'completed');
    assert.equal(tf.memory().numTensors, before);
    const p = runPaths(dir);
    const cfg = JSON.parse(readFileSync(p.config, 'utf8'));
    assert.equal(cfg.model.numClasses, 10); // filled in from the dataset
    for (const f of [p.log, p.lastCheckpoint, p.finalCheckpoint, p.reportJson, p.reportText, p.epochs]) {
      assert.ok(existsSync(f), f);
    }
    const epochs = await readMetricsTable(p.epochs);
    assert.equal(epochs.length, 2);
    assert.ok(Number.isFinite(epochs[1]!.evalTop1!));
    assert.ok(Number.isNaN(epochs[0]!.evalTop1!)); // evaluation only at the end in this preset
    const steps = await readMetricsTable(p.steps(1));
    assert.deepEqual(
      steps.map((r) => r.step),
      [0, 1, 2],
    );
    assert.deepEqual(
      steps.map((r) => r.globalStep),
      [3, 4, 5],
    );
    const report = JSON.parse(readFileSync(p.reportJson, 'utf8'));
    assert.equal(report.status, 'completed');
    assert.equal(report.eval.samples, 32);
    assert.ok(report.eval.macs.meanFraction > 0 && report.eval.macs.meanFraction < 1.1);
    assert.equal(
      report.eval.macs.histogram.counts.reduce((a: number, b: number) => a + b, 0),
      32,
    );
    // A second start in the same directory is refused rather than overwriting the run.
    await assert.rejects(train(tinyConfig(), { runDir: dir, quiet: true }), /already holds a run/);
  });

  it('stops when its signal is aborted mid-epoch, with a checkpoint, and resuming gives the uninterrupted weights exactly', async () => {
    const full = join(root, 'run-full');
    await train(tinyConfig(), { runDir: full, quiet: true });
    assert.equal((await readRunState(full)).status, 'completed');
    const cut = join(root, 'run-cut');
    let seen = 0;
    const stop = new AbortController();
    const sigints = process.listenerCount('SIGINT');
    const first = await train(tinyConfig(), {
      runDir: cut,
      quiet: true,
      signal: stop.signal,
      hooks: {
        mapBatch: (b) => {
          // Stop while the 5th batch (epoch 2, step 1) is being trained.
          if (++seen === 5) stop.abort('a test stop');
          // The library installs no signal handler of its own.
          assert.equal(process.listenerCount('SIGINT'), sigints);
          return b;
        },
      },
    });
    assert.equal(first.status, 'interrupted');
    assert.match(first.message, /stopped by a test stop at epoch 2, step 2/);
    assert.match(first.message, /resume: true/);
    assert.doesNotMatch(first.message, /--resume/);
    assert.deepEqual(first.stoppedAt, { epoch: 1, step: 2 });
    const cutState = await readRunState(cut);
    assert.equal(cutState.status, 'resumable');
    assert.equal(cutState.resume?.epoch, 1);
    assert.equal(cutState.resume?.step, 2);
    assert.equal(cutState.resume?.epochSums.steps, 2);
    assert.equal(cutState.config?.epochs, 2);
    assert.equal((await readRunState(join(root, 'nothing-here'))).status, 'none');
    const resumed = await train(undefined, { runDir: cut, resume: true, quiet: true });
    assert.equal(resumed.status, 'completed');
    const a = await weightsOf(runPaths(full).finalCheckpoint);
    const b = await weightsOf(runPaths(cut).finalCheckpoint);
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
    for (const k of Object.keys(a)) assert.deepEqual(b[k], a[k], k);
    // Step rows of the interrupted epoch are kept once, not duplicated.
    const steps = await readMetricsTable(runPaths(cut).steps(1));
    assert.deepEqual(
      steps.map((r) => r.step),
      [0, 1, 2],
    );
    const fullEpochs = await readMetricsTable(runPaths(full).epochs);
    const cutEpochs = await readMetricsTable(runPaths(cut).epochs);
    assert.equal(cutEpochs[1]!.trainLoss, fullEpochs[1]!.trainLoss);
    assert.equal(cutEpochs[1]!.evalTop1, fullEpochs[1]!.evalTop1);
  });

  it('stops on a non-finite loss with a clear message and keeps the last good checkpoint', async () => {
    const dir = join(root, 'run-nan');
    let seen = 0;
    const out = await train(tinyConfig(), {
      runDir: dir,
      quiet: true,
      hooks: {
        mapBatch: (b) => {
          // Epoch 2, step 1: a corrupted batch (NaN pixels).
          if (++seen === 5) return { ...b, images: new Float32Array(b.images.length).fill(Number.NaN) };
          return b;
        },
      },
    });
    assert.equal(out.status, 'diverged');
    assert.match(out.message, /loss is not finite at epoch 2, step 1/);
    assert.match(out.message, /last good checkpoint is .*last\.safetensors/);
    assert.match(out.message, /config field optim\.lr/);
    assert.doesNotMatch(out.message, /--set/);
    const p = runPaths(dir);
    const ck = await loadCheckpoint<unknown, { epoch: number; step: number }>(p.lastCheckpoint);
    assert.equal(ck.extra!.epoch, 1); // the end-of-epoch-1 state, nothing written after the NaN
    assert.equal(ck.extra!.step, 0);
    for (const t of Object.values(ck.tensors)) {
      assert.ok((await t.data()).every((v) => Number.isFinite(v)));
    }
    disposeCheckpoint(ck);
    assert.ok(!existsSync(p.finalCheckpoint));
    assert.equal(JSON.parse(readFileSync(p.reportJson, 'utf8')).status, 'diverged');
    assert.match(readFileSync(p.log, 'utf8'), /loss is not finite/);
  });
});

describe('train (segmentation smoke run, wasm)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bs-seg-'));
    await useBackend('wasm');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains a gated PSPNet on synthetic scenes and reports mIoU with the ignore label', async () => {
    const c = getPreset('tiny-seg');
    c.data.dir = join(dir, 'data');
    c.data.maxStepsPerEpoch = 1;
    c.data.maxEvalSamples = 8;
    const out = await train(c, { runDir: join(dir, 'run'), quiet: true });
    assert.equal(out.status, 'completed', out.message);
    const ev = out.report!.eval!;
    assert.equal(ev.task, 'segmentation');
    assert.equal(ev.iou!.length, 11);
    assert.ok(ev.meanIoU! >= 0 && ev.meanIoU! <= 1);
    assert.ok(ev.pixelAccuracy! >= 0 && ev.pixelAccuracy! <= 1);
    assert.ok(ev.macs.meanFraction > 0);
  });
});
