// The integrity digest of a checkpoint: safetensors has no checksum, so a byte flipped inside tensor data loads
// without a word. saveCheckpoint records a SHA-256 in the file's own __metadata__ and loadCheckpoint verifies it.
// It covers everything a flip could silently change: every metadata value but itself, every header entry
// (name, dtype, shape, offsets) and the whole data section. Python can check it the same way (the file's
// metadata key and this recipe are documented in docs/architecture.md).
import { createHash } from 'node:crypto';
import type { SafetensorsEntry } from './safetensors.js';

/** The __metadata__ key holding the hex SHA-256 digest. */
export const CHECKPOINT_DIGEST_KEY = 'batch_shaping.sha256';

/**
 * SHA-256 (hex) of: the UTF-8 JSON of `[metadata entries but the digest, sorted by key, as [key, value]]`,
 * a newline, the JSON of `[[name, dtype, shape, [begin, end]] per entry in data order]`, a newline, then the
 * data section's bytes.
 */
export function checkpointDigest(
  metadata: Record<string, string>,
  entries: readonly SafetensorsEntry[],
  data: Iterable<Uint8Array>,
): string {
  const meta = Object.entries(metadata)
    .filter(([k]) => k !== CHECKPOINT_DIGEST_KEY)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const layout = [...entries]
    .sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0])
    .map((e) => [e.name, e.dtype, e.shape, e.dataOffsets]);
  const hash = createHash('sha256');
  hash.update(`${JSON.stringify(meta)}\n${JSON.stringify(layout)}\n`);
  for (const chunk of data) hash.update(chunk);
  return hash.digest('hex');
}
