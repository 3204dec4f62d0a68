// The library's fake Cityscapes (smoke data of notebook 04): prepareDataset reads its folders; the default
// street scenes hold road, sidewalk, building, sky and car or person pixels (as train ids) plus ignored pixels;
// frames are named as the official ones.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cityscapesFramePaths,
  cityscapesFrames,
  writeFakeCityscapes,
} from '../../../src/data/fake_raw/fake_cityscapes.js';
import { CITYSCAPES_CLASSES } from '../../../src/data/prepare/cityscapes_labels.js';
import { prepareDataset } from '../../../src/data/prepare/prepare_dataset.js';
import { IGNORE_INDEX } from '../../../src/data/schema.js';
import { freshDirs } from '../prepare/fresh_dirs.js';
import { readMetaJson, readSplit } from '../prepare/shard_readback.js';

const fresh = freshDirs('fake-cityscapes-');

describe('writeFakeCityscapes', () => {
  it('frames are numbered and named as the official ones', () => {
    const frames = cityscapesFrames([
      ['train', 'aachen', 2],
      ['val', 'frankfurt', 1],
    ]);
    assert.deepEqual(
      frames.map((f) => [f.index, f.stem]),
      [
        [0, 'aachen_000000_000019'],
        [1, 'aachen_000001_000019'],
        [2, 'frankfurt_000000_000019'],
      ],
    );
    assert.deepEqual(cityscapesFramePaths(frames[2]!), {
      image: 'leftImg8bit/val/frankfurt/frankfurt_000000_000019_leftImg8bit.png',
      mask: 'gtFine/val/frankfurt/frankfurt_000000_000019_gtFine_labelIds.png',
    });
  });

  it('default street scenes prepare into train and val with the scene classes and ignored pixels', async () => {
    const { src, out } = fresh();
    await writeFakeCityscapes(src);
    await prepareDataset('cityscapes', { source: src, out, size: '32x64', workers: 0, progress: 'quiet' });
    const meta = readMetaJson(out);
    assert.equal(meta.splits.train!.count, 12);
    assert.equal(meta.splits.val!.count, 4);
    const masks = readSplit(out, 'train').masks;
    assert.equal(masks[0]!.length, 32 * 64);
    const present = new Set(masks.flatMap((m) => [...m]));
    const name = (v: number) => (v === IGNORE_INDEX ? 'ignored' : CITYSCAPES_CLASSES[v]);
    const names = new Set([...present].map(name));
    for (const c of ['road', 'sidewalk', 'building', 'vegetation', 'sky', 'car']) assert.ok(names.has(c), c);
    for (const v of present) assert.ok(v === IGNORE_INDEX || v < CITYSCAPES_CLASSES.length, `value ${v}`);
  });
});
