// Image galleries of chosen samples (e.g. the cheapest and the most expensive, as Bejnordi et al. 2020,
// figure 6): images become PNG data URLs (sharp), the gallery an HTML fragment with a caption per image,
// self-contained (no files next to it) so it works in a notebook output and in the standalone report.
import { join } from 'node:path';
import sharp from 'sharp';
import { readMeta } from '../data/meta_file.js';
import { layoutOf } from '../data/schema.js';
import { readShard } from '../data/shard_reader.js';

/** One image, uint8 row-major [H, W, C] with C in 1..4. */
export interface SampleImage {
  pixels: Uint8Array;
  shape: [number, number, number];
}

export interface GalleryItem {
  /** Image source: a data URL (imageDataUrl) or any URL. */
  src: string;
  /** Caption lines (plain text; escaped). */
  caption: string[];
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * PNG data URL of an image; `minSide` (default 96) upscales small images (CIFAR's 32x32) with nearest
 * neighbour so pixels stay visible and crisp.
 */
export async function imageDataUrl(image: SampleImage, options: { minSide?: number } = {}): Promise<string> {
  const [H, W, C] = image.shape;
  if (!(Number.isInteger(H) && Number.isInteger(W) && H > 0 && W > 0 && C >= 1 && C <= 4)) {
    throw new Error(
      `imageDataUrl: argument 'image.shape' must be [H, W, C] with C in 1..4; got ${JSON.stringify(image.shape)}`,
    );
  }
  if (image.pixels.length !== H * W * C) {
    throw new Error(
      `imageDataUrl: argument 'image.pixels' must hold ${H * W * C} bytes for [${image.shape}]; got ${image.pixels.length}`,
    );
  }
  const minSide = options.minSide ?? 96;
  const scale = Math.max(1, Math.ceil(minSide / Math.min(H, W)));
  let img = sharp(Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength), {
    raw: { width: W, height: H, channels: C as 1 | 2 | 3 | 4 },
  });
  if (scale > 1) img = img.resize(W * scale, H * scale, { kernel: 'nearest' });
  const png = await img.png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** A titled grid of images with captions, as an HTML fragment (inline styles; no external CSS). */
export function galleryHtml(title: string, items: readonly GalleryItem[]): string {
  const cells = items
    .map(
      (it) =>
        `<figure style="margin:4px;text-align:center;font:11px Helvetica,Arial,sans-serif">` +
        `<img src="${escapeHtml(it.src)}" style="image-rendering:pixelated;max-width:160px;display:block;margin:auto" alt="${escapeHtml(it.caption[0] ?? '')}">` +
        `<figcaption>${it.caption.map(escapeHtml).join('<br>')}</figcaption></figure>`,
    )
    .join('');
  return (
    `<div class="bs-gallery"><h3 style="font:600 14px Helvetica,Arial,sans-serif">${escapeHtml(title)}</h3>` +
    `<div style="display:flex;flex-wrap:wrap">${cells}</div></div>`
  );
}

/** Reads the images of the given sample ids from a prepared dataset's split (all of its shards are scanned). */
export async function loadSampleImages(
  datasetDir: string,
  split: string,
  ids: readonly string[],
): Promise<Map<string, SampleImage>> {
  const meta = await readMeta(datasetDir);
  const s = meta.splits[split];
  if (!s) {
    throw new Error(
      `loadSampleImages: argument 'split' must be one of ${Object.keys(meta.splits).join(', ')}; got ${split}`,
    );
  }
  const wanted = new Set(ids);
  const out = new Map<string, SampleImage>();
  const [H, W, C] = meta.imageShape;
  const size = H * W * C;
  for (const shard of s.shards) {
    if (out.size === wanted.size) break;
    const data = await readShard(join(datasetDir, shard.file), layoutOf(meta));
    data.ids.forEach((id, row) => {
      if (wanted.has(id))
        out.set(id, { pixels: data.images.slice(row * size, (row + 1) * size), shape: [H, W, C] });
    });
  }
  return out;
}
