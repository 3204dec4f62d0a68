// Decode paths ImageNet actually exercises: greyscale and CMYK JPEGs, PNG with alpha (one "JPEG" in the
// ILSVRC2012 train set is a PNG), all to 3-channel HWC squares; and the worker pool's error path.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { decodeSquare } from '../../../src/data/prepare/image_ops.js';
import { ImagePool } from '../../../src/data/prepare/image_pool.js';

const W = 30;
const H = 20;

function solid(channels: 1 | 3 | 4, value: number[]): Sharp {
  const px = Buffer.alloc(W * H * channels);
  for (let i = 0; i < W * H; i++) px.set(value, i * channels);
  return sharp(px, { raw: { width: W, height: H, channels } });
}

describe('decodeSquare', () => {
  it('greyscale JPEG -> 3 equal channels', async () => {
    const jpg = await solid(1, [120]).toColourspace('b-w').jpeg({ quality: 95 }).toBuffer();
    assert.equal((await sharp(jpg).metadata()).channels, 1);
    const px = await decodeSquare(jpg, 10);
    assert.deepEqual([px.width, px.height, px.channels, px.data.length], [10, 10, 3, 300]);
    for (let i = 0; i < 300; i++) assert.ok(Math.abs(px.data[i]! - 120) <= 2);
  });

  it('CMYK JPEG -> sRGB', async () => {
    const jpg = await solid(3, [200, 40, 40]).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    assert.equal((await sharp(jpg).metadata()).space, 'cmyk');
    const px = await decodeSquare(jpg, 8);
    assert.equal(px.channels, 3);
    const [r = 0, g = 255, b = 255] = px.data.subarray(3 * 27, 3 * 28); // a missing pixel fails
    assert.ok(r > 150 && g < 90 && b < 90, `${r} ${g} ${b}`);
  });

  it('RGBA PNG (alpha dropped) and odd sizes', async () => {
    const png = await solid(4, [10, 20, 30, 128]).png().toBuffer();
    const px = await decodeSquare(png, 7);
    assert.deepEqual([px.width, px.height, px.channels], [7, 7, 3]);
    // colour kept up to the premultiplied-alpha resampling round-off
    Array.from(px.data.subarray(0, 3)).forEach((v, c) => {
      assert.ok(Math.abs(v - [10, 20, 30][c]!) <= 1, `channel ${c}: ${v}`);
    });
  });
});

describe('ImagePool', () => {
  const pool = new ImagePool({ workers: 1 });
  after(() => pool.close());
  it('returns pixels from a worker and rejects with the decoder message on bad bytes', async () => {
    const png = await solid(3, [1, 2, 3]).png().toBuffer();
    const ok = await pool.run({ kind: 'square', bytes: png, size: 4 });
    assert.equal(ok.image.length, 48);
    assert.deepEqual(Array.from(ok.image.subarray(0, 3)), [1, 2, 3]);
    await assert.rejects(
      pool.run({ kind: 'square', bytes: Buffer.from('nope'), size: 4 }),
      /unsupported image format/,
    );
    // the worker survives a failed job
    assert.equal((await pool.run({ kind: 'square', bytes: png, size: 2 })).image.length, 12);
  });
});
