// A tiny ImageNet in the class-folder layout prepareImagenet reads (train/<wnid>/<wnid>_<i>.JPEG,
// val/<wnid>/val_<wnid>_<i>.JPEG: the layout of Imagenette and of ILSVRC2012 once extracted), for smoke runs of
// notebooks and tests without the 150 GB (or 100 MB Imagenette) download. Default content: the synthetic shapes
// as 64x48 JPEGs (landscape, like photos; class c = the c-th shape); tests pass their own images.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { atomicWriteFile } from '../../io/atomic_write.js';
import { mixSeed, SeededRandom } from '../seeded_random.js';
import { renderSyntheticSample, SYNTHETIC_CLASSES } from '../synthetic.js';

/** The ten WordNet ids of Imagenette (tench, English springer, cassette player, chain saw, church, ...). */
export const IMAGENETTE_WNIDS: readonly string[] = [
  'n01440764',
  'n02102040',
  'n02979186',
  'n03000684',
  'n03028079',
  'n03394916',
  'n03417042',
  'n03425413',
  'n03445777',
  'n03888257',
];

export type FakeImagenetSplit = 'train' | 'val';

export interface FakeImagenetOptions {
  /** Class folders, one per class (default the ten Imagenette wnids; at most 10 with the default images). */
  wnids?: readonly string[];
  /** Images per class in train/ (default 6). */
  trainPerClass?: number;
  /** Images per class in val/ (default 2). */
  valPerClass?: number;
  /** The encoded image (any format sharp reads) of image `index` of class `classIndex`; default synthetic shapes. */
  image?: (split: FakeImagenetSplit, classIndex: number, index: number) => Promise<Uint8Array>;
  /** Seed of the default images (default 0). */
  seed?: number;
}

/** The file of image `index` of class `wnid` in `split`, relative to the dataset folder. */
export function fakeImagenetFile(split: FakeImagenetSplit, wnid: string, index: number): string {
  return join(split, wnid, split === 'train' ? `${wnid}_${index}.JPEG` : `val_${wnid}_${index}.JPEG`);
}

async function syntheticJpeg(
  seed: number,
  split: FakeImagenetSplit,
  c: number,
  i: number,
): Promise<Uint8Array> {
  const [h, w] = [48, 64];
  const rng = new SeededRandom(mixSeed(seed, split === 'train' ? 1 : 2, c, i));
  const { image } = renderSyntheticSample([h, w, 3], c, 0.3 * rng.next(), rng);
  return sharp(image, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

function checkCount(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`writeFakeImagenet: option '${name}' must be a non-negative integer; got ${value}`);
  }
  return value;
}

/**
 * Writes the class folders under `dir` (each file atomically); `prepareDataset('imagenet', { source: dir, ... })`
 * reads them.
 */
export async function writeFakeImagenet(dir: string, options: FakeImagenetOptions = {}): Promise<void> {
  const wnids = options.wnids ?? IMAGENETTE_WNIDS;
  if (options.image === undefined && wnids.length > SYNTHETIC_CLASSES.length) {
    throw new Error(
      `writeFakeImagenet: option 'wnids': the default images draw ${SYNTHETIC_CLASSES.length} classes; got ${wnids.length} wnids (pass 'image' for more)`,
    );
  }
  const seed = options.seed ?? 0;
  const image = options.image ?? ((split, c, i) => syntheticJpeg(seed, split, c, i));
  const counts: Record<FakeImagenetSplit, number> = {
    train: checkCount('trainPerClass', options.trainPerClass ?? 6),
    val: checkCount('valPerClass', options.valPerClass ?? 2),
  };
  for (const split of ['train', 'val'] as const) {
    await mkdir(join(dir, split), { recursive: true }); // also when empty: a split of flat files goes there
    for (const [c, wnid] of wnids.entries()) {
      for (let i = 0; i < counts[split]; i++) {
        await atomicWriteFile(join(dir, fakeImagenetFile(split, wnid, i)), await image(split, c, i));
      }
    }
  }
}
