// The notebook verbs on tiny synthetic runs (wasm): trainOrResume trains a missing run, resumes a stopped one
// to exactly the weights of an uninterrupted run, loads a complete one without training, refuses a folder of
// another config (naming the field) and a diverged run; loadRun returns config, epoch metrics, report and the
// trained model; readRunState tells the cases apart.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { GatedModel } from '../../src/models/model_types.js';
import { loadRun } from '../../src/train/load_run.js';
import { runPaths } from '../../src/train/run_paths.js';
import { readRunState } from '../../src/train/run_state.js';

const statusOf = async (dir: string) => (await readRunState(dir)).status;

import type { TrainConfig } from '../../src/train/train_config.js';
import { configDifferences, trainOrResume } from '../../src/train/train_or_resume.js';
import { train } from '../../src/train/trainer.js';
import { useBackend } from '../helpers/backends.js';
import { tinyConfig as tinyPresetConfig } from './helpers/tiny_config.js';

let root: string;

const tinyConfig = (): TrainConfig => tinyPresetConfig(root);

async function stateValues(model: GatedModel): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(model.stateDict())) out[k] = Array.from(await v.data());
  return out;
}

describe('trainOrResume / loadRun (tiny synthetic runs, wasm)', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'bs-verbs-'));
    await useBackend('wasm');
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('trains a missing run, then loads it on the next call without training again', async () => {
    const dir = join(root, 'fresh');
    assert.equal(await statusOf(dir), 'none');
    const before = tf.memory().numTensors;
    const run = await trainOrResume(dir, tinyConfig(), { quiet: true });
    assert.equal(run.state, 'completed');
    assert.equal(await statusOf(dir), 'completed');
    assert.equal(run.config.model.numClasses, 10); // the resolved config, filled in from the dataset
    assert.equal(run.epochs.length, 2);
    assert.equal(run.report?.status, 'completed');
    assert.equal(run.report?.eval?.samples, 32);
    assert.equal(run.checkpoint, runPaths(dir).finalCheckpoint);
    const logBefore = readFileSync(runPaths(dir).log, 'utf8');
    const mtime = statSync(run.checkpoint).mtimeMs;
    const again = await trainOrResume(dir, tinyConfig(), { quiet: true });
    assert.equal(readFileSync(runPaths(dir).log, 'utf8'), logBefore, 'no training on the second call');
    assert.equal(statSync(run.checkpoint).mtimeMs, mtime);
    assert.deepEqual(await stateValues(again.model), await stateValues(run.model));
    // The loaded model predicts what the report says: evaluate its logits on a batch deterministically.
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const a = tf.tidy(() => run.model.apply(x, { training: false }).logits);
    const b = tf.tidy(() => again.model.apply(x, { training: false }).logits);
    assert.deepEqual(await a.data(), await b.data());
    tf.dispose([x, a, b]);
    run.model.dispose();
    again.model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('resumes a stopped run to exactly the weights of an uninterrupted one', async () => {
    const whole = await trainOrResume(join(root, 'whole'), tinyConfig(), { quiet: true });
    const dir = join(root, 'stopped');
    await assert.rejects(
      train(tinyConfig(), {
        runDir: dir,
        quiet: true,
        hooks: {
          afterCheckpoint: () => {
            throw new Error('kernel died');
          },
        },
      }),
      /kernel died/,
    );
    assert.equal(await statusOf(dir), 'resumable');
    const partial = await loadRun(dir);
    assert.equal(partial.state, 'resumable');
    assert.equal(partial.epochs.length, 1);
    assert.equal(partial.report, undefined);
    assert.equal(partial.checkpoint, runPaths(dir).lastCheckpoint);
    partial.model.dispose();
    const resumed = await trainOrResume(dir, tinyConfig(), { quiet: true });
    assert.equal(resumed.state, 'completed');
    assert.match(readFileSync(runPaths(dir).log, 'utf8'), /resumed from .*last\.safetensors at epoch 2/);
    assert.deepEqual(await stateValues(resumed.model), await stateValues(whole.model));
    assert.deepEqual(resumed.epochs.length, 2);
    whole.model.dispose();
    resumed.model.dispose();
  });

  it('refuses a folder holding a run of another config, naming the field', async () => {
    const other = tinyConfig();
    other.loss.lambda = 0.5;
    other.backend = 'cpu'; // an execution choice: not a difference
    await assert.rejects(
      trainOrResume(join(root, 'fresh'), other, { quiet: true }),
      /trainOrResume: .*fresh holds a run of another config \(loss\.lambda: run has [0-9.e-]+, requested 0\.5\)/,
    );
    assert.deepEqual(configDifferences(tinyConfig(), tinyConfig()), []);
  });

  it('refuses a diverged run, with the trainer message', async () => {
    const dir = join(root, 'nan');
    let seen = 0;
    const out = await train(tinyConfig(), {
      runDir: dir,
      quiet: true,
      hooks: {
        mapBatch: (b) =>
          ++seen === 5 ? { ...b, images: new Float32Array(b.images.length).fill(Number.NaN) } : b,
      },
    });
    assert.equal(out.status, 'diverged');
    assert.equal(await statusOf(dir), 'diverged');
    await assert.rejects(
      trainOrResume(dir, tinyConfig(), { quiet: true }),
      /trainOrResume: the run in .*nan diverged \(.*loss is not finite/,
    );
  });

  it('bad input: errors name the argument or the folder', async () => {
    await assert.rejects(
      loadRun(join(root, 'nothing')),
      /loadRun: .*nothing holds no run \(no config\.json\)/,
    );
    await assert.rejects(loadRun(''), /loadRun: argument 'runDir' must be a run directory path/);
    const bad = { ...tinyConfig(), epochs: -1 };
    await assert.rejects(trainOrResume(join(root, 'bad'), bad), /trainOrResume: argument 'config': .*epochs/);
  });
});
