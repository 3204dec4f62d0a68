import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  atomicWriteFile,
  isTempFileFor,
  removeStaleTempFiles,
  tempPathFor,
} from '../../src/io/atomic_write.js';

describe('atomicWriteFile', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bs-atomic-'));
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes all chunks in order', async () => {
    const p = join(dir, 'a.bin');
    await atomicWriteFile(p, [Uint8Array.of(1, 2), Uint8Array.of(3), new Uint8Array(0), Uint8Array.of(4)]);
    assert.deepEqual([...(await readFile(p))], [1, 2, 3, 4]);
  });

  it('an injected failure before rename keeps the old file and leaves no temporary file', async () => {
    const p = join(dir, 'b.txt');
    await writeFile(p, 'old');
    let seenTmp = '';
    await assert.rejects(
      atomicWriteFile(p, 'new', {
        beforeCommit: async (tmp) => {
          seenTmp = tmp;
          assert.equal(
            await readFile(tmp, 'utf8'),
            'new',
            'temporary file holds the full data before commit',
          );
          throw new Error('injected');
        },
      }),
      /injected/,
    );
    assert.equal(await readFile(p, 'utf8'), 'old');
    assert.ok(seenTmp.startsWith(dir), 'temporary file lives in the target directory (atomic rename)');
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  it('removeStaleTempFiles removes only temporary files of matching targets', async () => {
    const t1 = tempPathFor(join(dir, 'train-00000.arrow'));
    const t2 = tempPathFor(join(dir, 'val-00000.arrow'));
    await writeFile(t1, 'x');
    await writeFile(t2, 'y');
    await writeFile(join(dir, '.hidden.tmp'), 'z');
    const removed = await removeStaleTempFiles(dir, (target) => target.startsWith('train-'));
    assert.equal(removed.length, 1);
    assert.ok(isTempFileFor(removed[0]!, 'train-00000.arrow'));
    const left = await readdir(dir);
    assert.ok(left.some((f) => isTempFileFor(f, 'val-00000.arrow')));
    assert.ok(left.includes('.hidden.tmp'));
  });
});

describe('atomicWriteFile on a full disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bs-enospc-'));
  after(() => rm(dir, { recursive: true, force: true }));

  it('ENOSPC part-way keeps the previous file, removes the temporary one and says so', async () => {
    const p = join(dir, 'last.safetensors');
    await writeFile(p, 'previous');
    let written = 0;
    await assert.rejects(
      atomicWriteFile(p, [Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5, 6)], {
        writeChunk: async (handle, chunk) => {
          if (written++ === 1) {
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          }
          await handle.write(chunk);
        },
      }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ENOSPC');
        assert.match(err.message, /last\.safetensors: no space left on the device \(ENOSPC\)/);
        assert.match(err.message, /the previous last\.safetensors \(if any\) is intact/);
        return true;
      },
    );
    assert.equal(await readFile(p, 'utf8'), 'previous');
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });
});
