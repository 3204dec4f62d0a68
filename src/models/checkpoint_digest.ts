// The integrity digest of a checkpoint: safetensors has no checksum, so a byte flipped inside tensor data loads
// without a word. saveCheckpoint records a SHA-256 in the file's own __metadata__ and the loaders verify it.
// It covers everything a flip could silently change: every metadata value but itself, every header entry
// (name, dtype, shape, offsets) and the whole data section. The hash function is the caller's (node:crypto in
// Node, crypto.subtle in a browser), so this file imports nothing from Node. Python checks it the same way
// (python/batch_shaping_torch/safetensors_io.py; the recipe is in docs/architecture.md, section 4.1).
import type { SafetensorsEntry } from './safetensors.js';

/** The __metadata__ key holding the hex SHA-256 digest. */
export const CHECKPOINT_DIGEST_KEY = 'batch_shaping.sha256';

/** Hex SHA-256 of the concatenation of `parts`. */
export type Sha256 = (parts: Uint8Array[]) => string | Promise<string>;

/**
 * The JSON of `[metadata entries but the digest, sorted by key, as [key, value]]`, a newline, the JSON of
 * `[[name, dtype, shape, [begin, end]] per entry in data order]` and a newline: what is hashed before the data.
 */
function digestPreamble(metadata: Record<string, string>, entries: readonly SafetensorsEntry[]): string {
  const meta = Object.entries(metadata)
    .filter(([k]) => k !== CHECKPOINT_DIGEST_KEY)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const layout = [...entries]
    .sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0])
    .map((e) => [e.name, e.dtype, e.shape, e.dataOffsets]);
  return `${JSON.stringify(meta)}\n${JSON.stringify(layout)}\n`;
}

/** The digest: SHA-256 of the preamble's UTF-8 bytes followed by the data section (`data`, in order). */
export function checkpointDigest(
  metadata: Record<string, string>,
  entries: readonly SafetensorsEntry[],
  data: Uint8Array[],
  sha256: Sha256,
): string | Promise<string> {
  return sha256([new TextEncoder().encode(digestPreamble(metadata, entries)), ...data]);
}
