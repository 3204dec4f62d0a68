// A tiny Cityscapes in the official folder layout (leftImg8bit/<split>/<city>/<stem>_leftImg8bit.png and
// gtFine/<split>/<city>/<stem>_gtFine_labelIds.png, label ids of cityscapesScripts' labels.py), for smoke runs of
// notebooks and tests of prepareCityscapes without the 11 GB download. Default content: 128x64 street scenes
// (sky, vegetation, building, sidewalk and road bands, cars and people on the road, one unlabeled pixel), so
// a smoke run segments something; tests pass their own frames.
import { join } from 'node:path';
import sharp from 'sharp';
import { atomicWriteFile } from '../../io/atomic_write.js';
import { mixSeed, SeededRandom } from '../seeded_random.js';

export interface FakeCityscapesFrame {
  split: string;
  city: string;
  /** `<city>_<6-digit sequence>_000019`, as the official frames are named. */
  stem: string;
  /** Running number over all frames (seeds the default scene). */
  index: number;
}

export interface FakeCityscapesOptions {
  /** The frames to write (default: train aachen 6 + bremen 6, val frankfurt 4: cityscapesFrames()). */
  frames?: readonly FakeCityscapesFrame[];
  /** PNG bytes of a frame's image (RGB) and label-id mask (8-bit grey); default a street scene. */
  render?: (frame: FakeCityscapesFrame) => Promise<{ image: Uint8Array; mask: Uint8Array }>;
}

/** Frames `count` per (split, city), numbered in order; stems as the official ones. */
export function cityscapesFrames(
  cities: readonly (readonly [split: string, city: string, count: number])[] = [
    ['train', 'aachen', 6],
    ['train', 'bremen', 6],
    ['val', 'frankfurt', 4],
  ],
): FakeCityscapesFrame[] {
  const frames: FakeCityscapesFrame[] = [];
  for (const [split, city, count] of cities) {
    for (let i = 0; i < count; i++) {
      frames.push({
        split,
        city,
        stem: `${city}_${String(i).padStart(6, '0')}_000019`,
        index: frames.length,
      });
    }
  }
  return frames;
}

/** A frame's image and mask files, relative to the dataset folder. */
export function cityscapesFramePaths(frame: FakeCityscapesFrame): { image: string; mask: string } {
  return {
    image: `leftImg8bit/${frame.split}/${frame.city}/${frame.stem}_leftImg8bit.png`,
    mask: `gtFine/${frame.split}/${frame.city}/${frame.stem}_gtFine_labelIds.png`,
  };
}

/** Label ids (labels.py) and the official palette colour of the classes a scene is made of. */
const SCENE = {
  unlabeled: { id: 0, rgb: [0, 0, 0] },
  road: { id: 7, rgb: [128, 64, 128] },
  sidewalk: { id: 8, rgb: [244, 35, 232] },
  building: { id: 11, rgb: [70, 70, 70] },
  vegetation: { id: 21, rgb: [107, 142, 35] },
  sky: { id: 23, rgb: [70, 130, 180] },
  person: { id: 24, rgb: [220, 20, 60] },
  car: { id: 26, rgb: [0, 0, 142] },
} as const;

/** A 128x64 street scene: label ids and a noisy rendering of their colours. */
async function streetScene(frame: FakeCityscapesFrame): Promise<{ image: Uint8Array; mask: Uint8Array }> {
  const [H, W] = [64, 128];
  const rng = new SeededRandom(mixSeed(17, frame.index));
  const horizon = Math.floor(H * (0.35 + 0.15 * rng.next()));
  const roadTop = Math.floor(H * (0.6 + 0.1 * rng.next()));
  const label = new Uint8Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const tree = Math.sin(x / 7 + frame.index) > 0.6 && y > horizon - 10;
      const part =
        y < horizon
          ? tree
            ? SCENE.vegetation
            : SCENE.sky
          : y < roadTop
            ? SCENE.building
            : y < roadTop + 4
              ? SCENE.sidewalk
              : SCENE.road;
      label[y * W + x] = part.id;
    }
  }
  const objects = 1 + Math.floor(rng.next() * 3);
  for (let o = 0; o < objects; o++) {
    const isCar = rng.next() < 0.6;
    const [w, h] = isCar ? [18, 9] : [5, 14];
    const x0 = Math.floor(rng.next() * (W - w));
    const y0 = roadTop - h + 6;
    for (let y = Math.max(0, y0); y < Math.min(H, y0 + h); y++) {
      for (let x = x0; x < x0 + w; x++) label[y * W + x] = isCar ? SCENE.car.id : SCENE.person.id;
    }
  }
  label[0] = SCENE.unlabeled.id; // an ignored pixel, as real frames have
  const colour = new Map<number, readonly number[]>(Object.values(SCENE).map((s) => [s.id, s.rgb]));
  const rgb = new Uint8Array(H * W * 3);
  for (let i = 0; i < H * W; i++) {
    const base = colour.get(label[i] as number) as readonly number[];
    for (let c = 0; c < 3; c++) {
      rgb[i * 3 + c] = Math.max(0, Math.min(255, (base[c] as number) + (rng.next() - 0.5) * 40));
    }
  }
  return {
    image: await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toBuffer(),
    mask: await sharp(label, { raw: { width: W, height: H, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer(),
  };
}

/**
 * Writes the frames' images and masks under `dir` (each file atomically); `prepareDataset('cityscapes',
 * { source: dir, ... })` reads them.
 */
export async function writeFakeCityscapes(dir: string, options: FakeCityscapesOptions = {}): Promise<void> {
  const render = options.render ?? streetScene;
  for (const frame of options.frames ?? cityscapesFrames()) {
    const { image, mask } = await render(frame);
    const paths = cityscapesFramePaths(frame);
    await atomicWriteFile(join(dir, paths.image), image);
    await atomicWriteFile(join(dir, paths.mask), mask);
  }
}
