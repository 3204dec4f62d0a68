// python/train_ddp.py as CI runs it: 2 gloo processes under torchrun on a generated CIFAR-10 (the same images
// in torchvision's python layout for PyTorch and prepared into Arrow shards for TypeScript), the recipe exported
// by the CLI (`train --print-config`), stopped mid-epoch and resumed; then the checkpoint it wrote comes back
// here: `eval` gives the loss and top-1 PyTorch measured on the same test images (running BN statistics,
// deterministic gates), and `analyze` records the gates and writes the report.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { runAnalyzeCommand } from '../../src/cli/analyze_command.js';
import { runEvalCommand } from '../../src/cli/eval_command.js';
import { prepareCifar10 } from '../../src/data/prepare/cifar10.js';
import { readCheckpointInfo } from '../../src/models/checkpoint.js';
import { loadTrainedModel } from '../../src/train/load_trained_model.js';
import { writeCifarFolder } from '../fixtures/datasets/cifar_fixture.js';
import { useBackend } from '../helpers/backends.js';
import { requireTorch, runPython } from './python_env.js';

interface PyExtra {
  epoch: number;
  step: number;
  globalStep: number;
  completed: boolean;
  framework: string;
  worldSize: number;
  evalPytorch?: { loss: number; top1: number; samples: number };
  trainConfig: { name: string; epochs: number };
}

let dir = '';
const paths = () => ({
  src: join(dir, 'src'),
  py: join(dir, 'py'),
  arrow: join(dir, 'arrow'),
  recipe: join(dir, 'recipe.json'),
  run: join(dir, 'run'),
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** torchrun with 2 local gloo workers on a private rendezvous port (--standalone always takes 29400). */
async function torchrun(args: string[]) {
  const port = await freePort();
  // --redirects 1 --tee 1: Debian's torch 1.13 under Python 3.11 cannot parse the default '0' of either.
  const launcher = ['-m', 'torch.distributed.run', '--nnodes', '1', '--nproc_per_node', '2'];
  const rdzv = ['--rdzv_backend', 'c10d', '--rdzv_endpoint', `127.0.0.1:${port}`, '--rdzv_id', randomUUID()];
  return runPython([
    ...launcher,
    ...rdzv,
    '--redirects',
    '1',
    '--tee',
    '1',
    join('python', 'train_ddp.py'),
    ...args,
  ]);
}

describe('train_ddp.py: 2 gloo processes, checkpoint back in TypeScript', () => {
  before(async () => {
    requireTorch();
    dir = await mkdtemp(join(tmpdir(), 'bs-train-ddp-'));
    const p = paths();
    await writeCifarFolder(p.src, 16, 24); // 80 train, 24 test images
    const conv = runPython([join('python', 'tests', 'cifar_bin_to_py.py'), p.src, p.py]);
    assert.equal(conv.status, 0, conv.stderr);
    await prepareCifar10({ source: p.src, out: p.arrow, progress: 'quiet', skipChecksum: true });
    // The CLI's own export (`batch-shaping train --preset ... --print-config`), run from the sources.
    const argv = ['node', 'batch-shaping', 'train', '--preset', 'cifar10-resnet20-gated', '--epochs', '2'];
    argv.push('--batch-size', '8', '--max-steps', '3', '--width', '0.25', '--print-config');
    const mainUrl = pathToFileURL(join('src', 'cli', 'main.ts')).href;
    const script = `const { main } = await import(${JSON.stringify(mainUrl)}); await main(${JSON.stringify(argv)});`;
    const recipe = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    assert.equal(recipe.status, 0, recipe.stderr);
    await writeFile(p.recipe, recipe.stdout);
  });
  after(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('trains the exported recipe with torchrun, stops after 4 steps (mid-epoch 2), resumes and completes', async () => {
    const p = paths();
    const common = ['--data', p.py, '--meta', join(p.arrow, 'meta.json'), '--out', p.run, '--workers', '0'];
    const first = await torchrun([
      '--config',
      p.recipe,
      '--stop-after-steps',
      '4',
      '--threads',
      '1',
      ...common,
    ]);
    assert.equal(first.status, 0, `${first.stdout}\n${first.stderr}`);
    const stopped = await readCheckpointInfo<unknown, PyExtra>(
      join(p.run, 'checkpoints', 'last.safetensors'),
    );
    assert.equal(stopped.extra?.epoch, 1);
    assert.equal(stopped.extra?.step, 1);
    assert.equal(stopped.extra?.completed, false);
    assert.ok(
      stopped.optimizer.some((t) => t.name.endsWith('/momentum_buffer')),
      'optimizer state saved',
    );
    assert.ok(!existsSync(join(p.run, 'checkpoints', 'final.safetensors')));

    const second = await torchrun(['--resume', '--threads', '1', ...common]);
    assert.equal(second.status, 0, `${second.stdout}\n${second.stderr}`);
    const last = await readCheckpointInfo<unknown, PyExtra>(join(p.run, 'checkpoints', 'last.safetensors'));
    assert.equal(last.extra?.completed, true);
    assert.equal(last.extra?.globalStep, 6);
    assert.equal(last.extra?.worldSize, 2);
    assert.equal(last.extra?.trainConfig.name, 'cifar10-resnet20-gated');
    const log = readFileSync(join(p.run, 'train.log'), 'utf8');
    assert.equal(
      log.match(/ on 2 process\(es\), gloo, cpu/g)?.length,
      2,
      'rank 0 alone logs, once per start',
    );
    assert.match(log, /resuming .* at epoch 2, step 1/);
    const epochs = JSON.parse(readFileSync(join(p.run, 'metrics', 'epochs.json'), 'utf8')) as object[];
    assert.equal(epochs.length, 2);
    const leftovers = readdirSync(join(p.run, 'checkpoints')).filter((f) => !f.endsWith('.safetensors'));
    assert.deepEqual(leftovers, [], 'no temporary files left by the atomic writer');
  });

  it('the PyTorch checkpoint loads in TypeScript; eval matches the PyTorch evaluation on the same images', async () => {
    const p = paths();
    const final = join(p.run, 'checkpoints', 'final.safetensors');
    await useBackend('wasm');
    const { model, trainConfig } = await loadTrainedModel(final);
    assert.equal(model.config.name, 'resnet20');
    assert.equal(model.config.widthMultiplier, 0.25);
    assert.equal(trainConfig?.epochs, 2);
    model.dispose();
    const info = await readCheckpointInfo<unknown, PyExtra>(final);
    const py = info.extra?.evalPytorch;
    assert.ok(py !== undefined, 'final checkpoint carries the PyTorch evaluation');
    const ts = await runEvalCommand({ run: p.run, data: p.arrow, backend: 'wasm', quiet: true });
    assert.equal(ts.samples, py.samples);
    assert.ok(ts.task === 'classification');
    assert.ok(
      Math.abs(ts.loss - py.loss) <= 1e-4 * Math.abs(py.loss),
      `eval loss: TypeScript ${ts.loss}, PyTorch ${py.loss}`,
    );
    assert.equal(ts.top1, py.top1);
  });

  it('analyze records the gates of the PyTorch-trained run and writes the report', async () => {
    const p = paths();
    const out = await runAnalyzeCommand({
      run: p.run,
      data: p.arrow,
      backend: 'wasm',
      quiet: true,
      gallery: 2,
    });
    assert.ok(existsSync(join(p.run, 'analysis', 'gate_records.arrow')));
    assert.ok(readFileSync(out, 'utf8').includes('layer3.2.gate'));
  });
});
