// `batch-shaping verify`: a sound dataset, run or checkpoint passes; a flipped byte in any shard, checkpoint
// or metrics table is reported as damaged, naming the file, with exit code 1.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { printVerifyReport, verifyPath } from '../../src/cli/verify_command.js';
import { prepareFashionMnist } from '../../src/data/prepare/fashion_mnist.js';
import { saveCheckpoint } from '../../src/models/checkpoint.js';
import { writeMetricsTable } from '../../src/train/metrics_table.js';
import { getPreset } from '../../src/train/presets.js';
import { runPaths } from '../../src/train/run_paths.js';
import { writeFashionMnistFixture } from '../fixtures/datasets/idx_fixture.js';
import { useBackend } from '../helpers/backends.js';

const root = mkdtempSync(join(tmpdir(), 'bs-verify-'));
after(() => rmSync(root, { recursive: true, force: true }));

function flipByte(path: string, at: (length: number) => number): void {
  const bytes = readFileSync(path);
  const i = at(bytes.length);
  bytes[i] = bytes[i]! ^ 0x10;
  writeFileSync(path, bytes);
}

async function verdict(path: string): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = printVerifyReport(await verifyPath(path), (l) => lines.push(l));
  return { code, lines };
}

describe('batch-shaping verify', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('a prepared dataset: sound, then a flipped pixel byte in one shard is found', async () => {
    const src = join(root, 'src');
    const out = join(root, 'fmnist');
    rmSync(src, { recursive: true, force: true });
    mkdirSync(src, { recursive: true });
    writeFashionMnistFixture(src, 9, 4, false);
    await prepareFashionMnist({ source: src, out, shardSize: 4, progress: 'quiet' });
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    assert.match(meta.splits.train.shards[0].sha256, /^[0-9a-f]{64}$/);
    const sound = await verdict(out);
    assert.equal(sound.code, 0, sound.lines.join('\n'));
    assert.match(sound.lines.at(-1)!, /dataset .*fmnist \(2 splits, 4 shards\): 4 file\(s\) sound, sound/);

    flipByte(join(out, 'train-00001.arrow'), (n) => Math.floor(n / 2));
    const damaged = await verdict(out);
    assert.equal(damaged.code, 1);
    assert.match(damaged.lines[0]!, /^DAMAGED readShard: .*train-00001\.arrow is damaged: its SHA-256/);
    assert.match(damaged.lines.at(-1)!, /3 file\(s\) sound, 1 damaged/);
  });

  it('a run folder and a checkpoint: damage in a checkpoint or a metrics table is named', async () => {
    const run = join(root, 'run');
    const paths = runPaths(run);
    mkdirSync(paths.metricsDir, { recursive: true });
    writeFileSync(paths.config, JSON.stringify(getPreset('tiny')));
    const w = tf.ones([4, 4]);
    await saveCheckpoint(paths.lastCheckpoint, { tensors: { w }, config: { name: 'x' } });
    w.dispose();
    await writeMetricsTable(paths.epochs, [{ epoch: 1, loss: 0.5 }]);
    const sound = await verdict(run);
    assert.equal(sound.code, 0, sound.lines.join('\n'));
    assert.match(sound.lines.at(-1)!, /run .*: 3 file\(s\) sound, sound/);

    flipByte(paths.lastCheckpoint, (n) => n - 3);
    writeFileSync(paths.epochs, readFileSync(paths.epochs).subarray(0, 100));
    const damaged = await verdict(run);
    assert.equal(damaged.code, 1);
    assert.equal(damaged.lines.filter((l) => l.startsWith('DAMAGED')).length, 2, damaged.lines.join('\n'));
    assert.ok(damaged.lines.some((l) => /last\.safetensors is damaged/.test(l)));
    assert.ok(damaged.lines.some((l) => /epochs\.arrow: not a readable metrics table/.test(l)));
    const one = await verdict(paths.lastCheckpoint);
    assert.equal(one.code, 1);
    await assert.rejects(verifyPath(join(root, 'nothing')), /verify: .*nothing: no such file or folder/);
  });
});
