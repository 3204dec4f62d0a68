// A checkpoint from bytes already in memory (a fetch() in a browser, a file a user dropped in), verified with
// WebCrypto (crypto.subtle, in browsers, Node >= 20 and Deno) instead of node:crypto, and the model rebuilt
// from it. Nothing here touches the file system, so the site's gate explorer bundles it for the browser; Node
// code keeps using loadCheckpoint / loadTrainedModel, which read files. Optimizer state is not loaded: this
// path is for inference.
import type * as tf from '@tensorflow/tfjs-core';
import type { LoadedCheckpoint } from './checkpoint.js';
import { applyCheckpoint, disposeCheckpoint } from './checkpoint_apply.js';
import { CHECKPOINT_DIGEST_KEY, checkpointDigestPreamble } from './checkpoint_digest_preamble.js';
import {
  CHECKPOINT_VERSION,
  META_CONFIG,
  META_EXTRA,
  META_VERSION,
  OPTIMIZER_PREFIX,
} from './checkpoint_keys.js';
import type { GatedModel, ModelConfig } from './model_types.js';
import { createModelFromConfig } from './registry.js';
import { decodeSafetensors, fromHostTensors, type HostTensor } from './safetensors.js';

function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

function jsonMeta(source: string, key: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(
      `loadCheckpointBytes: ${source}: __metadata__[${JSON.stringify(key)}] is not valid JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

/**
 * Loads a checkpoint written by saveCheckpoint from its bytes; `source` names it in errors (a URL, a file
 * name). The digest is checked as loadCheckpoint checks it: a mismatch throws, a file without one loads with
 * `verified: false` and a `note`. Optimizer tensors are skipped. The caller owns the tensors.
 */
export async function loadCheckpointBytes<C = unknown, E = unknown>(
  bytes: Uint8Array,
  source: string,
): Promise<LoadedCheckpoint<C, E>> {
  const fn = 'loadCheckpointBytes';
  if (!(bytes instanceof Uint8Array)) {
    throw new Error(`${fn}: argument 'bytes' must be a Uint8Array; got ${typeof bytes}`);
  }
  const { tensors: host, metadata, header } = decodeSafetensors(bytes, source);
  const version = metadata[META_VERSION];
  if (version !== undefined && version !== CHECKPOINT_VERSION) {
    throw new Error(
      `${fn}: ${source}: checkpoint layout version ${JSON.stringify(version)} is not supported; expected ${JSON.stringify(CHECKPOINT_VERSION)}`,
    );
  }
  const recorded = metadata[CHECKPOINT_DIGEST_KEY];
  if (recorded !== undefined) {
    const preamble = new TextEncoder().encode(checkpointDigestPreamble(metadata, header.entries));
    const data = bytes.subarray(header.dataStart);
    const all = new Uint8Array(preamble.byteLength + data.byteLength);
    all.set(preamble, 0);
    all.set(data, preamble.byteLength);
    const actual = hex(await globalThis.crypto.subtle.digest('SHA-256', all));
    if (actual !== recorded) {
      throw new Error(
        `${fn}: ${source} is damaged: its contents do not match the SHA-256 digest recorded when it was written ` +
          `(recorded ${recorded.slice(0, 12)}..., now ${actual.slice(0, 12)}...). Nothing was loaded.`,
      );
    }
  }
  const model: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(host)) {
    if (!name.startsWith(OPTIMIZER_PREFIX)) {
      Object.defineProperty(model, name, { value: t, enumerable: true, writable: true, configurable: true });
    }
  }
  const loaded: LoadedCheckpoint<C, E> = {
    tensors: fromHostTensors(model, source) as Record<string, tf.Tensor>,
    config: jsonMeta(source, META_CONFIG, metadata[META_CONFIG]) as C,
    metadata,
    verified: recorded !== undefined,
  };
  const extra = jsonMeta(source, META_EXTRA, metadata[META_EXTRA]);
  if (extra !== undefined) loaded.extra = extra as E;
  if (recorded === undefined) {
    loaded.note = `${source} carries no integrity digest (not written by batch-shaping): loaded unverified`;
  }
  return loaded;
}

/**
 * The model saved in a checkpoint's bytes, ready for inference (the browser's loadTrainedModel): rebuilt from
 * the config stored in the file, weights and BatchNorm statistics assigned. The caller disposes the model.
 */
export async function modelFromCheckpointBytes(
  bytes: Uint8Array,
  source: string,
): Promise<{ model: GatedModel; verified: boolean; note?: string }> {
  const loaded = await loadCheckpointBytes<ModelConfig>(bytes, source);
  let model: GatedModel | undefined;
  try {
    if (loaded.config === undefined) {
      throw new Error('holds no model config (a safetensors file not written by batch-shaping)');
    }
    model = createModelFromConfig(loaded.config);
    applyCheckpoint({ ...model.namedWeights(), ...model.namedBuffers() }, loaded);
  } catch (err) {
    model?.dispose();
    throw new Error(
      `modelFromCheckpointBytes: ${source}: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  } finally {
    disposeCheckpoint(loaded);
  }
  return loaded.note === undefined
    ? { model, verified: loaded.verified }
    : { model, verified: loaded.verified, note: loaded.note };
}
