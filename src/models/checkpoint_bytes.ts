// A checkpoint from bytes already in memory (a fetch() in a browser, a file a user dropped in), verified with
// WebCrypto (crypto.subtle, in browsers, Node >= 20 and Deno) instead of node:crypto, and the model rebuilt
// from it. Nothing here touches the file system, so the site's gate explorer bundles it for the browser; Node
// code keeps using loadCheckpoint / loadTrainedModel, which read files. Optimizer state is not loaded: this
// path is for inference.
import type { LoadedCheckpoint } from './checkpoint.js';
import { decodeCheckpoint } from './checkpoint_decode.js';
import { modelFromLoadedCheckpoint } from './model_from_checkpoint.js';
import type { GatedModel, ModelConfig } from './model_types.js';

/** Hex SHA-256 of the concatenated parts with WebCrypto. */
async function webSha256(parts: Uint8Array[]): Promise<string> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.byteLength;
  }
  const digest = await globalThis.crypto.subtle.digest('SHA-256', all);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
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
  if (!(bytes instanceof Uint8Array)) {
    throw new Error(`loadCheckpointBytes: argument 'bytes' must be a Uint8Array; got ${typeof bytes}`);
  }
  return decodeCheckpoint<C, E>(bytes, source, {
    fn: 'loadCheckpointBytes',
    sha256: webSha256,
    optimizer: false,
  });
}

/**
 * The model saved in a checkpoint's bytes, ready for inference (the browser's loadTrainedModel): rebuilt from
 * the config stored in the file, weights and BatchNorm statistics assigned. The caller disposes the model.
 */
export async function modelFromCheckpointBytes(
  bytes: Uint8Array,
  source: string,
): Promise<{ model: GatedModel; verified: boolean; note?: string }> {
  const loaded = await loadCheckpointBytes<ModelConfig | undefined>(bytes, source);
  const { verified, note } = loaded;
  const model = modelFromLoadedCheckpoint('modelFromCheckpointBytes', source, loaded);
  return note === undefined ? { model, verified } : { model, verified, note };
}
