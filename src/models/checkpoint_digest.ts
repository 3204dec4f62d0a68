// The integrity digest of a checkpoint: safetensors has no checksum, so a byte flipped inside tensor data loads
// without a word. saveCheckpoint records a SHA-256 in the file's own __metadata__ and loadCheckpoint verifies it.
// It covers everything a flip could silently change: every metadata value but itself, every header entry
// (name, dtype, shape, offsets) and the whole data section. Python can check it the same way (the file's
// metadata key and this recipe are documented in docs/architecture.md).
import { createHash } from 'node:crypto';
import { checkpointDigestPreamble } from './checkpoint_digest_preamble.js';
import type { SafetensorsEntry } from './safetensors.js';

export { CHECKPOINT_DIGEST_KEY } from './checkpoint_digest_preamble.js';

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
  const hash = createHash('sha256');
  hash.update(checkpointDigestPreamble(metadata, entries));
  for (const chunk of data) hash.update(chunk);
  return hash.digest('hex');
}
