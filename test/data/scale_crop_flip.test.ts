import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scaleCropFlip } from '../../src/data/scale_crop_flip.js';
import { SeededRandom } from '../../src/data/seeded_random.js';

// A 48x64 scene of 12x16 blocks; block (by, bx) has class (by * 4 + bx) % 7 and every image channel
// equals code(class) = 20 + 30 * class (distinct, nonzero, so padding 0 is recognisable).
const H = 48;
const W = 64;
const code = (m: number) => 20 + 30 * m;
const mask = new Uint8Array(H * W);
const image = new Uint8Array(H * W * 3);
for (let y = 0; y < H; y++) {
  for (let x = 0; x < W; x++) {
    const m = (Math.floor(y / 12) * 4 + Math.floor(x / 16)) % 7;
    mask[y * W + x] = m;
    image.fill(code(m), (y * W + x) * 3, (y * W + x) * 3 + 3);
  }
}

describe('scaleCropFlip', () => {
  it('moves the mask with the image: interior pixels agree, padding is 0 in the image and 255 in the mask', () => {
    const [oh, ow] = [40, 56];
    const t = scaleCropFlip({ size: [oh, ow] });
    assert.deepEqual(t.outputShape([H, W, 3]), [oh, ow, 3]);
    const out = new Float32Array(oh * ow * 3);
    const outMask = new Uint8Array(oh * ow);
    let padded = 0;
    for (let s = 0; s < 60; s++) {
      t.apply({ image, shape: [H, W, 3], mask }, { image: out, mask: outMask }, new SeededRandom(s));
      let interior = 0;
      for (let y = 1; y < oh - 1; y++) {
        for (let x = 1; x < ow - 1; x++) {
          const m = outMask[y * ow + x]!;
          let uniform = true;
          for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++) if (outMask[(y + dy) * ow + x + dx] !== m) uniform = false;
          if (!uniform) continue;
          const v = out[(y * ow + x) * 3]! * 255;
          if (m === 255) {
            assert.ok(
              Math.abs(v) < 1e-3,
              `sample ${s}: ignore pixel (${y},${x}) has image ${v}, expected padding 0`,
            );
            padded++;
          } else {
            assert.ok(
              Math.abs(v - code(m)) < 1e-3,
              `sample ${s}: pixel (${y},${x}) class ${m} has image ${v}`,
            );
            interior++;
          }
        }
      }
      assert.ok(interior > 0);
    }
    assert.ok(padded > 0, 'some samples were scaled below the crop size and padded');
  });

  it('scale 1, no flip, crop = image: identity on image and mask', () => {
    const t = scaleCropFlip({ size: [H, W], scale: [1, 1], flipProb: 0 });
    const out = new Float32Array(H * W * 3);
    const outMask = new Uint8Array(H * W);
    t.apply({ image, shape: [H, W, 3], mask }, { image: out, mask: outMask }, new SeededRandom(3));
    assert.deepEqual(outMask, mask);
    assert.deepEqual(
      [...out].map((v) => Math.round(v * 255)),
      [...image],
    );
  });

  it('flipProb 1 at scale 1 mirrors image and mask together', () => {
    const t = scaleCropFlip({ size: [H, W], scale: [1, 1], flipProb: 1 });
    const out = new Float32Array(H * W * 3);
    const outMask = new Uint8Array(H * W);
    t.apply({ image, shape: [H, W, 3], mask }, { image: out, mask: outMask }, new SeededRandom(4));
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        assert.equal(outMask[y * W + x], mask[y * W + (W - 1 - x)]);
        assert.equal(Math.round(out[(y * W + x) * 3]! * 255), image[(y * W + (W - 1 - x)) * 3]);
      }
    }
  });

  it('rejects a mask of the wrong size', () => {
    const t = scaleCropFlip({ size: [8, 8] });
    assert.throws(
      () =>
        t.apply(
          { image, shape: [H, W, 3], mask: new Uint8Array(5) },
          { image: new Float32Array(192), mask: new Uint8Array(64) },
          new SeededRandom(0),
        ),
      /scaleCropFlip: input\.mask/,
    );
  });
});
