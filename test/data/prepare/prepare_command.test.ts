// The `prepare` subcommand and the data-scripts entry, on the CIFAR-10 contract:
// `prepare cifar10 --source <cifar-10-batches-bin> --out <dir>` writes train-*.arrow and test-*.arrow
// whose image column is the 32x32x3 HWC image and label the class index.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerPrepareCommand } from '../../../src/cli/prepare_command.js';
import { cifarLabel, cifarPixel, writeCifarFolder } from '../../fixtures/datasets/cifar_fixture.js';
import { readSplit } from './shard_readback.js';

const root = mkdtempSync(join(tmpdir(), 'prep-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
const folder = writeCifarFolder(root, 2, 3);

function checkCifar(out: string): void {
  const files = readdirSync(out);
  assert.ok(files.some((f) => /^train-\d+\.arrow$/.test(f)));
  assert.ok(files.some((f) => /^test-\d+\.arrow$/.test(f)));
  const train = readSplit(out, 'train');
  assert.equal(train.images.length, 10);
  // record 1 of data_batch_2 is train row 3; HWC: (y, x, c) at (y * 32 + x) * 3 + c
  assert.equal(train.labels[3], cifarLabel(2, 1));
  assert.equal(train.images[3]![(10 * 32 + 20) * 3 + 2], cifarPixel(2, 1, 2, 10, 20));
}

describe('prepare command', () => {
  it('prepare cifar10 --source <folder> --out <dir> writes train/test shards', async () => {
    const program = new Command('batch-shaping').exitOverride();
    registerPrepareCommand(program);
    const out = join(root, 'out-cli');
    await program.parseAsync([
      'node',
      'batch-shaping',
      'prepare',
      'cifar10',
      '--source',
      folder,
      '--out',
      out,
      '--quiet',
    ]);
    checkCifar(out);
  });

  it('rejects an unknown dataset, naming the known ones', async () => {
    const program = new Command('batch-shaping').exitOverride();
    program.configureOutput({ writeErr: () => {} });
    registerPrepareCommand(program);
    await assert.rejects(
      program.parseAsync(['node', 'b', 'prepare', 'mnist', '--out', join(root, 'x')]),
      /expected one of fashion-mnist, cifar10/,
    );
  });

  it('data-scripts/cifar10/prepare.ts runs as a script', () => {
    const out = join(root, 'out-script');
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'data-scripts/cifar10/prepare.ts', '--source', folder, '--out', out, '--quiet'],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    checkCifar(out);
  });

  // As from an installed package: without tsconfig.json's `paths` (which map the name to src/ here), the
  // script's `import ... from 'batch-shaping'` resolves through package.json "exports" to the build.
  const built = existsSync('dist/index.js');
  it('data-scripts import the package by name, resolved through its exports to dist/', {
    skip: built ? false : 'dist/ is missing: run npm run build first (npm test builds before the unit tests)',
  }, () => {
    const tsconfig = join(root, 'tsconfig.no-paths.json');
    writeFileSync(tsconfig, JSON.stringify({ compilerOptions: { module: 'NodeNext', target: 'ES2022' } }));
    const out = join(root, 'out-installed');
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'data-scripts/cifar10/prepare.ts', '--source', folder, '--out', out, '--quiet'],
      { encoding: 'utf8', env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig } },
    );
    assert.equal(r.status, 0, r.stderr);
    checkCifar(out);
  });
});
