// Downloads an official raw file with its published MD5: fetched to `<dest>.part`, checked, then
// renamed, so a partial or corrupt download never sits under the final name. An existing file with the
// right checksum is kept (re-running `--download` does not fetch again).

import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ProgressFactory } from '../../io/progress.js';
import { md5OfFile } from './checksum.js';
import { errorMessage, PrepareError } from './prepare_error.js';

export interface DownloadOptions {
  /** Expected MD5 (hex); null skips the check (tests against a local server). */
  md5: string | null;
  progress?: ProgressFactory;
}

export async function downloadFile(url: string, dest: string, options: DownloadOptions): Promise<void> {
  if (existsSync(dest) && options.md5 !== null && (await md5OfFile(dest)) === options.md5) return;
  await mkdir(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new PrepareError(url, `download failed (${errorMessage(err)})`, { cause: err });
  }
  if (!response.ok || response.body === null) {
    throw new PrepareError(url, `download failed: HTTP ${response.status} ${response.statusText}`);
  }
  const total = Number(response.headers.get('content-length') ?? 0);
  const shown = options.progress?.(`download ${url.split('/').pop()}`, total > 0 ? total : undefined);
  let bytes = 0;
  try {
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      shown?.update(bytes);
    });
    await pipeline(body, createWriteStream(part));
    if (options.md5 !== null) {
      const actual = await md5OfFile(part);
      if (actual !== options.md5) {
        throw new PrepareError(url, `checksum mismatch: expected MD5 ${options.md5}, got ${actual}`);
      }
    }
    await rename(part, dest);
  } catch (err) {
    await unlink(part).catch(() => {});
    if (err instanceof PrepareError) throw err;
    throw new PrepareError(url, `download failed (${errorMessage(err)})`, { cause: err });
  } finally {
    shown?.finish();
  }
}
