// Streams the regular files of a tar (or .tar.gz) archive as whole buffers, one at a time, using
// node-tar's Parser. Pull-based (an async generator): the next chunk of the archive is read only when
// the consumer asks for the next entry, so a 140 GB ImageNet train tar never sits in memory, and
// nested tars (ImageNet's tar of per-class tars) are read by calling this again on an entry's buffer.
// Strict: a truncated archive, a bad header checksum, a corrupt gzip stream, or a missing
// end-of-archive marker is a PrepareError naming the archive.

import { createReadStream } from 'node:fs';
import { Parser, type ReadEntry } from 'tar';
import { checkMemberPath, checkMemberSize } from './archive_member.js';
import { errorMessage, PrepareError } from './prepare_error.js';

export interface TarFileEntry {
  /** Member path as stored in the archive (e.g. `n01440764.tar`, `data/meta.mat`). */
  path: string;
  data: Buffer;
}

export interface TarReadOptions {
  /** Name used in errors (defaults to the path when reading a file). */
  label?: string;
  /** Returns false for members to skip without buffering them. */
  filter?: (path: string) => boolean;
}

const CHUNK = 1 << 20;

async function* chunksOf(source: string | Uint8Array): AsyncGenerator<Buffer> {
  if (typeof source === 'string') {
    for await (const chunk of createReadStream(source, { highWaterMark: CHUNK })) yield chunk as Buffer;
  } else {
    const buf = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, Math.min(buf.length, i + CHUNK));
  }
}

/** Yields every regular file of the archive, in archive order. */
export async function* readTarEntries(
  source: string | Uint8Array,
  options: TarReadOptions = {},
): AsyncGenerator<TarFileEntry> {
  const label = options.label ?? (typeof source === 'string' ? source : '<tar buffer>');
  const filter = options.filter ?? (() => true);
  const ready: TarFileEntry[] = [];
  let failure: unknown;
  let sawEof = false;
  const parser = new Parser({ strict: true });
  parser.on('error', (err: unknown) => {
    failure ??= err;
  });
  parser.on('eof', () => {
    sawEof = true;
  });
  parser.on('entry', (entry: ReadEntry) => {
    try {
      checkMemberPath(label, entry.path);
      checkMemberSize(label, entry.path, entry.size);
    } catch (err) {
      failure ??= err;
      entry.resume();
      return;
    }
    const isFile = entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile';
    if (!isFile || !filter(entry.path)) {
      entry.resume();
      return;
    }
    const parts: Buffer[] = [];
    const path = entry.path;
    const size = entry.size;
    entry.on('data', (chunk: Buffer) => parts.push(chunk));
    entry.on('end', () => {
      const data = Buffer.concat(parts);
      // node-tar pads a truncated last member; the size check catches what it lets through.
      if (data.length !== size) failure ??= new Error(`member ${path} has ${data.length} of ${size} bytes`);
      else ready.push({ path, data });
    });
  });
  const fail = (err: unknown): PrepareError =>
    new PrepareError(label, `truncated or corrupt tar archive (${errorMessage(err)})`, { cause: err });

  try {
    for await (const chunk of chunksOf(source)) {
      parser.write(chunk);
      if (failure !== undefined) throw fail(failure);
      while (ready.length > 0) yield ready.shift()!;
    }
  } catch (err) {
    if (err instanceof PrepareError) throw err;
    throw new PrepareError(label, `cannot read tar archive (${errorMessage(err)})`, { cause: err });
  }
  parser.end();
  if (failure !== undefined) throw fail(failure);
  // Entries completed by end() are only trusted once the archive is known to be whole.
  if (!sawEof) throw fail(new Error('no end-of-archive marker'));
  while (ready.length > 0) yield ready.shift()!;
}
