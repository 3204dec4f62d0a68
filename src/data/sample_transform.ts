// The per-sample transform contract of the loader: uint8 HWC in, normalised float32 HWC out (plus the
// mask, moved identically, for segmentation), on CPU typed arrays without tfjs, so augmentation runs
// off the accelerator and can run in worker threads. Presets: padCropFlip (CIFAR), randomResizedCrop
// (ImageNet), scaleCropFlip (Cityscapes), evalTransform (resize + center crop, or identity).
import type { ImageShape } from './schema.js';
import type { SeededRandom } from './seeded_random.js';

/** One decoded sample as stored in a shard. */
export interface SampleInput {
  /** uint8 [H, W, C]. */
  image: Uint8Array;
  shape: ImageShape;
  /** Segmentation: uint8 [H, W], 255 = ignore. */
  mask?: Uint8Array;
}

/** Where a transform writes one sample (views into the batch buffers). */
export interface SampleOutput {
  /** float32 [h, w, C], already normalised. */
  image: Float32Array;
  /** Segmentation: uint8 [h, w]. */
  mask?: Uint8Array;
}

export interface SampleTransform {
  readonly name: string;
  /** Shape of the output image for an input of shape `input` (masks have the output's [h, w]). */
  outputShape(input: ImageShape): ImageShape;
  /** Writes the transformed sample; draws its randomness from `rng` only. */
  apply(input: SampleInput, out: SampleOutput, rng: SeededRandom): void;
}

/** Per-channel normalisation `(pixel / 255 - mean) / std`, as `pixel * scale + bias`. */
export interface Normalization {
  /** Per channel, on the [0, 1] scale (meta.json's mean). */
  mean: readonly number[];
  /** Per channel, on the [0, 1] scale (meta.json's std). */
  std: readonly number[];
}

/** Per-channel affine coefficients of a normalisation; identity-to-[0,1] when `norm` is undefined. */
export function normalizationCoefficients(
  norm: Normalization | undefined,
  channels: number,
): { scale: Float32Array; bias: Float32Array } {
  if (norm && (norm.mean.length !== channels || norm.std.length !== channels)) {
    throw new Error(
      `normalization: expected ${channels} means and stds (one per channel), got ${norm.mean.length} and ${norm.std.length}`,
    );
  }
  const scale = new Float32Array(channels);
  const bias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const mean = norm ? norm.mean[c]! : 0;
    const std = norm ? norm.std[c]! : 1;
    if (!(std > 0) || !Number.isFinite(mean)) {
      throw new Error(
        `normalization: std[${c}] must be > 0 and mean[${c}] finite, got mean ${mean}, std ${std}`,
      );
    }
    scale[c] = 1 / (255 * std);
    bias[c] = -mean / std;
  }
  return { scale, bias };
}

/** Checks that a sample's mask matches its image's [H, W] (segmentation transforms need it). */
export function checkMaskShape(fn: string, input: SampleInput): void {
  const [h, w] = input.shape;
  if (input.mask !== undefined && input.mask.length !== h * w) {
    throw new Error(
      `${fn}: input.mask: expected ${h}*${w} values (the image's H*W), got ${input.mask.length}`,
    );
  }
}

/** Checks a transform's [h, w] size option: two positive integers. */
export function checkSizeOption(fn: string, option: string, value: unknown): void {
  if (!(Array.isArray(value) && value.length === 2 && value.every((d) => Number.isInteger(d) && d > 0))) {
    throw new Error(
      `${fn}: options.${option}: expected [h, w] of positive integers, got ${JSON.stringify(value)}`,
    );
  }
}
