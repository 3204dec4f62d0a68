// Image decode + resize jobs for dataset preparation, on sharp (libvips). Pure functions of bytes in,
// pixels out, so they run the same inline or inside a worker thread (image_pool.ts).
//
// Classification (ImageNet, Imagenette): resize the shorter side to `size`, then centre-crop a
// `size x size` square (sharp's `fit: 'cover'`). Shards need one fixed shape per dataset, and a square
// centre crop of the shorter-side resize is what torchvision's eval transform (Resize + CenterCrop)
// sees; training-time random-resized crops are then taken inside that square (a documented difference
// from torchvision, which crops from the full image). EXIF orientation is ignored, as PIL does.
// Segmentation (Cityscapes): image resized to exactly `height x width` (Lanczos-3 by
// libvips default, the antialiasing choice for downscaling), mask resized with nearest neighbour so no label is invented at class borders.

import sharp, { type OutputInfo, type Sharp } from 'sharp';

/** Pixels of one decoded image, HWC uint8. */
export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

// `truncated` rejects truncated files but accepts libjpeg's "extraneous bytes before marker" warning,
// which a handful of genuine ImageNet train JPEGs trigger.
const DECODE = { failOn: 'truncated' as const };

async function toRgb(pipeline: Sharp): Promise<Pixels> {
  const { data, info } = await pipeline
    .toColourspace('srgb') // grey and CMYK JPEGs (both occur in ImageNet) -> 3 channels
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), ...info };
}

/** Decodes any sharp-readable image, resizes its shorter side to `size` and centre-crops size x size. */
export async function decodeSquare(bytes: Uint8Array, size: number): Promise<Pixels> {
  return toRgb(
    sharp(bytes, DECODE).resize(size, size, { fit: 'cover', position: 'centre', kernel: 'lanczos3' }),
  );
}

/** Dimensions of an image without decoding its pixels. */
export async function imageSize(bytes: Uint8Array): Promise<{ width: number; height: number }> {
  const m = await sharp(bytes, DECODE).metadata();
  return { width: m.width ?? 0, height: m.height ?? 0 };
}

export interface SegmentationPair {
  /** [height, width, 3] uint8. */
  image: Uint8Array;
  /** [height, width] uint8 after `lut` and nearest-neighbour resize. */
  mask: Uint8Array;
}

/**
 * Decodes an RGB image and its single-channel label PNG, checks they have the same size, maps mask values
 * through `lut` (256 entries, e.g. Cityscapes labelId -> trainId with 255 = ignore), and resizes both to
 * height x width. Throws `image/mask size mismatch` or a decode error; the caller adds the file names.
 */
export async function decodeSegmentationPair(
  imageBytes: Uint8Array,
  maskBytes: Uint8Array,
  height: number,
  width: number,
  lut: Uint8Array,
): Promise<SegmentationPair> {
  if (lut.length !== 256)
    throw new Error(`lut: expected 256 entries (one per uint8 value), got ${lut.length}`);
  let image: Pixels;
  try {
    const src = sharp(imageBytes, DECODE);
    const meta = await src.metadata();
    image = await toRgb(src.resize(width, height, { fit: 'fill' }));
    image.width = meta.width ?? 0;
    image.height = meta.height ?? 0;
  } catch (err) {
    throw new Error(`image: ${err instanceof Error ? err.message : err}`);
  }
  let raw: { data: Buffer; info: OutputInfo };
  try {
    const src = sharp(maskBytes, DECODE);
    const meta = await src.metadata();
    // labelIds PNGs are 8-bit greyscale; anything else (colour-coded *_color.png, 16-bit) is the wrong file.
    if ((meta.channels ?? 0) > 2 || meta.depth !== 'uchar') {
      throw new Error(
        `expected an 8-bit single-channel label PNG, got ${meta.channels} channel(s) of ${meta.depth}`,
      );
    }
    // extractChannel: raw output would otherwise be converted to 3-channel sRGB.
    raw = await src.extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new Error(`mask: ${err instanceof Error ? err.message : err}`);
  }
  const { info } = raw;
  if (info.width !== image.width || info.height !== image.height) {
    throw new Error(
      `image/mask size mismatch: image ${image.width}x${image.height}, mask ${info.width}x${info.height}`,
    );
  }
  const n = info.width * info.height;
  const mapped = Buffer.allocUnsafe(n);
  for (let p = 0; p < n; p++) mapped[p] = lut[raw.data[p]!]!;
  const resized =
    info.width === width && info.height === height
      ? mapped
      : await sharp(mapped, { raw: { width: info.width, height: info.height, channels: 1 } })
          .resize(width, height, { fit: 'fill', kernel: 'nearest' })
          .extractChannel(0) // keep one band (raw output would be sRGB)
          .raw()
          .toBuffer();
  if (resized.length !== width * height)
    throw new Error(`mask: resized to ${resized.length} bytes, expected ${width * height}`);
  return { image: image.data, mask: new Uint8Array(resized.buffer, resized.byteOffset, resized.byteLength) };
}
