// Where a prepare run writes, so that a failure never costs the dataset that was there before.
//
// - `out` holds no complete dataset (no meta.json: a first run, or one that was interrupted): shards are
//   written into `out` itself, and complete shards of the interrupted run are reused.
// - `out` holds a complete dataset: the new one is built in the hidden sibling `.<name>.staging` (its shards
//   seeded with hard links to the existing ones, so unchanged shards are reused, not rewritten) and swapped in
//   only when it is complete. A failure leaves `out` as it was; the staging folder stays for the next run to
//   resume.
// The swap is two renames (out -> `.<name>.old`, staging -> out); entries of the old folder that are not
// dataset files (raw downloads, the user's own files) are moved into the new one, then the old one is removed.
// A crash between the renames is repaired by the next run (the old folder is put back).
// The hidden sibling `.<name>.lock` stops two processes from preparing the same folder.
import { existsSync } from 'node:fs';
import { link, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { acquireFolderLock, type FolderLock } from '../../io/folder_lock.js';

/** Shard files (`<split>-<00000>.arrow`) and meta.json: what a prepare run writes and a swap replaces. */
const SHARD_FILE = /^[A-Za-z0-9_-]+-\d{5}\.arrow$/;

export interface StagedOutput {
  /** The folder to write shards and meta.json into. */
  readonly dir: string;
  /** True when `dir` is the staging sibling (out held a complete dataset). */
  readonly staged: boolean;
  /** Makes the written dataset the one at `out` (a no-op when writing in place). Call after writeMeta. */
  commit(): Promise<void>;
  /** Releases the lock; call in a finally block. */
  release(): Promise<void>;
}

function siblings(out: string) {
  const parent = dirname(resolve(out));
  const name = basename(resolve(out));
  return {
    staging: join(parent, `.${name}.staging`),
    old: join(parent, `.${name}.old`),
    lock: join(parent, `.${name}.lock`),
  };
}

const isDir = async (p: string) => (await stat(p).catch(() => null))?.isDirectory() === true;

/** Moves entries of `from` that `to` lacks and that are not dataset files into `to`. */
async function carryOver(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from)) {
    if (entry === 'meta.json' || SHARD_FILE.test(entry) || existsSync(join(to, entry))) continue;
    await rename(join(from, entry), join(to, entry));
  }
}

/** Finishes or undoes a swap that a crash interrupted. */
async function repairSwap(out: string, old: string): Promise<void> {
  if (!(await isDir(old))) return;
  if (!existsSync(out)) {
    await rename(old, out); // crashed between the renames: put the previous dataset back
    return;
  }
  await carryOver(old, out); // crashed after the swap, before the old folder was removed
  await rm(old, { recursive: true, force: true });
}

/** Opens the output of a prepare run for `out` (see the file header); throws if another process holds it. */
export async function openStagedOutput(out: string): Promise<StagedOutput> {
  const paths = siblings(out);
  await mkdir(dirname(paths.lock), { recursive: true });
  const lock: FolderLock = await acquireFolderLock(paths.lock, `dataset folder ${out}`);
  try {
    await repairSwap(out, paths.old);
    if (!existsSync(join(out, 'meta.json'))) {
      await mkdir(out, { recursive: true });
      // A staging folder next to an incomplete out: an earlier rebuild whose target was since removed.
      await rm(paths.staging, { recursive: true, force: true });
      return {
        dir: out,
        staged: false,
        commit: async () => {},
        release: () => lock.release(),
      };
    }
    await mkdir(paths.staging, { recursive: true });
    await rm(join(paths.staging, 'meta.json'), { force: true });
    for (const entry of await readdir(out)) {
      if (!SHARD_FILE.test(entry) || existsSync(join(paths.staging, entry))) continue;
      await link(join(out, entry), join(paths.staging, entry)).catch(() => {}); // reuse is an optimisation
    }
    return {
      dir: paths.staging,
      staged: true,
      commit: async () => {
        await rename(out, paths.old);
        await rename(paths.staging, out);
        await carryOver(paths.old, out);
        await rm(paths.old, { recursive: true, force: true });
      },
      release: () => lock.release(),
    };
  } catch (err) {
    await lock.release();
    throw err;
  }
}

/**
 * Runs a prepare body against the staged output of `out` and commits it when the body succeeds. A failure
 * says that the dataset already at `out` is untouched.
 */
async function withStagedOutput<T>(out: string, body: (dir: string) => Promise<T>): Promise<T> {
  const output = await openStagedOutput(out);
  try {
    let result: T;
    try {
      result = await body(output.dir);
    } catch (err) {
      if (!output.staged || !(err instanceof Error)) throw err;
      err.message += ` (the complete dataset already in ${out} is untouched; the partial rebuild in ${output.dir} is resumed by the next run)`;
      throw err;
    }
    await output.commit();
    return result;
  } finally {
    await output.release();
  }
}

/**
 * A dataset's prepare function made safe (see the file header): `prepareInto` writes into the folder it is
 * given as `options.out`. A download without `source` still goes to `<out>/raw` of the real folder.
 */
export function stagedPrepare<
  O extends { out: string; source?: string; download?: boolean },
  R extends { out: string },
>(prepareInto: (options: O) => Promise<R>): (options: O) => Promise<R> {
  return (options) =>
    withStagedOutput(options.out, async (dir) => {
      const source = options.source ?? (options.download ? join(options.out, 'raw') : undefined);
      const result = await prepareInto({ ...options, out: dir, ...(source !== undefined ? { source } : {}) });
      return { ...result, out: options.out };
    });
}
