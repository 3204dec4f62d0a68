// Atomic file replacement: a half-written file never takes the place of a good one (docs/architecture.md, section 5). The one
// writer of every module that saves files (shards, meta.json, checkpoints, metrics, records, reports).
// Write to a temporary file in the same directory (same filesystem, so rename is atomic), fsync it,
// rename over the target, then fsync the directory so the rename itself survives a crash.
import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Optional hooks, used by tests to inject failures while writing or between the write and the rename. */
export interface AtomicWriteHooks {
  /** Called after the temporary file is written and synced, before it is renamed onto `path`. */
  beforeCommit?: (tmpPath: string, path: string) => void | Promise<void>;
  /** Writes one chunk to the open temporary file (default: writeAll). */
  writeChunk?: (handle: FileHandle, chunk: Uint8Array) => Promise<void>;
}

/** Writes a whole chunk, at most 1 GiB per call (a single write(2) is capped near 2 GiB). */
async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let done = 0;
  while (done < chunk.byteLength) {
    const n = Math.min(chunk.byteLength - done, 1 << 30);
    const { bytesWritten } = await handle.write(chunk, done, n);
    done += bytesWritten;
  }
}

const TMP_SUFFIX = '.tmp';

/** The temporary name used for `path`: hidden, in the same directory, unique per call. */
export function tempPathFor(path: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}${TMP_SUFFIX}`,
  );
}

/** True when `file` (a bare name) is a temporary file that atomicWriteFile made for target `target`. */
export function isTempFileFor(file: string, target: string): boolean {
  return file.startsWith(`.${target}.`) && file.endsWith(TMP_SUFFIX);
}

async function fsyncDir(dir: string): Promise<void> {
  // Directories cannot be opened for fsync on every platform (Windows): durability there is best effort.
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // ignore: the rename is still atomic, only its durability across power loss is weaker
  } finally {
    await handle?.close();
  }
}

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);

/** A full disk or quota becomes one sentence naming the file and saying that its previous version is intact. */
function explainWriteError(path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === undefined || !DISK_FULL.has(code)) return err;
  const what = code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left on the device';
  return Object.assign(
    new Error(
      `${path}: ${what} (${code}) while writing it; nothing was replaced: the previous ${basename(path)} (if any) is intact. Free some space and run the command again.`,
      { cause: err },
    ),
    { code },
  );
}

/**
 * Writes `chunks` to `path` atomically, creating its directory. On any failure the temporary file is
 * removed, the previous `path` (if any) is untouched, and the error is rethrown. Returns the bytes written.
 */
export async function atomicWriteFile(
  path: string,
  chunks: Uint8Array | string | Iterable<Uint8Array>,
  hooks: AtomicWriteHooks = {},
): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  const handle = await open(tmp, 'wx');
  const writeChunk = hooks.writeChunk ?? writeAll;
  let closed = false;
  let bytes = 0;
  try {
    const parts =
      typeof chunks === 'string'
        ? [new TextEncoder().encode(chunks)]
        : chunks instanceof Uint8Array
          ? [chunks]
          : chunks;
    for (const part of parts) {
      await writeChunk(handle, part);
      bytes += part.byteLength;
    }
    await handle.sync();
    await handle.close();
    closed = true;
    await hooks.beforeCommit?.(tmp, path);
    await rename(tmp, path);
  } catch (err) {
    if (!closed) await handle.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw explainWriteError(path, err);
  }
  await fsyncDir(dirname(path));
  return bytes;
}

/** Removes leftover temporary files of earlier, interrupted writes whose target name satisfies `matches`. */
export async function removeStaleTempFiles(
  dir: string,
  matches: (target: string) => boolean,
): Promise<string[]> {
  const removed: string[] = [];
  for (const file of await readdir(dir)) {
    if (!file.startsWith('.') || !file.endsWith(TMP_SUFFIX)) continue;
    // `.<target>.<pid>.<hex>.tmp` -> target
    const target = file.slice(1, -TMP_SUFFIX.length).replace(/\.\d+\.[0-9a-f]{8}$/, '');
    if (target === file.slice(1, -TMP_SUFFIX.length) || !matches(target)) continue;
    await unlink(join(dir, file)).catch(() => {});
    removed.push(file);
  }
  return removed;
}
