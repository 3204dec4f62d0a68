// The library's fake ImageNet (smoke data of notebook 03): prepareDataset reads its class folders into one
// class per wnid with the counts asked; the default images are the synthetic shapes (class c looks like the
// c-th shape, so images of one class resemble each other more than those of another); bad options are refused.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  fakeImagenetFile,
  IMAGENETTE_WNIDS,
  writeFakeImagenet,
} from '../../../src/data/fake_raw/fake_imagenet.js';
import { prepareDataset } from '../../../src/data/prepare/prepare_dataset.js';
import { freshDirs } from '../prepare/fresh_dirs.js';
import { readMetaJson, readSplit } from '../prepare/shard_readback.js';

const fresh = freshDirs('fake-imagenet-');

describe('writeFakeImagenet', () => {
  it('writes the class-folder layout that prepareDataset reads, one class per wnid', async () => {
    const { src, out } = fresh();
    await writeFakeImagenet(src, { trainPerClass: 3, valPerClass: 1 });
    assert.ok(existsSync(join(src, fakeImagenetFile('train', 'n01440764', 2))));
    assert.ok(existsSync(join(src, 'val', 'n03888257', 'val_n03888257_0.JPEG')));
    await prepareDataset('imagenet', { source: src, out, size: 24, workers: 0, progress: 'quiet' });
    const meta = readMetaJson(out);
    assert.equal(meta.classes.length, IMAGENETTE_WNIDS.length);
    assert.deepEqual(meta.imageShape, [24, 24, 3]);
    assert.equal(meta.splits.train!.count, 30);
    assert.equal(meta.splits.val!.count, 10);
    const val = readSplit(out, 'val');
    assert.deepEqual([...val.labels].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('takes custom wnids and images', async () => {
    const { src, out } = fresh();
    const seen: string[] = [];
    await writeFakeImagenet(src, {
      wnids: ['n00000002', 'n00000001'],
      trainPerClass: 1,
      valPerClass: 1,
      image: async (split, c, i) => {
        seen.push(`${split}/${c}/${i}`);
        const { default: sharp } = await import('sharp');
        return sharp({
          create: {
            width: 8,
            height: 8,
            channels: 3,
            background: { r: 200 * c, g: 40 + 20 * i + 60 * c, b: 90 - 30 * c },
          },
        })
          .png()
          .toBuffer();
      },
    });
    assert.deepEqual(seen, ['train/0/0', 'train/1/0', 'val/0/0', 'val/1/0']);
    await prepareDataset('imagenet', { source: src, out, size: 8, workers: 0, progress: 'quiet' });
    const train = readSplit(out, 'train');
    // Classes are the sorted wnids: n00000001 (written as class 1, red 200) is label 0.
    const red = train.labels.map((l, k) => [l, train.images[k]![0]] as const);
    assert.deepEqual(red.sort(), [
      [0, 200],
      [1, 0],
    ]);
  });

  it('refuses more wnids than the default images draw, and bad counts', async () => {
    await assert.rejects(
      writeFakeImagenet(fresh().src, { wnids: Array.from({ length: 11 }, (_, i) => `n${i}`) }),
      /writeFakeImagenet: option 'wnids': the default images draw 10 classes; got 11 wnids/,
    );
    await assert.rejects(
      writeFakeImagenet(fresh().src, { valPerClass: 1.5 }),
      /option 'valPerClass' must be a non-negative integer; got 1\.5/,
    );
  });
});
