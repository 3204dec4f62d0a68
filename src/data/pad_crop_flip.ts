// CIFAR training augmentation (He et al. 2016, used by the batch-shaping paper's CIFAR-10 recipe):
// zero-pad by `pad` pixels on each side, take a random crop of the original size, mirror with p = 0.5,
// then normalise per channel. Same as torchvision RandomCrop(32, padding=4) + RandomHorizontalFlip.
import { resampleImage } from './resample_region.js';
import {
  type Normalization,
  normalizationCoefficients,
  type SampleInput,
  type SampleOutput,
  type SampleTransform,
} from './sample_transform.js';
import type { ImageShape } from './schema.js';
import type { SeededRandom } from './seeded_random.js';

export interface PadCropFlipOptions {
  /** Zero padding on each side, pixels (CIFAR: 4). */
  pad?: number;
  /** Mirror probability (default 0.5; 0 disables). */
  flipProb?: number;
  /** Per-channel mean/std on [0, 1] (meta.json); default: pixel / 255. */
  normalization?: Normalization;
}

export function padCropFlip(options: PadCropFlipOptions = {}): SampleTransform {
  const pad = options.pad ?? 4;
  const flipProb = options.flipProb ?? 0.5;
  if (!Number.isInteger(pad) || pad < 0)
    throw new Error(`padCropFlip: options.pad: expected an integer >= 0, got ${pad}`);
  if (!(flipProb >= 0 && flipProb <= 1)) {
    throw new Error(`padCropFlip: options.flipProb: expected a number in [0, 1], got ${flipProb}`);
  }
  let coeffs: ReturnType<typeof normalizationCoefficients> | undefined;
  return {
    name: `padCropFlip(pad=${pad}, flip=${flipProb})`,
    outputShape: (input: ImageShape): ImageShape => [...input],
    apply(input: SampleInput, out: SampleOutput, rng: SeededRandom): void {
      if (input.mask) throw new Error('padCropFlip: input.mask: masks are not supported; use scaleCropFlip');
      const [h, w, c] = input.shape;
      coeffs ??= normalizationCoefficients(options.normalization, c);
      // Offset of the crop in the padded image is uniform in [0, 2*pad]; in source coordinates -pad..pad.
      const dy = rng.int(2 * pad + 1) - pad;
      const dx = rng.int(2 * pad + 1) - pad;
      const flip = rng.next() < flipProb;
      resampleImage({
        src: input.image,
        srcH: h,
        srcW: w,
        channels: c,
        region: { y0: dy, x0: dx, h, w },
        out: out.image,
        outH: h,
        outW: w,
        flip,
        ...coeffs,
      });
    },
  };
}
