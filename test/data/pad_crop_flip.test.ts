import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { padCropFlip } from '../../src/data/pad_crop_flip.js';
import { SeededRandom } from '../../src/data/seeded_random.js';

const H = 5;
const W = 6;
const C = 2;
const src = Uint8Array.from({ length: H * W * C }, (_, i) => i + 1); // all nonzero: 0 only from padding

// Reference: crop [dy, dy+H) x [dx, dx+W) of the zero-padded image, optionally mirrored.
function crop(dy: number, dx: number, flip: boolean): number[] {
  const out: number[] = [];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const sx = flip ? dx + W - 1 - x : dx + x;
      const sy = dy + y;
      for (let c = 0; c < C; c++)
        out.push(sy >= 0 && sy < H && sx >= 0 && sx < W ? src[(sy * W + sx) * C + c]! : 0);
    }
  }
  return out;
}

describe('padCropFlip', () => {
  it('flipProb 1 and pad 0 mirrors a known image exactly', () => {
    const t = padCropFlip({ pad: 0, flipProb: 1 });
    const out = new Float32Array(H * W * C);
    t.apply({ image: src, shape: [H, W, C] }, { image: out }, new SeededRandom(0));
    assert.deepEqual(
      [...out].map((v) => Math.round(v * 255)),
      crop(0, 0, true),
    );
  });

  it('every output is one of the (2p+1)^2 * 2 padded crops; offsets and flips all occur', () => {
    const pad = 2;
    const t = padCropFlip({ pad });
    assert.deepEqual(t.outputShape([H, W, C]), [H, W, C]);
    const seen = new Set<string>();
    const out = new Float32Array(H * W * C);
    for (let s = 0; s < 400; s++) {
      t.apply({ image: src, shape: [H, W, C] }, { image: out }, new SeededRandom(s));
      const got = [...out].map((v) => Math.round(v * 255)).join(',');
      let match = '';
      for (let dy = -pad; dy <= pad && !match; dy++)
        for (let dx = -pad; dx <= pad && !match; dx++)
          for (const f of [false, true]) if (crop(dy, dx, f).join(',') === got) match = `${dy},${dx},${f}`;
      assert.ok(match, `sample ${s} is not a crop within the padded bounds`);
      seen.add(match);
    }
    assert.equal(seen.size, 50);
  });

  it('normalises (x / 255 - mean) / std per channel', () => {
    const t = padCropFlip({ pad: 0, flipProb: 0, normalization: { mean: [0.5, 0.25], std: [0.5, 0.125] } });
    const out = new Float32Array(H * W * C);
    t.apply({ image: src, shape: [H, W, C] }, { image: out }, new SeededRandom(0));
    for (let i = 0; i < out.length; i++) {
      const want = i % 2 === 0 ? (src[i]! / 255 - 0.5) / 0.5 : (src[i]! / 255 - 0.25) / 0.125;
      assert.ok(Math.abs(out[i]! - want) < 1e-5);
    }
  });

  it('rejects bad options', () => {
    assert.throws(() => padCropFlip({ pad: -1 }), /options\.pad/);
    assert.throws(() => padCropFlip({ flipProb: 2 }), /options\.flipProb/);
  });
});
