// Checkpoints: a model's named tensors (weights and buffers), its config, and optionally the optimizer state
// and free-form resume state, in ONE safetensors file, written atomically (src/io/atomic_write.ts).
//
// Layout of `<path>` (any name; `*.safetensors` by convention):
//   tensors           under their own names ('layer1.0.conv1.weight'), NHWC/HWIO as tfjs holds them
//   optimizer state   under 'optimizer/<name>' (absent when not saved): '<param>/momentum_buffer',
//                     '<param>/exp_avg', '<param>/exp_avg_sq' and 'step' (src/train/optimizer.ts)
//   __metadata__      format='tfjs', batch_shaping.version='1', batch_shaping.config=<JSON>,
//                     batch_shaping.extra=<JSON> (when given), batch_shaping.sha256=<hex SHA-256 over the
//                     other metadata, the tensor index and the data section (recipe: checkpoint_digest.ts,
//                     docs/architecture.md section 4.1), verified on load by checkpoint_decode.ts>
// One file rather than a directory because only a single rename is atomic: weights and optimizer state from
// different steps can never be paired after a crash. Python reads it with `safetensors.torch.load_file` (or
// test/fixtures/safetensors/read_safetensors.py) and filters the 'optimizer/' prefix.
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import type * as tf from '@tensorflow/tfjs-core';
import { type AtomicWriteHooks, atomicWriteFile } from '../io/atomic_write.js';
import { checkTensorRecord } from './checkpoint_apply.js';
import {
  checkCheckpointDigest,
  checkCheckpointVersion,
  decodeCheckpoint,
  parseJsonMeta,
} from './checkpoint_decode.js';
import { CHECKPOINT_DIGEST_KEY, checkpointDigest } from './checkpoint_digest.js';
import {
  CHECKPOINT_VERSION,
  META_CONFIG,
  META_EXTRA,
  META_VERSION,
  OPTIMIZER_PREFIX,
} from './checkpoint_keys.js';
import {
  decodeSafetensors,
  encodeSafetensorsChunks,
  parseSafetensorsHeader,
  type SafetensorsDtype,
  toHostTensors,
} from './safetensors.js';

export { CHECKPOINT_VERSION, OPTIMIZER_PREFIX } from './checkpoint_keys.js';

export interface CheckpointData<C = unknown, E = unknown> {
  /** Weights and buffers by name (tf.Variables are fine); float32, int32 or bool. */
  tensors: Record<string, tf.Tensor>;
  /** JSON-serialisable description needed to rebuild the model (e.g. `model.config`). */
  config: C;
  /** Optimizer state to resume training (moments, step counters). */
  optimizer?: Record<string, tf.Tensor>;
  /** JSON-serialisable resume state: epoch, step, RNG state, metrics. */
  extra?: E;
}

/** What loadCheckpoint returns. The caller owns the tensors: call disposeCheckpoint when done. */
export interface LoadedCheckpoint<C = unknown, E = unknown> {
  tensors: Record<string, tf.Tensor>;
  /** The saved config; undefined for a safetensors file not written by saveCheckpoint. */
  config: C;
  optimizer?: Record<string, tf.Tensor>;
  extra?: E;
  /** The raw __metadata__ map. */
  metadata: Record<string, string>;
  /**
   * True when the file's SHA-256 digest (written by saveCheckpoint) matched; false for a file written elsewhere
   * without one (it loads, unverified: see `note`). A mismatch never loads: loadCheckpoint throws.
   */
  verified: boolean;
  /** Set when the file could not be verified: what to tell the user. */
  note?: string;
}

export {
  type ApplyCheckpointOptions,
  type ApplyCheckpointReport,
  applyCheckpoint,
  disposeCheckpoint,
} from './checkpoint_apply.js';

/** Hooks of the atomic writer (tests inject failing chunk writers). */
export type AtomicWriteOptions = AtomicWriteHooks;

/** Writes `chunks` to `path` atomically (temporary file, fsync, rename, fsync of the directory). */
export const writeFileAtomic = atomicWriteFile;

function toJson(fn: string, arg: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new Error(
      `${fn}: argument '${arg}' must be JSON-serialisable; ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (text === undefined) {
    throw new Error(`${fn}: argument '${arg}' must be JSON-serialisable; got ${typeof value}`);
  }
  return text;
}

/**
 * Saves a checkpoint to `path` (one safetensors file; see the file header for its layout), atomically.
 * Tensors are read with `await tensor.data()`; the caller keeps ownership of them.
 */
export async function saveCheckpoint<C, E>(
  path: string,
  data: CheckpointData<C, E>,
  options: AtomicWriteOptions = {},
): Promise<{ path: string; bytes: number }> {
  const fn = 'saveCheckpoint';
  if (typeof path !== 'string' || path === '') {
    throw new Error(`${fn}: argument 'path' must be a non-empty file path; got ${JSON.stringify(path)}`);
  }
  if (data === null || typeof data !== 'object') {
    throw new Error(
      `${fn}: argument 'data' must be {tensors, config, optimizer?, extra?}; got ${String(data)}`,
    );
  }
  const tensors = checkTensorRecord(fn, 'data.tensors', data.tensors);
  const optimizer =
    data.optimizer === undefined ? {} : checkTensorRecord(fn, 'data.optimizer', data.optimizer);
  for (const name of Object.keys(tensors)) {
    if (name.startsWith(OPTIMIZER_PREFIX)) {
      throw new Error(
        `${fn}: tensor name ${JSON.stringify(name)} must not start with '${OPTIMIZER_PREFIX}' (reserved for optimizer state)`,
      );
    }
  }
  const metadata: Record<string, string> = {
    format: 'tfjs',
    [META_VERSION]: CHECKPOINT_VERSION,
    [META_CONFIG]: toJson(fn, 'data.config', data.config),
  };
  if (data.extra !== undefined) metadata[META_EXTRA] = toJson(fn, 'data.extra', data.extra);

  const all: Record<string, tf.Tensor> = { ...tensors };
  for (const [name, t] of Object.entries(optimizer)) all[OPTIMIZER_PREFIX + name] = t;
  const host = await toHostTensors(all);
  // Encode once to learn the layout, digest it with the data, then encode with the digest (no data copies).
  const draft = encodeSafetensorsChunks(host, metadata, path);
  const total = draft.reduce((n, c) => n + c.byteLength, 0);
  const layout = parseSafetensorsHeader(draft[0]!, total, path);
  metadata[CHECKPOINT_DIGEST_KEY] = await checkpointDigest(
    layout.metadata,
    layout.entries,
    draft.slice(1),
    nodeSha256,
  );
  const chunks = encodeSafetensorsChunks(host, metadata, path);
  try {
    const bytes = await writeFileAtomic(path, chunks, options);
    return { path, bytes };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const code = (err as NodeJS.ErrnoException | null)?.code;
    // The atomic writer already says that a full disk left the previous file intact.
    if (code === 'ENOSPC' || code === 'EDQUOT') throw new Error(`${fn}: ${why}`, { cause: err });
    throw new Error(`${fn}: writing ${path} failed (${why}); any previous file at that path is untouched`, {
      cause: err,
    });
  }
}

/** SHA-256 of the concatenated parts with node:crypto (the browser path uses crypto.subtle). */
function nodeSha256(parts: Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/**
 * Loads a checkpoint written by saveCheckpoint (or any safetensors file: then `config` is undefined and all
 * tensors are model tensors). Validates the whole file, and its digest, before making any tensor. The caller
 * owns the returned tensors (disposeCheckpoint). The file is read whole: up to 2 GiB (Node's readFile limit),
 * far above our largest model with its optimizer state (ResNet-50: about 200 MB).
 */
export async function loadCheckpoint<C = unknown, E = unknown>(
  path: string,
): Promise<LoadedCheckpoint<C, E>> {
  if (typeof path !== 'string' || path === '') {
    throw new Error(
      `loadCheckpoint: argument 'path' must be a non-empty file path; got ${JSON.stringify(path)}`,
    );
  }
  return decodeCheckpoint<C, E>(await readFile(path), path, {
    fn: 'loadCheckpoint',
    sha256: nodeSha256,
    optimizer: true,
  });
}

/**
 * Checks a checkpoint file's integrity without making tensors (no backend needed): the header parses and the
 * recorded digest matches. Returns 'verified', or 'no-digest' for a file written elsewhere; throws naming the
 * file when it is damaged.
 */
export async function verifyCheckpointFile(path: string): Promise<'verified' | 'no-digest'> {
  const bytes = await readFile(path);
  const { header } = decodeSafetensors(bytes, path);
  checkCheckpointVersion('loadCheckpoint', path, header.metadata);
  const verified = await checkCheckpointDigest('loadCheckpoint', path, bytes, header, nodeSha256);
  return verified ? 'verified' : 'no-digest';
}

export interface CheckpointTensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
}

/** What a checkpoint holds, from its header alone (no tensor data is read). */
export interface CheckpointInfo<C = unknown, E = unknown> {
  config: C;
  extra?: E;
  metadata: Record<string, string>;
  tensors: CheckpointTensorInfo[];
  optimizer: CheckpointTensorInfo[];
  bytes: number;
}

/** Reads a checkpoint's header only: config, extra, tensor names/dtypes/shapes; validates all offsets. */
export async function readCheckpointInfo<C = unknown, E = unknown>(
  path: string,
): Promise<CheckpointInfo<C, E>> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const lengthField = new Uint8Array(8);
    await handle.read(lengthField, 0, Math.min(8, size), 0);
    // Read only as much as the file holds; parseSafetensorsHeader reports a length field past the end.
    const headerLength = Number(new DataView(lengthField.buffer).getBigUint64(0, true));
    const prefixLength = Math.min(size, 8 + Math.min(headerLength, 100_000_000));
    const prefix = new Uint8Array(prefixLength);
    if (prefixLength > 0) await handle.read(prefix, 0, prefixLength, 0);
    const header = parseSafetensorsHeader(prefix, size, path);
    checkCheckpointVersion('loadCheckpoint', path, header.metadata);
    const entries = header.entries.map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape }));
    const model = entries.filter((e) => !e.name.startsWith(OPTIMIZER_PREFIX));
    const optimizer = entries
      .filter((e) => e.name.startsWith(OPTIMIZER_PREFIX))
      .map((e) => ({ ...e, name: e.name.slice(OPTIMIZER_PREFIX.length) }));
    const info: CheckpointInfo<C, E> = {
      config: parseJsonMeta('loadCheckpoint', path, META_CONFIG, header.metadata[META_CONFIG]) as C,
      metadata: header.metadata,
      tensors: model,
      optimizer,
      bytes: size,
    };
    const extra = parseJsonMeta('loadCheckpoint', path, META_EXTRA, header.metadata[META_EXTRA]);
    if (extra !== undefined) info.extra = extra as E;
    return info;
  } finally {
    await handle.close();
  }
}
