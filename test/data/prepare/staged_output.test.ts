// A failed prepare never costs the dataset that was there: a rebuild over a complete dataset is staged next to
// it and swapped in only when complete; a crash mid-swap is repaired by the next run; a second process is
// refused while one prepares the folder.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { prepareFashionMnist } from '../../../src/data/prepare/fashion_mnist.js';
import { openStagedOutput } from '../../../src/data/prepare/staged_output.js';
import { acquireFolderLock } from '../../../src/io/folder_lock.js';
import { idxBytes, writeFashionMnistFixture } from '../../fixtures/datasets/idx_fixture.js';
import { freshDirs } from './fresh_dirs.js';
import { readSplit } from './shard_readback.js';

const fresh = freshDirs('prep-staged-');

/** Every file of `dir` (not hidden) with its bytes. */
function snapshot(dir: string): Map<string, string> {
  const files = readdirSync(dir).filter((f) => !f.startsWith('.'));
  return new Map(files.map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));
}

function hidden(parent: string): string[] {
  return readdirSync(parent).filter((f) => f.startsWith('.'));
}

describe('prepare over an existing dataset', () => {
  it('a corrupted source leaves the complete dataset untouched; a good one replaces it', async () => {
    const { src, out } = fresh();
    writeFashionMnistFixture(src, 12, 5, true);
    await prepareFashionMnist({ source: src, out, shardSize: 5, progress: 'quiet' });
    writeFileSync(join(out, 'NOTES.md'), 'mine');
    const before = snapshot(out);

    const bad = fresh();
    writeFashionMnistFixture(bad.src, 12, 5, true);
    const gz = join(bad.src, 't10k-images-idx3-ubyte.gz');
    truncateSync(gz, readFileSync(gz).length - 20);
    await assert.rejects(
      prepareFashionMnist({ source: bad.src, out, shardSize: 5, progress: 'quiet' }),
      /t10k-images.*\(the complete dataset already in .*out is untouched/s,
    );
    assert.deepEqual(snapshot(out), before, 'nothing in out changed');
    assert.deepEqual(
      hidden(join(out, '..')),
      ['.out.staging'],
      'the partial rebuild is kept, the lock released',
    );

    // 4 labels for 5 images: also refused, also harmless.
    writeFashionMnistFixture(bad.src, 12, 5, true);
    writeFileSync(
      join(bad.src, 't10k-labels-idx1-ubyte.gz'),
      gzipSync(idxBytes([4], Uint8Array.of(1, 2, 3, 4))),
    );
    await assert.rejects(
      prepareFashionMnist({ source: bad.src, out, shardSize: 4, progress: 'quiet' }),
      /t10k-labels.*untouched/s,
    );
    assert.deepEqual(snapshot(out), before);

    // A good rebuild with another shard size swaps in; the user's file survives; nothing hidden is left.
    writeFashionMnistFixture(src, 12, 5, true);
    const result = await prepareFashionMnist({ source: src, out, shardSize: 4, progress: 'quiet' });
    assert.equal(result.out, out);
    assert.equal(readFileSync(join(out, 'NOTES.md'), 'utf8'), 'mine');
    assert.deepEqual(
      readdirSync(out)
        .filter((f) => f.endsWith('.arrow'))
        .sort(),
      ['test-00000.arrow', 'test-00001.arrow', 'train-00000.arrow', 'train-00001.arrow', 'train-00002.arrow'],
    );
    assert.equal(readSplit(out, 'train').ids.length, 12);
    assert.deepEqual(hidden(join(out, '..')), []);
  });

  it('reuses unchanged shards of the existing dataset when rebuilding', async () => {
    const { src, out } = fresh();
    writeFashionMnistFixture(src, 10, 5, false);
    await prepareFashionMnist({ source: src, out, shardSize: 5, progress: 'quiet' });
    const again = await prepareFashionMnist({ source: src, out, shardSize: 5, progress: 'quiet' });
    assert.deepEqual(again.reused, { train: [0, 1], test: [0] });
    assert.equal(readSplit(out, 'test').ids.length, 5);
  });

  it('repairs a swap that a crash interrupted between its two renames', async () => {
    const { src, out } = fresh();
    writeFashionMnistFixture(src, 6, 3, false);
    await prepareFashionMnist({ source: src, out, shardSize: 5, progress: 'quiet' });
    const before = snapshot(out);
    const { renameSync } = await import('node:fs');
    renameSync(out, join(out, '..', '.out.old')); // the state after the first rename
    const output = await openStagedOutput(out);
    await output.release();
    assert.deepEqual(snapshot(out), before, 'the previous dataset is back');
  });

  it('refuses to prepare a folder that another process is preparing', async () => {
    const { src, out } = fresh();
    writeFashionMnistFixture(src, 6, 3, false);
    const lock = await acquireFolderLock(join(out, '..', '.out.lock'), 'x');
    try {
      await assert.rejects(
        prepareFashionMnist({ source: src, out, progress: 'quiet' }),
        new RegExp(`dataset folder .*out is being written by process ${process.pid}`),
      );
      assert.ok(!existsSync(out), 'nothing was written');
    } finally {
      await lock.release();
    }
  });
});
