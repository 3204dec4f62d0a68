// Deterministic evaluation transform: optional resize of the shorter side to `resize` followed by a
// centre crop of `crop` (ImageNet: 256 -> 224, or 146 -> 128 on 160-pixel shards), or the identity when
// neither is given (CIFAR test set, Cityscapes full frames); then per-channel normalisation. Masks follow
// with nearest sampling. Resize and crop are fused into one bilinear pass over the source region.
import { type Region, resampleSample } from './resample_region.js';
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

export interface EvalTransformOptions {
  /** Shorter side after resizing (pixels); omitted = no resize. */
  resize?: number;
  /** Centre crop [h, w] after resizing; omitted = whole (resized) image. */
  crop?: [number, number];
  normalization?: Normalization;
}

export function evalTransform(options: EvalTransformOptions = {}): SampleTransform {
  const { resize, crop } = options;
  if (resize !== undefined && !(Number.isInteger(resize) && resize > 0)) {
    throw new Error(`evalTransform: options.resize: expected a positive integer, got ${resize}`);
  }
  if (crop !== undefined) checkSizeOption('evalTransform', 'crop', crop);
  let coeffs: ReturnType<typeof normalizationCoefficients> | undefined;
  const geometry = (h: number, w: number) => {
    const s = resize === undefined ? 1 : resize / Math.min(h, w);
    const rh = resize === undefined ? h : Math.round(h * s);
    const rw = resize === undefined ? w : Math.round(w * s);
    const [oh, ow] = crop ?? [rh, rw];
    // Centre crop of the resized image, expressed in source pixels.
    const region: Region = {
      y0: Math.round((rh - oh) / 2) / s,
      x0: Math.round((rw - ow) / 2) / s,
      h: oh / s,
      w: ow / s,
    };
    return { region, oh, ow };
  };
  return {
    name: `evalTransform(resize=${resize ?? '-'}, crop=${crop?.join('x') ?? '-'})`,
    outputShape: (input: ImageShape): ImageShape => {
      const { oh, ow } = geometry(input[0], input[1]);
      return [oh, ow, input[2]];
    },
    apply(input: SampleInput, out: SampleOutput): void {
      checkMaskShape('evalTransform', input);
      const [h, w, c] = input.shape;
      coeffs ??= normalizationCoefficients(options.normalization, c);
      const { region, oh, ow } = geometry(h, w);
      resampleSample(input, out, { region, outH: oh, outW: ow, flip: false }, coeffs);
    },
  };
}
