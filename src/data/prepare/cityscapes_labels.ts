// Cityscapes label table (Cordts et al., CVPR 2016; cityscapesScripts/helpers/labels.py): the 34 label
// ids of the *_gtFine_labelIds.png masks and the 19 train ids used for training and evaluation. Every
// label whose trainId is 255 (void, parking, rail track, guard rail, bridge, tunnel, polegroup, caravan,
// trailer, and license plate = -1) is ignored, as in the official benchmark.

import { IGNORE_INDEX } from '../schema.js';

/** [name, labelId, trainId] rows of labels.py (license plate, id -1, never appears in labelIds PNGs). */
export const CITYSCAPES_LABELS: readonly [string, number, number][] = [
  ['unlabeled', 0, 255],
  ['ego vehicle', 1, 255],
  ['rectification border', 2, 255],
  ['out of roi', 3, 255],
  ['static', 4, 255],
  ['dynamic', 5, 255],
  ['ground', 6, 255],
  ['road', 7, 0],
  ['sidewalk', 8, 1],
  ['parking', 9, 255],
  ['rail track', 10, 255],
  ['building', 11, 2],
  ['wall', 12, 3],
  ['fence', 13, 4],
  ['guard rail', 14, 255],
  ['bridge', 15, 255],
  ['tunnel', 16, 255],
  ['pole', 17, 5],
  ['polegroup', 18, 255],
  ['traffic light', 19, 6],
  ['traffic sign', 20, 7],
  ['vegetation', 21, 8],
  ['terrain', 22, 9],
  ['sky', 23, 10],
  ['person', 24, 11],
  ['rider', 25, 12],
  ['car', 26, 13],
  ['truck', 27, 14],
  ['bus', 28, 15],
  ['caravan', 29, 255],
  ['trailer', 30, 255],
  ['train', 31, 16],
  ['motorcycle', 32, 17],
  ['bicycle', 33, 18],
];

/** The 19 evaluated classes, in trainId order. */
export const CITYSCAPES_CLASSES: string[] = CITYSCAPES_LABELS.filter(([, , t]) => t !== 255)
  .sort((a, b) => a[2] - b[2])
  .map(([name]) => name);

/** 256-entry lookup labelId -> trainId (255 = ignore for every id not in the table). */
export function cityscapesTrainIdLut(): Uint8Array {
  const lut = new Uint8Array(256).fill(IGNORE_INDEX);
  for (const [, id, trainId] of CITYSCAPES_LABELS) lut[id] = trainId;
  return lut;
}
