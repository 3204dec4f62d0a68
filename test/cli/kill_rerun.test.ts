// kill -9 at seeded random points of `prepare` and `analyze`, then the same command again: the result equals
// that of an uninterrupted run (byte for byte for the dataset, value for value for the gate records), and no
// temporary file or lock is left behind. (`train` is covered the same way in train_command.test.ts.)
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { readGateRecords } from '../../src/analysis/gate_records_arrow.js';
import { writeSyntheticDataset } from '../../src/data/synthetic.js';
import { saveCheckpoint } from '../../src/models/checkpoint.js';
import { createModel } from '../../src/models/registry.js';
import { writeFashionMnistFixture } from '../fixtures/datasets/idx_fixture.js';
import { useBackend } from '../helpers/backends.js';

const ENTRY = join(import.meta.dirname, '..', 'train', 'helpers', 'cli_entry.ts');
const KILL_POINTS = fc.sample(fc.integer({ min: 0, max: 150 }), { seed: 1203, numRuns: 2 });
let root: string;

function run(args: string[]): { code: number | null; output: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], { encoding: 'utf8' });
  return { code: r.status, output: r.stdout + r.stderr };
}

/** Starts the command, waits until `ready()` (work has begun) plus `delayMs`, then kills it with SIGKILL. */
async function killDuring(args: string[], ready: () => boolean, delayMs: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  while (!ready() && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  await exited;
}

/** Every file under `dir` (hidden ones too) with its bytes, base64. */
function tree(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f)).toString('base64')]),
  );
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'bs-kill-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('kill -9, then the same command again', () => {
  it('prepare: the dataset equals an uninterrupted preparation', { timeout: 240_000 }, async () => {
    const src = join(root, 'fmnist-src');
    mkdirSync(src);
    writeFashionMnistFixture(src, 20000, 500, true);
    const args = (out: string) => [
      'prepare',
      'fashion-mnist',
      '--source',
      src,
      '--out',
      out,
      '--shard-size',
      '250',
      '--workers',
      '0',
      '--quiet',
    ];
    const reference = join(root, 'fmnist-ref');
    assert.equal(run(args(reference)).code, 0);
    let interrupted = 0;
    for (const [k, delay] of KILL_POINTS.entries()) {
      const out = join(root, `fmnist-killed-${k}`);
      await killDuring(args(out), () => existsSync(join(out, 'train-00000.arrow')), delay);
      interrupted += existsSync(join(out, 'meta.json')) ? 0 : 1;
      const again = run(args(out));
      assert.equal(again.code, 0, again.output);
      assert.deepEqual(tree(out), tree(reference), `killed ${delay} ms after the folder appeared`);
      assert.deepEqual(
        readdirSync(root).filter((f) => f.startsWith('.')),
        [],
        'no lock or staging left',
      );
    }
    assert.ok(interrupted > 0, 'at least one kill landed before the dataset was complete');
  });

  it('analyze: the gate records equal an uninterrupted recording', { timeout: 240_000 }, async () => {
    await useBackend('cpu');
    const data = join(root, 'synthetic');
    mkdirSync(data);
    await writeSyntheticDataset({ outDir: data, size: 8, train: 1, test: 300, shardSize: 100, seed: 3 });
    const model = createModel('resnet20', { widthMultiplier: 0.25, gateBiasInit: 0, seed: 5 });
    const ckpt = join(root, 'model.safetensors');
    await saveCheckpoint(ckpt, {
      tensors: model.stateDict(),
      config: model.config,
    });
    model.dispose();
    const args = (dir: string) => [
      'analyze',
      '--checkpoint',
      ckpt,
      '--data',
      data,
      '--backend',
      'cpu',
      '--gallery',
      '0',
      '--quiet',
      '--records-out',
      join(dir, 'records.arrow'),
      '--out',
      join(dir, 'report.html'),
    ];
    const reference = join(root, 'analyze-ref');
    assert.equal(run(args(reference)).code, 0);
    const expected = await readGateRecords(join(reference, 'records.arrow'));
    let stopped = 0;
    for (const [k, delay] of KILL_POINTS.entries()) {
      const dir = join(root, `analyze-killed-${k}`);
      await killDuring(args(dir), () => existsSync(dir), delay);
      stopped += existsSync(join(dir, 'report.html')) ? 0 : 1;
      const again = run(args(dir));
      assert.equal(again.code, 0, again.output);
      const got = await readGateRecords(join(dir, 'records.arrow'));
      assert.deepEqual(got.ids, expected.ids);
      assert.deepEqual(got.macs, expected.macs);
      assert.deepEqual(got.masks, expected.masks);
      assert.deepEqual(got.predictions, expected.predictions);
      assert.ok(existsSync(join(dir, 'report.html')));
      assert.deepEqual(
        readdirSync(dir).filter((f) => f.endsWith('.tmp')),
        [],
        'no temporary file left',
      );
    }
    assert.ok(stopped > 0, 'at least one kill landed before the report was written');
  });
});
