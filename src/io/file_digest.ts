// Hex digests of files and byte arrays (streamed for files: a 190 GB dataset is never read whole). One place for
// the hashing that dataset preparation (official MD5s), shards (SHA-256 in meta.json) and `verify` share.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Hex digest (`sha256`, `md5`) of a file, streamed in 1 MiB chunks. */
export async function digestOfFile(path: string, algorithm: 'sha256' | 'md5' = 'sha256'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Hex SHA-256 of bytes already in memory. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
