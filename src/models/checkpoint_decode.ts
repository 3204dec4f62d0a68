// A checkpoint's bytes turned into tensors, the one decoder behind loadCheckpoint (Node, file on disk, node:crypto)
// and loadCheckpointBytes (browser, bytes in memory, WebCrypto): the caller supplies the SHA-256 function, so this
// file imports nothing from Node. It checks the layout version and the recorded digest before making any tensor.
import type * as tf from '@tensorflow/tfjs-core';
import type { LoadedCheckpoint } from './checkpoint.js';
import { CHECKPOINT_DIGEST_KEY, checkpointDigest, type Sha256 } from './checkpoint_digest.js';
import {
  CHECKPOINT_VERSION,
  META_CONFIG,
  META_EXTRA,
  META_VERSION,
  OPTIMIZER_PREFIX,
} from './checkpoint_keys.js';
import {
  decodeSafetensors,
  fromHostTensors,
  type HostTensor,
  type SafetensorsHeader,
} from './safetensors.js';

export interface DecodeCheckpointOptions {
  /** The public function's name, which starts every error message. */
  fn: string;
  sha256: Sha256;
  /** Also make the optimizer-state tensors (training resumes); inference skips them. */
  optimizer: boolean;
}

export function parseJsonMeta(fn: string, source: string, key: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(
      `${fn}: ${source}: __metadata__[${JSON.stringify(key)}] is not valid JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

/** Throws unless the file's layout version (when it records one) is the one this library reads. */
export function checkCheckpointVersion(fn: string, source: string, metadata: Record<string, string>): void {
  const version = metadata[META_VERSION];
  if (version !== undefined && version !== CHECKPOINT_VERSION) {
    throw new Error(
      `${fn}: ${source}: checkpoint layout version ${JSON.stringify(version)} is not supported; expected ${JSON.stringify(CHECKPOINT_VERSION)}`,
    );
  }
}

/**
 * Checks the digest recorded in the file against its contents: false when there is none (a file written by
 * another tool), true when it matches; throws naming the file when it does not.
 */
export async function checkCheckpointDigest(
  fn: string,
  source: string,
  bytes: Uint8Array,
  header: SafetensorsHeader,
  sha256: Sha256,
): Promise<boolean> {
  const recorded = header.metadata[CHECKPOINT_DIGEST_KEY];
  if (recorded === undefined) return false;
  const actual = await checkpointDigest(
    header.metadata,
    header.entries,
    [bytes.subarray(header.dataStart)],
    sha256,
  );
  if (actual !== recorded) {
    throw new Error(
      `${fn}: ${source} is damaged: its contents do not match the SHA-256 digest recorded when it was written ` +
        `(recorded ${recorded.slice(0, 12)}..., now ${actual.slice(0, 12)}...). Nothing was loaded; restore the file ` +
        'from a copy, or train again.',
    );
  }
  return true;
}

function splitOptimizer<T>(all: Record<string, T>): {
  model: Record<string, T>;
  optimizer: Record<string, T>;
} {
  const model: Record<string, T> = {};
  const optimizer: Record<string, T> = {};
  // defineProperty: plain assignment would treat a tensor named "__proto__" as a prototype change.
  const put = (record: Record<string, T>, key: string, value: T) =>
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  for (const [name, value] of Object.entries(all)) {
    if (name.startsWith(OPTIMIZER_PREFIX)) put(optimizer, name.slice(OPTIMIZER_PREFIX.length), value);
    else put(model, name, value);
  }
  return { model, optimizer };
}

/**
 * Decodes a whole checkpoint (or any safetensors file: then `config` is undefined and all tensors are model
 * tensors). Validates the file and its digest before making any tensor; the caller owns the tensors.
 */
export async function decodeCheckpoint<C = unknown, E = unknown>(
  bytes: Uint8Array,
  source: string,
  options: DecodeCheckpointOptions,
): Promise<LoadedCheckpoint<C, E>> {
  const { fn } = options;
  const { tensors: host, metadata, header } = decodeSafetensors(bytes, source);
  checkCheckpointVersion(fn, source, metadata);
  const verified = await checkCheckpointDigest(fn, source, bytes, header, options.sha256);
  const config = parseJsonMeta(fn, source, META_CONFIG, metadata[META_CONFIG]) as C;
  const extra = parseJsonMeta(fn, source, META_EXTRA, metadata[META_EXTRA]) as E | undefined;
  const { model, optimizer } = splitOptimizer<HostTensor>(host);
  const tensors = fromHostTensors(model, source);
  let optimizerTensors: Record<string, tf.Tensor> | undefined;
  if (options.optimizer && Object.keys(optimizer).length > 0) {
    try {
      optimizerTensors = fromHostTensors(optimizer, source);
    } catch (err) {
      for (const t of Object.values(tensors)) t.dispose();
      throw err;
    }
  }
  const loaded: LoadedCheckpoint<C, E> = { tensors, config, metadata, verified };
  if (!verified) {
    loaded.note = `${source} carries no integrity digest (not written by batch-shaping): loaded unverified`;
  }
  if (optimizerTensors !== undefined) loaded.optimizer = optimizerTensors;
  if (extra !== undefined) loaded.extra = extra;
  return loaded;
}
