// Transforms as plain data: a serialisable description that worker threads (and configs) can carry,
// turned into a SampleTransform by createTransform. Closures cannot cross a worker boundary.
import { type EvalTransformOptions, evalTransform } from './eval_transform.js';
import { type PadCropFlipOptions, padCropFlip } from './pad_crop_flip.js';
import { type RandomResizedCropOptions, randomResizedCrop } from './random_resized_crop.js';
import type { SampleTransform } from './sample_transform.js';
import { type ScaleCropFlipOptions, scaleCropFlip } from './scale_crop_flip.js';

export type TransformSpec =
  | ({ kind: 'padCropFlip' } & PadCropFlipOptions)
  | ({ kind: 'randomResizedCrop' } & RandomResizedCropOptions)
  | ({ kind: 'scaleCropFlip' } & ScaleCropFlipOptions)
  | ({ kind: 'eval' } & EvalTransformOptions);

export function createTransform(spec: TransformSpec): SampleTransform {
  switch (spec.kind) {
    case 'padCropFlip':
      return padCropFlip(spec);
    case 'randomResizedCrop':
      return randomResizedCrop(spec);
    case 'scaleCropFlip':
      return scaleCropFlip(spec);
    case 'eval':
      return evalTransform(spec);
    default:
      throw new Error(
        `createTransform: spec.kind: expected padCropFlip, randomResizedCrop, scaleCropFlip or eval, got ${JSON.stringify((spec as { kind: unknown }).kind)}`,
      );
  }
}
