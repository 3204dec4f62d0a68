// A lock file that stops two processes from writing one folder (a dataset being prepared, a run being trained).
// The lock records who holds it (pid, host, command, start time), so the process that is refused can say who.
// A lock whose process is gone (killed, crashed) on this host is stale and taken over; one held from another
// host cannot be checked and is refused with the way to clear it. The lock file is written whole before it
// appears (written under a temporary name, then hard-linked: link(2) fails if the name exists, atomically).

import { unlinkSync } from 'node:fs';
import { link, mkdir, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { atomicWriteFile, tempPathFor } from './atomic_write.js';

/** Who holds a lock, as written in the lock file. */
export interface LockOwner {
  pid: number;
  hostname: string;
  command: string;
  since: string;
}

/** Thrown when another live process holds the lock; `owner` says which. */
export class FolderLockedError extends Error {
  constructor(
    readonly lockPath: string,
    readonly owner: LockOwner | null,
    message: string,
  ) {
    super(message);
    this.name = 'FolderLockedError';
  }
}

/** A held lock; release() removes the lock file (only if it is still ours). */
export interface FolderLock {
  readonly path: string;
  release(): Promise<void>;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    if (typeof value.pid !== 'number' || typeof value.hostname !== 'string') return null;
    return {
      pid: value.pid,
      hostname: value.hostname,
      command: String(value.command ?? '?'),
      since: String(value.since ?? '?'),
    };
  } catch {
    return null;
  }
}

/**
 * Takes the lock file `lockPath` for writing `what` (named in the refusal), or throws FolderLockedError when a
 * live process holds it. A stale lock (its process is gone on this host) is replaced.
 */
export async function acquireFolderLock(lockPath: string, what: string): Promise<FolderLock> {
  await mkdir(dirname(lockPath), { recursive: true });
  const owner: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    command: process.argv.slice(1).join(' ') || 'node',
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    const tmp = tempPathFor(lockPath);
    await atomicWriteFile(tmp, `${JSON.stringify(owner)}\n`);
    try {
      await link(tmp, lockPath);
      await unlink(tmp).catch(() => {});
      // process.exit() (Ctrl-C after the last checkpoint) skips finally blocks: remove the lock on the way out.
      const onExit = () => {
        try {
          unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
      process.once('exit', onExit);
      return {
        path: lockPath,
        release: async () => {
          process.removeListener('exit', onExit);
          const current = await readOwner(lockPath);
          if (current?.pid === owner.pid && current.since === owner.since) {
            await unlink(lockPath).catch(() => {});
          }
        },
      };
    } catch (err) {
      await unlink(tmp).catch(() => {});
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readOwner(lockPath);
    const local = holder !== null && holder.hostname === owner.hostname;
    if (holder !== null && (!local || processAlive(holder.pid))) {
      const where = local ? '' : ` on host ${holder.hostname}`;
      throw new FolderLockedError(
        lockPath,
        holder,
        `${what} is being written by process ${holder.pid}${where} (${holder.command}, since ${holder.since}); ` +
          `wait for it to finish or stop it. If that process is gone, delete ${lockPath}.`,
      );
    }
    // Stale (its process is gone on this host) or unreadable.
    await unlink(lockPath).catch(() => {});
  }
  throw new FolderLockedError(lockPath, null, `${what}: could not take the lock ${lockPath}`);
}

/** Runs `fn` holding the lock; releases it however `fn` ends. */
export async function withFolderLock<T>(lockPath: string, what: string, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireFolderLock(lockPath, what);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
