// The train/eval CLI: flag errors name the flag; a run killed with SIGKILL after its first epoch checkpoint
// resumes (`--resume`) to the same final weights as an uninterrupted run with the same seed; eval reads a
// run directory.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildProgram } from '../../src/cli/main.js';
import {
  cliOutcomeMessage,
  cliRunFolderMessage,
  resolveTrainConfig,
  runTrainCommand,
  type TrainCliOptions,
} from '../../src/cli/train_command.js';
import { disposeCheckpoint, loadCheckpoint } from '../../src/models/checkpoint.js';
import { ensureDataset } from '../../src/train/ensure_dataset.js';
import { getPreset } from '../../src/train/presets.js';
import { runPaths } from '../../src/train/run_paths.js';
import { RunFolderError, readRunState } from '../../src/train/run_state.js';
import { useBackend } from '../helpers/backends.js';

const ENTRY = join(import.meta.dirname, '..', 'train', 'helpers', 'cli_entry.ts');
let root: string;

function cli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>(
    (resolve) => {
      child.on('close', (code, signal) => resolve({ code, signal, output }));
    },
  );
  return { child, done };
}

/** Parses argv with the real commander program, capturing what it writes to stderr. */
async function parse(argv: string[]): Promise<{ error?: string; stderr: string }> {
  const program = buildProgram();
  let stderr = '';
  for (const c of [program, ...program.commands]) {
    c.configureOutput({ writeErr: (s) => (stderr += s), writeOut: () => {} });
    c.exitOverride();
  }
  try {
    await program.parseAsync(['node', 'batch-shaping', ...argv]);
    return { stderr };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err), stderr };
  }
}

function opts(o: Partial<TrainCliOptions>): TrainCliOptions {
  return { set: [], ...o };
}

const args = (dir: string, data: string, extra: string[] = []) => [
  'train',
  '--preset',
  'tiny',
  '--backend',
  'wasm',
  '--out',
  dir,
  '--data',
  data,
  '--epochs',
  '2',
  '--max-steps',
  '3',
  '--quiet',
  ...extra,
];

describe('batch-shaping train / eval', () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'bs-cli-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('names the flag in every bad-flag error', async () => {
    assert.match(
      (await parse(['train', '--epochs', 'ten'])).stderr,
      /--epochs expects a positive integer; got 'ten'/,
    );
    assert.match((await parse(['train', '--lr', '-1'])).stderr, /--lr expects a number > 0; got '-1'/);
    assert.match((await parse(['train', '--backend', 'gpu'])).stderr, /--backend.*gpu/);
    assert.match((await parse(['train', '--bogus'])).stderr, /unknown option '--bogus'/);
    assert.throws(
      () => resolveTrainConfig(opts({ preset: 'nope' })),
      /--preset must be one of .*tiny.*; got 'nope'/,
    );
    assert.throws(
      () => resolveTrainConfig(opts({ preset: 'tiny', set: ['optim.lrr=1'] })),
      /--set optim.lrr: .*unknown field 'optim.lrr'/,
    );
    assert.throws(
      () => resolveTrainConfig(opts({ preset: 'tiny', set: ['epochs=0'] })),
      /--set epochs: .*'epochs' must be an integer >= 1/,
    );
    assert.throws(
      () => resolveTrainConfig(opts({ preset: 'tiny', width: -2 })),
      /--width: .*widthMultiplier/,
    );
    assert.throws(
      () => resolveTrainConfig(opts({ preset: 'tiny', config: 'x.json' })),
      /either --preset or --config/,
    );
    const c = resolveTrainConfig(opts({ preset: 'tiny', epochs: 7, lr: 0.05, set: ['loss.lambda=0.4'] }));
    assert.equal(c.epochs, 7);
    assert.equal(c.optim.lr, 0.05);
    assert.equal(c.loss.lambda, 0.4);
    assert.match((await parse(['eval'])).error ?? '', /exactly one of --run <runDir> or --checkpoint <path>/);
    await assert.rejects(
      runTrainCommand(opts({ resume: root, epochs: 3, set: ['optim.lr=1'] })),
      /--resume .*drop --epochs, --set/,
    );
    await assert.rejects(
      runTrainCommand(opts({ resume: join(root, 'nothing') })),
      /is not a run directory \(no config.json\)/,
    );
  });

  it('stops on Ctrl-C with a checkpoint, exit code 130 and a --resume hint', {
    timeout: 120_000,
  }, async () => {
    const data = join(root, 'synthetic-16');
    await ensureDataset({ ...getPreset('tiny').data, dir: data });
    const dir = join(root, 'ctrl-c');
    const run = cli(args(dir, data, ['--epochs', '200']));
    const log = runPaths(dir).log;
    // Ctrl-C once training has started (the log names the model after setup).
    while (!(existsSync(log) && /model /.test(readFileSync(log, 'utf8'))) && run.child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 20));
    }
    run.child.kill('SIGINT');
    const result = await run.done;
    assert.equal(result.code, 130, result.output);
    assert.match(
      result.output,
      /stopped by SIGINT at epoch \d+, step \d+; checkpoint .*; continue with --resume /,
    );
    const state = await readRunState(dir);
    assert.equal(state.status, 'resumable');
  });

  it('resumes a SIGKILLed run to the same final weights as an uninterrupted run', {
    timeout: 120_000,
  }, async () => {
    const data = join(root, 'synthetic-16');
    // Write the dataset once, here, so the two runs below do not race to create it.
    await ensureDataset({ ...getPreset('tiny').data, dir: data });

    const fullDir = join(root, 'full');
    const killDir = join(root, 'killed');
    const full = cli(args(fullDir, data));
    const victim = cli(args(killDir, data));
    const ckpt = runPaths(killDir).lastCheckpoint;
    // Kill -9 as soon as the first epoch's checkpoint is on disk.
    while (!existsSync(ckpt) && victim.child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    victim.child.kill('SIGKILL');
    const killed = await victim.done;
    assert.equal(killed.signal, 'SIGKILL', killed.output);
    assert.ok(!existsSync(runPaths(killDir).finalCheckpoint), 'the victim must not have finished');

    const resuming = cli(['train', '--resume', killDir, '--backend', 'wasm', '--quiet']);
    const fullResult = await full.done;
    assert.equal(fullResult.code, 0, fullResult.output);
    const evaluating = cli(['eval', '--run', fullDir, '--backend', 'wasm', '--json']);
    const resumed = await resuming.done;
    assert.equal(resumed.code, 0, resumed.output);
    assert.match(readFileSync(runPaths(killDir).log, 'utf8'), /resumed from .* at epoch 2, step 0/);

    await useBackend('cpu'); // to read the checkpoints
    const a = await loadCheckpoint(runPaths(fullDir).finalCheckpoint);
    const b = await loadCheckpoint(runPaths(killDir).finalCheckpoint);
    assert.deepEqual(Object.keys(b.tensors).sort(), Object.keys(a.tensors).sort());
    for (const name of Object.keys(a.tensors)) {
      assert.deepEqual(
        Array.from(await b.tensors[name]!.data()),
        Array.from(await a.tensors[name]!.data()),
        name,
      );
    }
    disposeCheckpoint(a);
    disposeCheckpoint(b);

    const ev = await evaluating.done;
    assert.equal(ev.code, 0, ev.output);
    const result = JSON.parse(ev.output.slice(ev.output.indexOf('{')));
    const report = JSON.parse(readFileSync(runPaths(fullDir).reportJson, 'utf8'));
    assert.equal(result.top1, report.eval.top1);
    assert.equal(result.macs.meanFraction, report.eval.macs.meanFraction);
  });
});

describe('train CLI wording of library outcomes', () => {
  it('words a stop, a divergence and a refused run folder with the CLI flags', () => {
    const stopped = cliOutcomeMessage({
      status: 'interrupted',
      runDir: 'runs/a',
      message: 'train: stopped ...; continue with train(undefined, { ... })',
      reason: 'train: stopped by SIGINT at epoch 2, step 3; checkpoint runs/a/checkpoints/last.safetensors',
    });
    assert.equal(
      stopped,
      'train: stopped by SIGINT at epoch 2, step 3; checkpoint runs/a/checkpoints/last.safetensors; continue with --resume runs/a',
    );
    const diverged = cliOutcomeMessage({
      status: 'diverged',
      runDir: 'runs/a',
      message: 'library words',
      reason: 'train: the loss is not finite.',
    });
    assert.match(diverged, /--set optim\.lr=\.\.\..*--set lr\.warmupEpochs=\.\.\./);
    assert.match(
      cliRunFolderMessage(new RunFolderError('holds-a-run', 'runs/a', 'x')),
      /already holds a run; continue it with --resume runs\/a or choose another --out/,
    );
    assert.match(
      cliRunFolderMessage(new RunFolderError('no-checkpoint', 'runs/a', 'x')),
      /train --resume: runs\/a has no checkpoint yet .*; start it again without --resume/,
    );
  });
});
