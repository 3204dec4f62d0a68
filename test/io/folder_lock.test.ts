// The folder lock: a second writer is refused with the holder's pid and command; a lock left by a process that
// is gone is taken over; release removes only our own lock.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { acquireFolderLock, FolderLockedError, withFolderLock } from '../../src/io/folder_lock.js';

describe('folder lock', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bs-lock-'));
  after(() => rm(dir, { recursive: true, force: true }));

  it('refuses a second holder, naming the first; release frees it', async () => {
    const path = join(dir, '.a.lock');
    const lock = await acquireFolderLock(path, 'dataset folder a');
    const owner = JSON.parse(await readFile(path, 'utf8'));
    assert.equal(owner.pid, process.pid);
    await assert.rejects(acquireFolderLock(path, 'dataset folder a'), (err: unknown) => {
      assert.ok(err instanceof FolderLockedError);
      assert.match(
        err.message,
        new RegExp(`dataset folder a is being written by process ${process.pid} \\(`),
      );
      assert.match(err.message, /delete .*\.a\.lock/);
      return true;
    });
    await lock.release();
    assert.ok(!existsSync(path));
    await withFolderLock(path, 'dataset folder a', async () => assert.ok(existsSync(path)));
    assert.ok(!existsSync(path));
  });

  it('refuses while another live process holds it', async () => {
    const path = join(dir, '.b.lock');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      await writeFile(
        path,
        JSON.stringify({ pid: child.pid, hostname: hostname(), command: 'train x', since: 'now' }),
      );
      await assert.rejects(
        acquireFolderLock(path, 'run folder b'),
        new RegExp(`run folder b is being written by process ${child.pid} \\(train x, since now\\)`),
      );
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('takes over the lock of a process that is gone, and an unreadable lock file', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const pid = Number(dead.stdout.toString());
    const path = join(dir, '.c.lock');
    await writeFile(path, JSON.stringify({ pid, hostname: hostname(), command: 'killed', since: 'then' }));
    const lock = await acquireFolderLock(path, 'c');
    assert.equal(JSON.parse(await readFile(path, 'utf8')).pid, process.pid);
    await lock.release();
    await writeFile(path, '{"pid": 12');
    await (await acquireFolderLock(path, 'c')).release();
  });

  it('refuses a lock held from another host (it cannot be checked)', async () => {
    const path = join(dir, '.d.lock');
    await writeFile(path, JSON.stringify({ pid: 1, hostname: 'elsewhere', command: 'x', since: 'y' }));
    await assert.rejects(acquireFolderLock(path, 'd'), /process 1 on host elsewhere/);
  });

  it('release leaves a lock that another process has taken since', async () => {
    const path = join(dir, '.e.lock');
    const lock = await acquireFolderLock(path, 'e');
    await writeFile(path, JSON.stringify({ pid: 1, hostname: hostname(), command: 'other', since: 'z' }));
    await lock.release();
    assert.ok(existsSync(path));
  });
});
