// ImageNet training augmentation (the torchvision ResNet recipe the paper follows): RandomResizedCrop
// (area scale in (0.08, 1), aspect ratio in (3/4, 4/3), log-uniform, 10 tries then a centre fallback, as
// torchvision's get_params) resized bilinearly to the output size, mirrored with p = 0.5, normalised.
// Differs from torchvision: no antialias prefilter when shrinking (see resample_region.ts).
import { type Region, resampleImage } from './resample_region.js';
import {
  checkSizeOption,
  type Normalization,
  normalizationCoefficients,
  type SampleInput,
  type SampleOutput,
  type SampleTransform,
} from './sample_transform.js';
import type { ImageShape } from './schema.js';
import type { SeededRandom } from './seeded_random.js';

export interface RandomResizedCropOptions {
  /** Output [h, w] (e.g. [224, 224], or [128, 128] on 160-pixel shards). */
  size: [number, number];
  /** Range of the crop's area as a fraction of the image's (default [0.08, 1]). */
  scale?: [number, number];
  /** Range of the crop's width / height (default [3/4, 4/3]). */
  ratio?: [number, number];
  flipProb?: number;
  normalization?: Normalization;
}

/** torchvision RandomResizedCrop.get_params: an integer crop box inside an H x W image. */
export function sampleResizedCropRegion(
  h: number,
  w: number,
  rng: SeededRandom,
  scale: readonly [number, number] = [0.08, 1],
  ratio: readonly [number, number] = [3 / 4, 4 / 3],
): Region {
  const area = h * w;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logLo, logHi));
    const cw = Math.round(Math.sqrt(targetArea * aspect));
    const ch = Math.round(Math.sqrt(targetArea / aspect));
    if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
      return { y0: rng.int(h - ch + 1), x0: rng.int(w - cw + 1), h: ch, w: cw };
    }
  }
  // Fallback: the largest centred crop whose aspect ratio lies in range.
  const inRatio = w / h;
  let cw = w;
  let ch = h;
  if (inRatio < ratio[0]) ch = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) cw = Math.round(h * ratio[1]);
  return { y0: Math.floor((h - ch) / 2), x0: Math.floor((w - cw) / 2), h: ch, w: cw };
}

export function randomResizedCrop(options: RandomResizedCropOptions): SampleTransform {
  const { size } = options;
  const scale = options.scale ?? [0.08, 1];
  const ratio = options.ratio ?? [3 / 4, 4 / 3];
  const flipProb = options.flipProb ?? 0.5;
  checkSizeOption('randomResizedCrop', 'size', size);
  if (!(scale[0] > 0 && scale[0] <= scale[1] && scale[1] <= 1)) {
    throw new Error(
      `randomResizedCrop: options.scale: expected 0 < lo <= hi <= 1, got ${JSON.stringify(scale)}`,
    );
  }
  if (!(ratio[0] > 0 && ratio[0] <= ratio[1])) {
    throw new Error(`randomResizedCrop: options.ratio: expected 0 < lo <= hi, got ${JSON.stringify(ratio)}`);
  }
  let coeffs: ReturnType<typeof normalizationCoefficients> | undefined;
  return {
    name: `randomResizedCrop(${size.join('x')}, scale=${scale.join('-')})`,
    outputShape: (input: ImageShape): ImageShape => [size[0], size[1], input[2]],
    apply(input: SampleInput, out: SampleOutput, rng: SeededRandom): void {
      const [h, w, c] = input.shape;
      coeffs ??= normalizationCoefficients(options.normalization, c);
      const region = sampleResizedCropRegion(h, w, rng, scale, ratio);
      const flip = rng.next() < flipProb;
      resampleImage({
        src: input.image,
        srcH: h,
        srcW: w,
        channels: c,
        region,
        out: out.image,
        outH: size[0],
        outW: size[1],
        flip,
        ...coeffs,
      });
    },
  };
}
