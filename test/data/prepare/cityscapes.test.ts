import assert from 'node:assert/strict';
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { prepareCityscapes } from '../../../src/data/prepare/cityscapes.js';
import { CITYSCAPES_CLASSES } from '../../../src/data/prepare/cityscapes_labels.js';
import {
  blockColour,
  blockLabelId,
  fixtureFrames,
  framePaths,
  framePngs,
  writeCityscapesFolders,
  writeCityscapesZips,
} from '../../fixtures/datasets/cityscapes_fixture.js';
import { freshDirs } from './fresh_dirs.js';
import { leftovers, readMetaJson, readSplit } from './shard_readback.js';

const fresh = freshDirs('prep-cityscapes-');

// labelId -> trainId written out from cityscapesScripts' labels.py for the ids the fixture uses
const TRAIN_ID: Record<number, number> = {
  7: 0,
  26: 13,
  0: 255,
  24: 11,
  14: 255,
  33: 18,
  23: 10,
  9: 255,
  11: 2,
  40: 255,
};
const H = 8;
const W = 16;

function checkSplit(out: string, split: string): void {
  const frames = fixtureFrames().filter((f) => f.split === split);
  const rows = readSplit(out, split);
  assert.deepEqual(
    rows.ids,
    frames.map((f) => f.stem),
  );
  frames.forEach((fr, k) => {
    const mask = rows.masks[k]!; // [H, W]
    const image = rows.images[k]!; // [H, W, 3]
    assert.equal(mask.length, H * W);
    assert.equal(image.length, H * W * 3);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        // 2x downscale of 8x8 source blocks: output block size 4
        assert.equal(
          mask[y * W + x],
          TRAIN_ID[blockLabelId(fr.f, y >> 2, x >> 2)],
          `${fr.stem} mask (${y}, ${x})`,
        );
      }
    }
    for (const [y, x] of [
      [1, 1],
      [2, 6],
      [5, 9],
      [6, 14],
    ] as const) {
      const rgb = blockColour(fr.f, y >> 2, x >> 2);
      for (let c = 0; c < 3; c++) {
        const v = image[(y * W + x) * 3 + c]!;
        assert.ok(Math.abs(v - rgb[c]!) <= 12, `${fr.stem} image (${y}, ${x}, ${c}): ${v} vs ${rgb[c]}`);
      }
    }
  });
}

describe('prepareCityscapes', () => {
  it('converts leftImg8bit/ + gtFine/ folders: labelIds -> 19 trainIds (255 ignore), nearest-resized masks', async () => {
    const { src, out } = fresh();
    await writeCityscapesFolders(src);
    const res = await prepareCityscapes({
      source: src,
      out,
      size: `${H}x${W}`,
      shardSize: 2,
      workers: 2,
      progress: 'quiet',
    });
    assert.deepEqual(res.counts, { train: 3, val: 2 });
    checkSplit(out, 'train');
    checkSplit(out, 'val');
    const meta = readMetaJson(out);
    assert.equal(meta.task, 'segmentation');
    assert.deepEqual(meta.classes, CITYSCAPES_CLASSES);
    assert.equal(CITYSCAPES_CLASSES.length, 19);
    assert.deepEqual(meta.imageShape, [H, W, 3]);
    assert.deepEqual(meta.maskShape, [H, W]);
    assert.equal(meta.ignoreIndex, 255);
  });

  it('reads the official zips in place', async () => {
    const { src, out } = fresh();
    await writeCityscapesZips(src);
    const res = await prepareCityscapes({ source: src, out, size: H, workers: 0, progress: 'quiet' });
    assert.deepEqual(res.counts, { train: 3, val: 2 });
    checkSplit(out, 'train');
    checkSplit(out, 'val');
  });

  const firstTrain = framePaths(fixtureFrames()[1]!);
  const badCases: [string, (src: string) => Promise<string>, RegExp][] = [
    [
      'missing gtFine folder',
      async (src) => {
        rmSync(join(src, 'gtFine'), { recursive: true });
        return join(src, 'gtFine');
      },
      /missing Cityscapes folder/,
    ],
    [
      'missing mask',
      async (src) => {
        rmSync(join(src, firstTrain.mask));
        return join(src, firstTrain.mask);
      },
      /missing label mask/,
    ],
    [
      'image/mask size mismatch',
      async (src) => {
        writeFileSync(join(src, firstTrain.mask), (await framePngs(0, [16, 16])).mask);
        return join(src, firstTrain.mask);
      },
      /image\/mask size mismatch/,
    ],
    [
      'corrupt PNG',
      async (src) => {
        const p = join(src, firstTrain.image);
        truncateSync(p, Math.floor(readFileSync(p).length / 2));
        return p;
      },
      /cannot decode/,
    ],
    [
      'truncated zip',
      async (src) => {
        rmSync(join(src, 'gtFine'), { recursive: true });
        await writeCityscapesZips(src);
        const p = join(src, 'gtFine_trainvaltest.zip');
        truncateSync(p, readFileSync(p).length - 30);
        return p;
      },
      /truncated or corrupt zip/,
    ],
    [
      'corrupt zip member (CRC-32)',
      async (src) => {
        rmSync(join(src, 'leftImg8bit'), { recursive: true });
        await writeCityscapesZips(src);
        const p = join(src, 'leftImg8bit_trainvaltest.zip');
        const zip = readFileSync(p);
        const png = (await framePngs(1)).image;
        const at = zip.indexOf(png) + Math.floor(png.length / 2);
        zip[at]! ^= 0xff;
        writeFileSync(p, zip);
        return `${p}:${firstTrain.image}`;
      },
      /CRC-32 mismatch/,
    ],
  ];
  for (const [name, corrupt, pattern] of badCases) {
    it(`stops on ${name}, naming the file, with no shard or temp file left`, async () => {
      const { src, out } = fresh();
      await writeCityscapesFolders(src);
      const file = await corrupt(src);
      await assert.rejects(
        prepareCityscapes({
          source: src,
          out,
          size: `${H}x${W}`,
          shardSize: 10,
          workers: 0,
          progress: 'quiet',
        }),
        (err: Error) => {
          assert.match(err.message, pattern);
          assert.ok(err.message.includes(file), `${err.message} should name ${file}`);
          return true;
        },
      );
      assert.deepEqual(leftovers(out), []);
    });
  }
});
