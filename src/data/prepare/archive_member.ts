// What an archive member (tar or zip) must look like before its name or bytes are used: a relative path that
// stays inside the archive, and a size that fits in memory. Nothing is extracted to disk, but member names
// become record ids and file matches, and a hostile archive (absolute paths, `..`, a header claiming terabytes)
// is not an official dataset archive: it is refused before any allocation.
import { PrepareError } from './prepare_error.js';

/** Largest member read into memory (the biggest official members, ImageNet's per-class tars, are ~150 MB). */
const MAX_MEMBER_BYTES = 2 ** 31 - 1;

/** Largest output of decompressing one gzip/zlib stream (IDX files, MAT elements). */
export const MAX_INFLATED_BYTES = 2 ** 31 - 1;

/** Throws a PrepareError naming `archive` unless `path` is a relative path without `..` components. */
export function checkMemberPath(archive: string, path: string): void {
  const unsafe =
    path.startsWith('/') ||
    path.startsWith('\\') ||
    /^[A-Za-z]:/.test(path) ||
    path.split(/[\\/]/).includes('..') ||
    path.includes('\0');
  if (unsafe) {
    throw new PrepareError(
      archive,
      `member ${JSON.stringify(path)} has an absolute path or a '..' component; refused (not an official dataset archive)`,
    );
  }
}

/** Throws a PrepareError naming `archive` when a member claims more bytes than can be read into memory. */
export function checkMemberSize(archive: string, path: string, size: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_MEMBER_BYTES) {
    throw new PrepareError(
      archive,
      `member ${JSON.stringify(path)} claims ${size} bytes; expected at most ${MAX_MEMBER_BYTES} (damaged or hostile archive)`,
    );
  }
}
