// MD5 checksums of raw dataset files. The official distributions (Fashion-MNIST, CIFAR-10) publish
// MD5s, so that is what we verify; a mismatch stops preparation before any shard is written.

import { digestOfFile } from '../../io/file_digest.js';
import { PrepareError } from './prepare_error.js';

/** Hex MD5 of a file, streamed (the CIFAR tarball is 160 MB; never read it whole). */
export function md5OfFile(path: string): Promise<string> {
  return digestOfFile(path, 'md5');
}

/**
 * Throws a PrepareError naming `path` when its MD5 differs from `expected`.
 * `expected === null` skips the check (fixtures in tests, or a user-built archive); callers decide.
 */
export async function verifyMd5(path: string, expected: string | null): Promise<void> {
  if (expected === null) return;
  const actual = await md5OfFile(path);
  if (actual !== expected.toLowerCase()) {
    throw new PrepareError(
      path,
      `checksum mismatch: expected MD5 ${expected}, got ${actual} (corrupt or incomplete download?)`,
    );
  }
}

/** Hex SHA-256 of a file (what meta.json's `sources` records), streamed. */
export function sha256OfFile(path: string): Promise<string> {
  return digestOfFile(path, 'sha256');
}
