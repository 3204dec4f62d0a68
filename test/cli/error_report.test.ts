// What a user sees when a command fails: a short message naming the file or flag on stderr and exit code 1,
// a hint when the error is one the program did not foresee, the stack only with --debug.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatCliError } from '../../src/cli/error_report.js';

const ENTRY = join(import.meta.dirname, '..', 'train', 'helpers', 'cli_entry.ts');
const root = mkdtempSync(join(tmpdir(), 'bs-cli-errors-'));
after(() => rmSync(root, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('formatCliError', () => {
  it('prints the message and new information from its causes, no stack', () => {
    const inner = new Error('EACCES: permission denied');
    const text = formatCliError(new Error('eval: runs/x/config.json: cannot read', { cause: inner }), false);
    assert.equal(text, 'error: eval: runs/x/config.json: cannot read\n  cause: EACCES: permission denied');
    assert.doesNotMatch(text, /\n\s+at /);
  });

  it('adds a hint to an unforeseen error and the stack with debug', () => {
    const err = new TypeError("Cannot read properties of null (reading 'fieldsLength')");
    assert.match(
      formatCliError(err, false),
      /^error: Cannot read properties[\s\S]*unexpected error[\s\S]*--debug/,
    );
    assert.match(formatCliError(err, true), /TypeError: Cannot read properties[\s\S]*\n\s+at /);
    assert.equal(formatCliError('plain', false), 'error: plain');
  });
});

describe('batch-shaping errors on stderr', () => {
  it('an unknown dataset and a --size the dataset does not take are explained, not silent', () => {
    const unknown = cli(['prepare', 'no-such-dataset', '--out', join(root, 'x')]);
    assert.notEqual(unknown.code, 0);
    assert.match(
      unknown.stderr,
      /dataset: expected one of fashion-mnist, cifar10, imagenet, cityscapes; got 'no-such-dataset'/,
    );
    const size = cli(['prepare', 'fashion-mnist', '--size', '32', '--out', join(root, 'y')]);
    assert.notEqual(size.code, 0);
    assert.match(size.stderr, /--size: fashion-mnist has a fixed image size/);
  });

  it('a failing command prints one message and exits 1; --debug adds the stack', () => {
    const missing = join(root, 'nope.safetensors');
    const plain = cli(['eval', '--checkpoint', missing]);
    assert.equal(plain.code, 1);
    assert.equal(plain.stderr.trim(), `error: eval: --checkpoint ${missing}: no such file`);
    const debug = cli(['eval', '--checkpoint', missing, '--debug']);
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, /Error: eval: --checkpoint .*no such file\n\s+at /);
  });
});
