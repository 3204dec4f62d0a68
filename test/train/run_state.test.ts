// readRunState on folders that need no training: nothing there, a config without a checkpoint (a run killed
// in its first epoch), a damaged config; readResumeState on a checkpoint that train did not write. The
// resumable and completed states are checked on real runs in trainer.test.ts.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { saveCheckpoint } from '../../src/models/checkpoint.js';
import { getPreset } from '../../src/train/presets.js';
import { runPaths } from '../../src/train/run_paths.js';
import { RunFolderError, readResumeState, readRunConfig, readRunState } from '../../src/train/run_state.js';
import { useBackend } from '../helpers/backends.js';

let root: string;

describe('readRunState', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'bs-run-state-'));
    await useBackend('cpu');
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("is 'none' for a folder without config.json, and readRunConfig says why", async () => {
    assert.deepEqual(await readRunState(join(root, 'missing')), {
      runDir: join(root, 'missing'),
      status: 'none',
    });
    await assert.rejects(
      readRunConfig(join(root, 'missing')),
      (e: unknown) =>
        e instanceof RunFolderError && e.reason === 'not-a-run' && /no config\.json/.test(e.message),
    );
  });

  it("is 'started' with the config for a run without a checkpoint yet", async () => {
    const dir = join(root, 'started');
    await mkdir(dir);
    await writeFile(runPaths(dir).config, JSON.stringify(getPreset('tiny')));
    const state = await readRunState(dir);
    assert.equal(state.status, 'started');
    assert.deepEqual(state.config, getPreset('tiny'));
    assert.equal(state.resume, undefined);
  });

  it('names the file and field of a damaged config', async () => {
    const dir = join(root, 'damaged');
    await mkdir(dir);
    await writeFile(runPaths(dir).config, JSON.stringify({ ...getPreset('tiny'), epochs: -1 }));
    await assert.rejects(
      readRunState(dir),
      /config\.json: train config: field 'epochs' must be an integer >= 1; got -1/,
    );
  });

  it('refuses a checkpoint without resume state', async () => {
    const path = join(root, 'plain.safetensors');
    const w = tf.zeros([2]);
    await saveCheckpoint(path, { tensors: { w }, config: { name: 'x' } });
    w.dispose();
    await assert.rejects(readResumeState(path), /plain\.safetensors has no resume state/);
  });
});
