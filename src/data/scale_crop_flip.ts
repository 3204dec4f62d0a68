// Cityscapes training augmentation (PSPNet-style, the segmentation setting of the batch-shaping paper):
// random scale in [0.5, 2], random crop of the output size (padding with 0 / ignore=255 where the scaled
// image is smaller than the crop), mirror with p = 0.5 — one geometry applied to image (bilinear) and
// mask (nearest), fused into a single resampling pass per sample. PSPNet also rotates by +-10 degrees
// and blurs; we leave those out, as most Cityscapes recipes (mmseg, DeepLab) do.
import { resampleSample } from './resample_region.js';
import {
  checkMaskShape,
  checkSizeOption,
  type Normalization,
  normalizationCoefficients,
  type SampleInput,
  type SampleOutput,
  type SampleTransform,
} from './sample_transform.js';
import type { ImageShape } from './schema.js';
import type { SeededRandom } from './seeded_random.js';

export interface ScaleCropFlipOptions {
  /** Output crop [h, w] (e.g. [256, 512]). */
  size: [number, number];
  /** Range of the resize factor (default [0.5, 2]). */
  scale?: [number, number];
  flipProb?: number;
  normalization?: Normalization;
}

export function scaleCropFlip(options: ScaleCropFlipOptions): SampleTransform {
  const { size } = options;
  const scale = options.scale ?? [0.5, 2];
  const flipProb = options.flipProb ?? 0.5;
  checkSizeOption('scaleCropFlip', 'size', size);
  if (!(scale[0] > 0 && scale[0] <= scale[1])) {
    throw new Error(`scaleCropFlip: options.scale: expected 0 < lo <= hi, got ${JSON.stringify(scale)}`);
  }
  let coeffs: ReturnType<typeof normalizationCoefficients> | undefined;
  return {
    name: `scaleCropFlip(${size.join('x')}, scale=${scale.join('-')})`,
    outputShape: (input: ImageShape): ImageShape => [size[0], size[1], input[2]],
    apply(input: SampleInput, out: SampleOutput, rng: SeededRandom): void {
      checkMaskShape('scaleCropFlip', input);
      const [h, w, c] = input.shape;
      const [oh, ow] = size;
      coeffs ??= normalizationCoefficients(options.normalization, c);
      const s = rng.uniform(scale[0], scale[1]);
      // Crop offset in the scaled image; negative when the scaled image is smaller (pad around it).
      const sh = Math.round(h * s);
      const sw = Math.round(w * s);
      const oy = sh >= oh ? rng.int(sh - oh + 1) : -rng.int(oh - sh + 1);
      const ox = sw >= ow ? rng.int(sw - ow + 1) : -rng.int(ow - sw + 1);
      const flip = rng.next() < flipProb;
      // The crop as a region of the source image: [oy, oy + oh) of the scaled image, divided by s.
      const region = { y0: oy / s, x0: ox / s, h: oh / s, w: ow / s };
      resampleSample(input, out, { region, outH: oh, outW: ow, flip }, coeffs);
    },
  };
}
