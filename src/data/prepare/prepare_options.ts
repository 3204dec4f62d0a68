// Options shared by every dataset's prepare function, and the steps they all take (output folder,
// stale meta.json, shard size). Each dataset file documents its own extra options.

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProgressFactory } from '../../io/progress.js';
import { createProgress, type ProgressMode } from '../../io/progress_mode.js';

export interface PrepareOptions {
  /** Raw files: a folder or an archive, as each dataset documents. */
  source?: string;
  /** Output dataset folder (created). */
  out: string;
  /** Fetch the official files into `source` (or `<out>/raw`) first. */
  download?: boolean;
  /** Records per shard; default targets ~128 MiB shards (at most 10 000 records). */
  shardSize?: number;
  /** Progress display; 'quiet' for tests. */
  progress?: ProgressMode | ProgressFactory;
  /** Image worker threads (0 = inline). Default min(4, cores). */
  workers?: number;
  /**
   * Expected MD5 per official file name, overriding the published table; `null` skips that check.
   * For fixtures and mirrors that re-compress files; the official values are the default.
   */
  md5?: Record<string, string | null>;
  /** Skip every MD5 check (mirrors that re-compress the official files). */
  skipChecksum?: boolean;
  /** Base URL replacing the official download location (mirrors, tests). */
  baseUrl?: string;
}

export interface PrepareResult {
  out: string;
  /** Split -> number of records. */
  counts: Record<string, number>;
  /** Split -> shard indices reused from an earlier run. */
  reused: Record<string, number[]>;
}

/** The MD5 to enforce for official file `file`: options.md5 override, else `official`; null = no check. */
export function expectedMd5(options: PrepareOptions, file: string, official: string | null): string | null {
  if (options.skipChecksum) return null;
  const override = options.md5?.[file];
  return override !== undefined ? override : official;
}

const TARGET_SHARD_BYTES = 128 * 1024 * 1024;

/** Records per shard so that a shard is about 128 MiB, clamped to [1, 10 000]. */
export function defaultShardSize(recordBytes: number): number {
  return Math.max(1, Math.min(10_000, Math.floor(TARGET_SHARD_BYTES / recordBytes)));
}

export function resolveProgress(p: PrepareOptions['progress']): ProgressFactory {
  return typeof p === 'function' ? p : createProgress(p ?? 'auto');
}

/**
 * Creates `out` and removes its meta.json: a folder with a meta.json is complete, so while a run is
 * under way (or after it failed) there is none. Shards stay: the writer reuses the complete ones.
 */
export async function beginOutput(out: string): Promise<void> {
  await mkdir(out, { recursive: true });
  await rm(join(out, 'meta.json'), { force: true });
}

export function checkShardSize(fn: string, shardSize: number | undefined): void {
  if (shardSize !== undefined && (!Number.isInteger(shardSize) || shardSize < 1)) {
    throw new Error(`${fn}: options.shardSize: expected a positive integer, got ${shardSize}`);
  }
}
