import assert from 'node:assert/strict';
import { readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLASS_NAMES_FILE, prepareImagenet } from '../../../src/data/prepare/imagenet.js';
import {
  bandedJpeg,
  centreColour,
  type ImagenetFixture,
  type Rgb,
  writeDevkit,
  writeImagenetArchives,
  writeImagenetFolders,
} from '../../fixtures/datasets/imagenet_fixture.js';
import { freshDirs } from './fresh_dirs.js';
import { leftovers, readMetaJson, readSplit } from './shard_readback.js';

const fresh = freshDirs('prep-imagenet-');

const SIZE = 16;
const FIX: ImagenetFixture = {
  wnids: ['n01440764', 'n02102040', 'n03000684'],
  trainPerClass: 3,
  valPerClass: 2,
};

/** The centre 8x8 of the crop lies inside the source's centre band: its colour, up to JPEG/resampling error. */
function assertCentre(image: Uint8Array, rgb: Rgb, what: string): void {
  assert.equal(image.length, SIZE * SIZE * 3, what);
  for (let y = 4; y < 12; y += 3) {
    for (let x = 4; x < 12; x += 3) {
      for (let c = 0; c < 3; c++) {
        const v = image[(y * SIZE + x) * 3 + c]!; // HWC
        assert.ok(Math.abs(v - rgb[c]!) <= 10, `${what} (y=${y}, x=${x}, c=${c}): ${v} vs ${rgb[c]}`);
      }
    }
  }
}

describe('prepareImagenet', () => {
  it('converts train/<wnid>/ and val/<wnid>/ folders (Imagenette layout) in worker threads', async () => {
    const { src, out } = fresh('imagenette-mini');
    await writeImagenetFolders(src, FIX);
    const res = await prepareImagenet({
      source: src,
      out,
      size: SIZE,
      shardSize: 4,
      workers: 2,
      progress: 'quiet',
    });
    assert.deepEqual(res.counts, { train: 9, val: 6 });
    const train = readSplit(out, 'train');
    for (let k = 0; k < 9; k++) {
      const c = Math.floor(k / 3);
      const i = k % 3;
      assert.equal(train.ids[k], `${FIX.wnids[c]}/${FIX.wnids[c]}_${i}.JPEG`);
      assert.equal(train.labels[k], c);
      assertCentre(train.images[k]!, centreColour(c, i), `train ${train.ids[k]}`);
    }
    const val = readSplit(out, 'val');
    assert.deepEqual(val.labels, [0, 0, 1, 1, 2, 2]);
    assertCentre(val.images[3]!, centreColour(1, 2), 'val[3]');
    const meta = readMetaJson(out);
    assert.deepEqual(meta.classes, FIX.wnids);
    assert.deepEqual(meta.imageShape, [SIZE, SIZE, 3]);
    assert.equal(meta.name, 'imagenette-mini');
    assert.deepEqual(JSON.parse(readFileSync(join(out, CLASS_NAMES_FILE), 'utf8')), {
      n01440764: 'n01440764',
      n02102040: 'n02102040',
      n03000684: 'n03000684',
    });
  });

  it('reads the ILSVRC2012 archives: train tar of class tars, flat val tar, devkit ID -> sorted-WNID labels', async () => {
    const { src, out } = fresh();
    // ILSVRC2012_ID k is class devkitOrder[k-1]: IDs 1, 2, 3 = sorted classes 2, 0, 1.
    const devkitOrder = [2, 0, 1];
    const valClasses = [1, 2, 0, 0, 2];
    const gtIds = valClasses.map((c) => devkitOrder.indexOf(c) + 1);
    await writeImagenetArchives(src, FIX, valClasses);
    await writeDevkit(src, FIX.wnids, devkitOrder, gtIds);
    const res = await prepareImagenet({ source: src, out, size: SIZE, workers: 0, progress: 'quiet' });
    assert.deepEqual(res.counts, { train: 9, val: 5 });
    const train = readSplit(out, 'train');
    // archive order: classes reversed in the outer tar
    assert.deepEqual(train.labels, [2, 2, 2, 1, 1, 1, 0, 0, 0]);
    assert.equal(train.ids[0], 'n03000684/n03000684_0.JPEG');
    assertCentre(train.images[4]!, centreColour(1, 1), 'train[4]');
    const val = readSplit(out, 'val');
    assert.deepEqual(val.labels, valClasses);
    assert.equal(val.ids[1], 'ILSVRC2012_val_00000002.JPEG');
    valClasses.forEach((c, k) => {
      assertCentre(val.images[k]!, centreColour(c, k % 4), `val[${k}]`);
    });
    const meta = readMetaJson(out);
    assert.deepEqual(meta.classes, FIX.wnids);
    assert.equal(meta.name, 'imagenet');
    assert.equal(
      JSON.parse(readFileSync(join(out, CLASS_NAMES_FILE), 'utf8')).n02102040,
      'class n02102040, words',
    );
  });

  it('labels a flat val folder through the devkit, and resumes reusing complete shards', async () => {
    const { src, out } = fresh();
    await writeImagenetFolders(src, { ...FIX, valPerClass: 0 });
    const valClasses = [2, 1, 0];
    for (const [k0, c] of valClasses.entries()) {
      writeFileSync(
        join(src, 'val', `ILSVRC2012_val_${String(k0 + 1).padStart(8, '0')}.JPEG`),
        await bandedJpeg(c, 0),
      );
    }
    for (const w of FIX.wnids) rmSync(join(src, 'val', w), { recursive: true });
    await writeDevkit(
      src,
      FIX.wnids,
      [0, 1, 2],
      valClasses.map((c) => c + 1),
    );
    const opts = { source: src, out, size: SIZE, shardSize: 2, workers: 1, progress: 'quiet' as const };
    await prepareImagenet(opts);
    assert.deepEqual(readSplit(out, 'val').labels, valClasses);
    const shard1 = readFileSync(join(out, 'train-00001.arrow'));
    rmSync(join(out, 'train-00002.arrow'));
    const res = await prepareImagenet(opts);
    assert.deepEqual(res.reused.train, [0, 1, 3]);
    assert.deepEqual(readFileSync(join(out, 'train-00001.arrow')), shard1);
    assert.equal(readSplit(out, 'train').ids.length, 9);
  });

  it('after a failure, keeps the complete shards written before it and resumes from them', async () => {
    const { src, out } = fresh();
    await writeImagenetFolders(src, FIX);
    const bad = join(src, 'train', FIX.wnids[2]!, `${FIX.wnids[2]}_1.JPEG`); // record 7 -> shard 3 (size 2)
    const good = readFileSync(bad);
    writeFileSync(bad, good.subarray(0, 100));
    const opts = { source: src, out, size: SIZE, shardSize: 2, workers: 0, progress: 'quiet' as const };
    await assert.rejects(prepareImagenet(opts), (err: Error) => err.message.includes(bad));
    assert.deepEqual(leftovers(out).sort(), ['train-00000.arrow', 'train-00001.arrow', 'train-00002.arrow']);
    writeFileSync(bad, good);
    const res = await prepareImagenet(opts);
    assert.deepEqual(res.reused.train, [0, 1, 2]);
    assert.equal(readSplit(out, 'train').ids.length, 9);
    assertCentre(readSplit(out, 'train').images[7]!, centreColour(2, 1), 'train[7] after resume');
  });

  const badCases: [string, (src: string) => Promise<string>, RegExp, boolean][] = [
    [
      'truncated JPEG',
      async (src) => {
        const p = join(src, 'train', FIX.wnids[1]!, `${FIX.wnids[1]}_1.JPEG`);
        truncateSync(p, Math.floor(readFileSync(p).length / 2));
        return p;
      },
      /cannot decode image/,
      false,
    ],
    [
      'garbage image file',
      async (src) => {
        const p = join(src, 'train', FIX.wnids[0]!, `${FIX.wnids[0]}_2.JPEG`);
        writeFileSync(p, 'not a jpeg at all');
        return p;
      },
      /cannot decode image/,
      false,
    ],
    [
      'unknown val class folder',
      async (src) => {
        const p = join(src, 'val', 'n09999999');
        renameSync(join(src, 'val', FIX.wnids[2]!), p);
        return p;
      },
      /unknown class folder/,
      false,
    ],
    [
      'missing source folder',
      async (src) => {
        rmSync(src, { recursive: true });
        return src;
      },
      /not found/,
      false,
    ],
    [
      'flat val images without a devkit',
      async (src) => {
        writeFileSync(join(src, 'val', 'ILSVRC2012_val_00000001.JPEG'), await bandedJpeg(0, 0));
        return join(src, 'val');
      },
      /need the devkit/,
      false,
    ],
    [
      'a flat val image numbered 0 (the devkit counts from 1)',
      async (src) => {
        await writeDevkit(src, FIX.wnids, [0, 1, 2], [1]);
        const p = join(src, 'val', 'ILSVRC2012_val_00000000.JPEG');
        writeFileSync(p, await bandedJpeg(0, 0));
        return p;
      },
      /not an ILSVRC2012_val_XXXXXXXX image listed in the devkit ground truth/,
      false,
    ],
    [
      'truncated train tar',
      async (src) => {
        await writeImagenetArchives(src, FIX, [0]);
        await writeDevkit(src, FIX.wnids, [0, 1, 2], [1]);
        rmSync(join(src, 'train'), { recursive: true });
        const p = join(src, 'ILSVRC2012_img_train.tar');
        truncateSync(p, Math.floor(readFileSync(p).length * 0.4));
        return p;
      },
      /truncated or corrupt tar/,
      true,
    ],
    [
      'class tar unknown to the devkit',
      async (src) => {
        await writeImagenetArchives(src, FIX, [0]);
        await writeDevkit(src, FIX.wnids.slice(0, 2), [0, 1], [1]);
        rmSync(join(src, 'train'), { recursive: true });
        return `${join(src, 'ILSVRC2012_img_train.tar')}:n03000684.tar`;
      },
      /unknown class n03000684/,
      true,
    ],
  ];
  for (const [name, corrupt, pattern] of badCases) {
    it(`stops on ${name}, naming the file, with no shard or temp file left`, async () => {
      const { src, out } = fresh();
      await writeImagenetFolders(src, FIX);
      const file = await corrupt(src);
      await assert.rejects(
        prepareImagenet({ source: src, out, size: SIZE, shardSize: 100, workers: 0, progress: 'quiet' }),
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
