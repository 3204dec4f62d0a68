import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evalTransform } from '../../src/data/eval_transform.js';
import { SeededRandom } from '../../src/data/seeded_random.js';

describe('evalTransform', () => {
  it('resize shorter side 8 -> 4 (exact 2x2 block means) then centre crop 4x4 of the 4x6 result', () => {
    const [H, W] = [8, 12];
    const src = Uint8Array.from({ length: H * W }, (_, i) => (i * 7) % 200);
    const t = evalTransform({ resize: 4, crop: [4, 4] });
    assert.deepEqual(t.outputShape([H, W, 1]), [4, 4, 1]);
    const out = new Float32Array(16);
    t.apply({ image: src, shape: [H, W, 1] }, { image: out }, new SeededRandom(0));
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) {
        // Resized 4x6 image, crop starts at column 1 of it -> source columns 2(x+1), 2(x+1)+1.
        const sy = 2 * y;
        const sx = 2 * (x + 1);
        const mean =
          (src[sy * W + sx]! +
            src[sy * W + sx + 1]! +
            src[(sy + 1) * W + sx]! +
            src[(sy + 1) * W + sx + 1]!) /
          4;
        assert.ok(Math.abs(out[y * 4 + x]! * 255 - mean) < 1e-3, `(${y},${x})`);
      }
    }
  });

  it('identity with normalisation, mask copied', () => {
    const src = Uint8Array.of(0, 51, 102, 153, 204, 255);
    const mask = Uint8Array.of(1, 255);
    const t = evalTransform({ normalization: { mean: [0.1, 0.2, 0.3], std: [0.2, 0.4, 0.5] } });
    const out = new Float32Array(6);
    const outMask = new Uint8Array(2);
    t.apply({ image: src, shape: [1, 2, 3], mask }, { image: out, mask: outMask }, new SeededRandom(0));
    const want = [...src].map((v, i) => (v / 255 - [0.1, 0.2, 0.3][i % 3]!) / [0.2, 0.4, 0.5][i % 3]!);
    for (const [i, v] of out.entries()) assert.ok(Math.abs(v - want[i]!) < 1e-5);
    assert.deepEqual([...outMask], [1, 255]);
  });

  it('rejects bad options', () => {
    assert.throws(() => evalTransform({ resize: 0 }), /options\.resize/);
    assert.throws(
      () =>
        evalTransform({ normalization: { mean: [0], std: [0] } }).apply(
          { image: new Uint8Array(1), shape: [1, 1, 1] },
          { image: new Float32Array(1) },
          new SeededRandom(0),
        ),
      /std/,
    );
    assert.throws(
      () =>
        evalTransform({ normalization: { mean: [0.5], std: [0.5] } }).apply(
          { image: new Uint8Array(3), shape: [1, 1, 3] },
          { image: new Float32Array(3) },
          new SeededRandom(0),
        ),
      /normalization: expected 3 means and stds \(one per channel\), got 1 and 1/,
    );
  });
});
