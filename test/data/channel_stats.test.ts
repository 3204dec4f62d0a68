import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  accumulateChannelSums,
  channelMeanStd,
  emptyChannelSums,
  mergeChannelSums,
} from '../../src/data/channel_stats.js';

// Two-pass reference on doubles: mean first, then the mean squared deviation.
function reference(images: Uint8Array[], c: number): { mean: number[]; std: number[] } {
  const mean = new Array(c).fill(0);
  let n = 0;
  for (const im of images) for (let i = 0; i < im.length; i++) mean[i % c] += im[i]! / 255;
  for (const im of images) n += im.length / c;
  for (let k = 0; k < c; k++) mean[k] /= n;
  const v = new Array(c).fill(0);
  for (const im of images) for (let i = 0; i < im.length; i++) v[i % c] += (im[i]! / 255 - mean[i % c]) ** 2;
  return { mean, std: v.map((x) => Math.sqrt(x / n)) };
}

describe('channel stats', () => {
  for (const c of [1, 3, 4]) {
    it(`matches a two-pass reference, merged across shards (C=${c})`, () => {
      let seed = 7 + c;
      const rand = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % 256;
      };
      const images = Array.from({ length: 5 }, () => Uint8Array.from({ length: 6 * c }, rand));
      const a = emptyChannelSums(c);
      const b = emptyChannelSums(c);
      for (const im of images.slice(0, 2)) accumulateChannelSums(a, im);
      for (const im of images.slice(2)) accumulateChannelSums(b, im);
      const got = channelMeanStd(mergeChannelSums(a, b));
      const want = reference(images, c);
      for (let k = 0; k < c; k++) {
        assert.ok(Math.abs(got.mean[k]! - want.mean[k]!) < 1e-12);
        assert.ok(Math.abs(got.std[k]! - want.std[k]!) < 1e-12);
      }
    });
  }

  it('refuses an empty accumulator', () => {
    assert.throws(() => channelMeanStd(emptyChannelSums(3)), /count/);
  });

  it('refuses to merge sums of different channel counts', () => {
    assert.throws(
      () => mergeChannelSums(emptyChannelSums(3), emptyChannelSums(1)),
      /mergeChannelSums: a and b must count the same channels; got 3 and 1/,
    );
  });
});
