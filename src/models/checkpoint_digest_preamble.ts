// What the checkpoint digest hashes before the data section: the metadata (but the digest itself) and the
// header layout, as one UTF-8 string. Kept apart from the hashing (checkpoint_digest.ts, node:crypto) so a
// browser can verify a checkpoint with WebCrypto over the same bytes (checkpoint_bytes.ts).
import type { SafetensorsEntry } from './safetensors.js';

/** The __metadata__ key holding the hex SHA-256 digest. */
export const CHECKPOINT_DIGEST_KEY = 'batch_shaping.sha256';

/**
 * The JSON of `[metadata entries but the digest, sorted by key, as [key, value]]`, a newline, the JSON of
 * `[[name, dtype, shape, [begin, end]] per entry in data order]` and a newline; the digest is the SHA-256 of
 * this string's UTF-8 bytes followed by the data section.
 */
export function checkpointDigestPreamble(
  metadata: Record<string, string>,
  entries: readonly SafetensorsEntry[],
): string {
  const meta = Object.entries(metadata)
    .filter(([k]) => k !== CHECKPOINT_DIGEST_KEY)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const layout = [...entries]
    .sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0])
    .map((e) => [e.name, e.dtype, e.shape, e.dataOffsets]);
  return `${JSON.stringify(meta)}\n${JSON.stringify(layout)}\n`;
}
