import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Region, resampleImage, resampleMask } from '../../src/data/resample_region.js';

const ID = { scale: Float32Array.of(1), bias: Float32Array.of(0) };

function run(
  src: number[],
  srcH: number,
  srcW: number,
  region: Region,
  outH: number,
  outW: number,
  flip = false,
) {
  const out = new Float32Array(outH * outW);
  resampleImage({ src: Uint8Array.from(src), srcH, srcW, channels: 1, region, out, outH, outW, flip, ...ID });
  return [...out];
}

describe('resampleImage', () => {
  it('upsamples like interpolate(align_corners=False): [0, 100] -> [0, 25, 75, 100]', () => {
    assert.deepEqual(run([0, 100], 1, 2, { y0: 0, x0: 0, h: 1, w: 2 }, 1, 4), [0, 25, 75, 100]);
  });

  it('halving averages pixel pairs (2x2 blocks in 2D)', () => {
    const src = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150];
    // 4x4 -> 2x2: mean of each 2x2 block.
    assert.deepEqual(run(src, 4, 4, { y0: 0, x0: 0, h: 4, w: 4 }, 2, 2), [25, 45, 105, 125]);
  });

  it('integer crop at scale 1 copies pixels; outside reads fill; flip mirrors', () => {
    const src = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    assert.deepEqual(run(src, 3, 3, { y0: -1, x0: 1, h: 3, w: 3 }, 3, 3), [0, 0, 0, 2, 3, 0, 5, 6, 0]);
    assert.deepEqual(run(src, 3, 3, { y0: 0, x0: 0, h: 3, w: 3 }, 3, 3, true), [3, 2, 1, 6, 5, 4, 9, 8, 7]);
  });

  it('applies the per-channel affine normalisation, also to the fill', () => {
    const out = new Float32Array(2 * 2);
    resampleImage({
      src: Uint8Array.of(255, 0),
      srcH: 1,
      srcW: 1,
      channels: 2,
      region: { y0: 0, x0: 0, h: 1, w: 2 },
      out,
      outH: 1,
      outW: 2,
      flip: false,
      scale: Float32Array.of(2, 3),
      bias: Float32Array.of(-1, 1),
    });
    // First output column samples x = -0.25 (inside, clamps to pixel 0); second x = 0.75 (>= 0.5: outside).
    assert.deepEqual([...out], [255 * 2 - 1, 1, -1, 1]);
  });
});

describe('resample buffer sizes', () => {
  it('names the buffer that is too small for the shapes given', () => {
    const args = { srcH: 2, srcW: 2, channels: 1, region: { y0: 0, x0: 0, h: 2, w: 2 }, outH: 2, outW: 2 };
    assert.throws(
      () => resampleImage({ ...args, src: new Uint8Array(3), out: new Float32Array(4), flip: false, ...ID }),
      /resampleImage: 'src' must hold at least 4 elements; got 3/,
    );
    assert.throws(
      () => resampleImage({ ...args, src: new Uint8Array(4), out: new Float32Array(3), flip: false, ...ID }),
      /resampleImage: 'out' must hold at least 4 elements; got 3/,
    );
    const mask = { srcH: 2, srcW: 2, region: args.region, outH: 2, outW: 2, flip: false, fill: 255 };
    assert.throws(
      () => resampleMask({ ...mask, src: new Uint8Array(4), out: new Uint8Array(1) }),
      /resampleMask: 'out' must hold at least 4 elements; got 1/,
    );
  });
});

describe('resampleMask', () => {
  it('nearest upsampling replicates labels, outside is the fill, flip mirrors', () => {
    const out = new Uint8Array(2 * 6);
    resampleMask({
      src: Uint8Array.of(1, 2),
      srcH: 1,
      srcW: 2,
      region: { y0: 0, x0: -1, h: 1, w: 3 },
      out,
      outH: 2,
      outW: 6,
      flip: false,
      fill: 255,
    });
    assert.deepEqual([...out], [255, 255, 1, 1, 2, 2, 255, 255, 1, 1, 2, 2]);
    resampleMask({
      src: Uint8Array.of(1, 2),
      srcH: 1,
      srcW: 2,
      region: { y0: 0, x0: -1, h: 1, w: 3 },
      out,
      outH: 2,
      outW: 6,
      flip: true,
      fill: 255,
    });
    assert.deepEqual([...out], [2, 2, 1, 1, 255, 255, 2, 2, 1, 1, 255, 255]);
  });
});
