import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomResizedCrop, sampleResizedCropRegion } from '../../src/data/random_resized_crop.js';
import { SeededRandom } from '../../src/data/seeded_random.js';

describe('randomResizedCrop', () => {
  it('crop boxes stay inside the image with area and aspect in range (up to rounding)', () => {
    const [h, w] = [160, 200];
    let small = 0;
    for (let s = 0; s < 2000; s++) {
      const r = sampleResizedCropRegion(h, w, new SeededRandom(s));
      assert.ok(Number.isInteger(r.y0) && Number.isInteger(r.x0) && r.h >= 1 && r.w >= 1);
      assert.ok(r.y0 >= 0 && r.x0 >= 0 && r.y0 + r.h <= h && r.x0 + r.w <= w, JSON.stringify(r));
      const area = (r.h * r.w) / (h * w);
      assert.ok(area >= 0.07 && area <= 1, `area ${area}`);
      const aspect = r.w / r.h;
      assert.ok(aspect >= 0.7 && aspect <= 1.4, `aspect ${aspect}`);
      if (area < 0.3) small++;
    }
    // log-uniform aspect, uniform area in (0.08, 1): a fair share of the crops is small.
    assert.ok(small > 300, `small crops ${small}`);
  });

  it('falls back to a centred crop when no box fits', () => {
    // A 1x100 strip: aspect 100 is outside [3/4, 4/3], every try fails.
    const r = sampleResizedCropRegion(1, 100, new SeededRandom(0));
    assert.deepEqual(r, { y0: 0, x0: 49, h: 1, w: 1 });
  });

  it('outputs the requested size; with the full box and no flip it reproduces a same-size image', () => {
    const src = Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 37) % 256);
    const t = randomResizedCrop({ size: [8, 8], scale: [1, 1], ratio: [1, 1], flipProb: 0 });
    assert.deepEqual(t.outputShape([8, 8, 3]), [8, 8, 3]);
    const out = new Float32Array(8 * 8 * 3);
    t.apply({ image: src, shape: [8, 8, 3] }, { image: out }, new SeededRandom(1));
    assert.deepEqual(
      [...out].map((v) => Math.round(v * 255)),
      [...src],
    );
    const small = randomResizedCrop({ size: [4, 6] });
    assert.deepEqual(small.outputShape([8, 8, 3]), [4, 6, 3]);
  });

  it('rejects bad options', () => {
    assert.throws(() => randomResizedCrop({ size: [0, 4] }), /options\.size/);
    assert.throws(() => randomResizedCrop({ size: [4, 4], scale: [0.5, 0.1] }), /options\.scale/);
  });
});
